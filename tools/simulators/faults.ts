export type RouteKind = 'list' | 'detail' | 'other';

/** One request as a simulator received it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path name including the base path, e.g. `/api/v1.0/campaigns`. */
  readonly path: string;
  readonly route: RouteKind;
  readonly query: URLSearchParams;
  /** Epoch milliseconds (sub-millisecond, from the simulator's clock) when the request arrived. */
  readonly at: number;
  readonly authorization: string | null;
  /** The x-request-id the caller forwarded, to check that ids travel upstream. */
  readonly requestId: string | null;
  /** Status sent, or null while unanswered (delayed, hanging) or when the socket was cut. */
  status: number | null;
}

export type FaultRoute = 'list' | 'detail' | 'any';

interface FaultScope {
  /** @default 'any' */
  route?: FaultRoute;
  /** How many matching requests this rule answers before it removes itself. @default until cleared */
  times?: number;
  /** Wait this long before answering (combines with any other fault, or alone: then a normal answer). */
  delayMs?: number;
  /** Narrows the rule further, e.g. to one campaign id or one page. */
  when?: (request: RecordedRequest) => boolean;
}

export type FaultAction =
  /** Answer with this status instead; `body` defaults to the provider's error body for the status. */
  | { status: number; body?: string; headers?: Record<string, string> }
  /** Never answer; `close()` still completes because it destroys the socket. */
  | { hang: true }
  /** 200 with a body that is not JSON. */
  | { malformedJson: true }
  /** The normal status with the first half of the body and a matching Content-Length. */
  | { truncatedJson: true }
  /** 200 with an empty body. */
  | { emptyBody: true }
  /** Headers and part of the body, then the socket is destroyed. */
  | { resetMidBody: true }
  /** The normal body, sent `chunkBytes` at a time every `intervalMs`. */
  | { trickle: { chunkBytes: number; intervalMs: number } }
  /** The normal body padded with whitespace (still valid JSON) to this many bytes. */
  | { oversizedBytes: number }
  /** The normal body parsed, passed through this function and re-serialised: schema drift. */
  | { transformBody: (body: unknown) => unknown }
  | { delayMs: number };

export type FaultRule = FaultScope & FaultAction;

interface ActiveRule {
  readonly rule: FaultRule;
  remaining: number;
}

function checkNonNegative(value: number | undefined, what: string): void {
  if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
    throw new RangeError(`${what} must be a non-negative number, got ${value}`);
  }
}

/** Rules answering requests instead of (or on top of) the simulator's normal behaviour. */
export class FaultController {
  readonly #rules: ActiveRule[] = [];

  /** Adds a rule after the existing ones; returns a function that removes it. */
  add(rule: FaultRule): () => void {
    if (rule.times !== undefined && (!Number.isInteger(rule.times) || rule.times < 1)) {
      throw new RangeError(`times must be a positive integer, got ${rule.times}`);
    }
    checkNonNegative(rule.delayMs, 'delayMs');
    if ('trickle' in rule) {
      if (!Number.isInteger(rule.trickle.chunkBytes) || rule.trickle.chunkBytes < 1) {
        throw new RangeError('trickle.chunkBytes must be a positive integer');
      }
      checkNonNegative(rule.trickle.intervalMs, 'trickle.intervalMs');
    }
    if ('oversizedBytes' in rule) checkNonNegative(rule.oversizedBytes, 'oversizedBytes');
    if ('status' in rule && (!Number.isInteger(rule.status) || rule.status < 100 || rule.status > 599)) {
      throw new RangeError(`status must be an HTTP status code, got ${rule.status}`);
    }
    const active: ActiveRule = { rule, remaining: rule.times ?? Number.POSITIVE_INFINITY };
    this.#rules.push(active);
    return () => {
      const index = this.#rules.indexOf(active);
      if (index >= 0) this.#rules.splice(index, 1);
    };
  }

  clear(): void {
    this.#rules.length = 0;
  }

  /** Rules still active, in the order they apply. */
  list(): FaultRule[] {
    return this.#rules.map((active) => active.rule);
  }

  /** The first rule matching the request, consuming one of its `times`; used by the simulators. */
  take(request: RecordedRequest): FaultRule | undefined {
    for (let i = 0; i < this.#rules.length; i++) {
      const active = this.#rules[i];
      if (active === undefined) continue;
      const { route = 'any', when } = active.rule;
      if (route !== 'any' && route !== request.route) continue;
      if (when !== undefined && !when(request)) continue;
      active.remaining -= 1;
      if (active.remaining <= 0) this.#rules.splice(i, 1);
      return active.rule;
    }
    return undefined;
  }
}
