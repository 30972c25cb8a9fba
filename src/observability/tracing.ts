import { type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * Spans go through the OpenTelemetry API only. Until an SDK registers a tracer provider (tracingSdk.ts, loaded
 * when an OTLP endpoint is configured) the API hands out non-recording spans, so tracing costs a few
 * property reads per call and nothing else.
 */
export const tracer = trace.getTracer('campaign-gateway');

export { SpanKind };

export async function inSpan<T>(
  name: string,
  kind: SpanKind,
  attributes: Record<string, string | number>,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
      throw error;
    } finally {
      span.end();
    }
  });
}
