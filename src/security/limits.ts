import type { IncomingMessage, ServerResponse } from 'node:http';
import { EnvelopArmor } from '@escape.tech/graphql-armor';
import {
  type ExecutionResult,
  GraphQLError,
  type GraphQLSchema,
  getNamedType,
  isObjectType,
  type ValidationContext,
} from 'graphql';
import { isAsyncIterable, type Plugin, type YogaInitialContext } from 'graphql-yoga';
import type { OperationLimits } from '../config.js';
import { OperationLimitError, RequestTooLargeError } from '../errors.js';
import { DEFAULT_PAGE_LIMITS } from '../pagination/connectionArgs.js';
import { type CostOptions, operationCost } from './cost.js';
import { coerceOperation, KnownOperationTypesRule } from './operationInput.js';
import { rejectRequest } from './reject.js';

/**
 * Every limit is checked before any resolver runs, so a rejected operation costs no upstream call. Size is
 * checked on the declared body length, tokens while parsing, depth, aliases and directives while validating
 * (graphql-armor) with the operation types that exist, and cost once variables are coerced, because `first: $n`
 * only has a value then. A variable of the wrong type is refused there too, as BAD_USER_INPUT.
 */
export function useOperationLimits(
  schema: GraphQLSchema,
  limits: OperationLimits,
  exposeLimits: boolean,
): Plugin[] {
  const stated = (limit: number) => (exposeLimits ? ` (limit ${limit})` : '');
  // Armor's own messages neither say what to do nor carry a code; each rejection is reported in ours.
  const reject =
    (message: string) =>
    (context: ValidationContext | null, _error: GraphQLError): void => {
      const error = new OperationLimitError(message);
      if (context === null) throw error;
      context.reportError(error);
    };
  const armor = new EnvelopArmor<YogaInitialContext>({
    maxDepth: {
      n: limits.maxDepth,
      propagateOnRejection: false,
      onReject: [
        reject(
          `The query is nested too deeply${stated(limits.maxDepth)}. Select fewer levels, or split it into several queries.`,
        ),
      ],
    },
    maxAliases: {
      n: limits.maxAliases,
      propagateOnRejection: false,
      onReject: [
        reject(
          `The query uses too many aliases${stated(limits.maxAliases)}. Use fewer aliases, or page with one field and \`after\`.`,
        ),
      ],
    },
    maxDirectives: {
      n: limits.maxDirectives,
      propagateOnRejection: false,
      onReject: [reject(`The query uses too many directives${stated(limits.maxDirectives)}. Use fewer.`)],
    },
    maxTokens: {
      n: limits.maxTokens,
      propagateOnRejection: false,
      onReject: [
        reject(
          `The query is too long${exposeLimits ? ` (limit ${limits.maxTokens} tokens)` : ''}. Send a shorter query, or split it into several.`,
        ),
      ],
    },
    // Suggestions would reveal the schema even with introspection off.
    blockFieldSuggestion: { enabled: !exposeLimits },
    costLimit: { enabled: false },
  }).protect().plugins;

  const tooLarge = () => new RequestTooLargeError(exposeLimits ? limits.maxRequestBytes : null);
  const size: Plugin = {
    // A declared length over the limit is refused before a byte of the body is read.
    onRequest({ request, endResponse }) {
      const declared = Number(request.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > limits.maxRequestBytes) {
        endResponse(rejectRequest(request, tooLarge()));
      }
    },
    // Any other body (chunked, or no length at all) is counted while it is read: past the limit the rest is
    // never read, and the connection is closed once the answer is out, so the client stops sending.
    onRequestParse({ request, requestParser, setRequestParser, serverContext }) {
      // A declared length within the limit bounds the body already: Node's parser delivers no byte past it.
      if (requestParser === undefined || request.headers.get('content-length') !== null) return;
      const inner = requestParser;
      const overLimit = () => {
        closeAfterAnswer(serverContext as NodeServerContext | undefined);
        return tooLarge();
      };
      setRequestParser(
        (request) =>
          // One promise of either shape, where yoga's type has a promise of each; yoga awaits both alike.
          readWithin(request, limits.maxRequestBytes, overLimit).then(inner) as ReturnType<typeof inner>,
      );
    },
  };

  const costOptions: CostOptions = {
    defaultPageSize: DEFAULT_PAGE_LIMITS.defaultCount,
    maxPageSize: DEFAULT_PAGE_LIMITS.maxCount,
    connectionFields: connectionFieldNames(schema),
  };
  const cost: Plugin = {
    onValidate({ addValidationRule, validateFn, setValidationFn }) {
      addValidationRule(KnownOperationTypesRule);
      // graphql-js 16's single-root-field rule for subscriptions evaluates @skip/@include without variables,
      // and throws when one names a variable: the client's document, so the client's validation error.
      setValidationFn((...args) => {
        try {
          return validateFn(...args);
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          return [new GraphQLError(error.message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })];
        }
      });
    },
    onExecute({ args, setResultAndStopExecution }) {
      // Variables are coerced first: a client's bad value is its error (400), and the cost then counts the
      // values execution will see (defaults applied, a single id coerced to a list of one).
      const input = coerceOperation(schema, args.document, args.operationName, args.variableValues);
      if (!input.ok) {
        setResultAndStopExecution({ errors: input.errors });
        return;
      }
      const asked = operationCost(args.document, input.variables, args.operationName, costOptions);
      if (asked <= limits.maxCost) return;
      const figures = exposeLimits ? ` (${asked}, limit ${limits.maxCost})` : '';
      setResultAndStopExecution({
        errors: [
          new OperationLimitError(
            `The query asks the providers for too many items${figures}. Lower \`first\`/\`last\`, ` +
              'ask for fewer ids, or split it into several queries.',
          ),
        ],
      });
    },
  };

  // yoga marks every parse error as a spec error, which application/json clients get with a 200; a limit is
  // not a syntax error, so the result as a whole asks for 400.
  const status: Plugin = {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || isAsyncIterable(result)) return;
      const single = result as ExecutionResult;
      if (!single.errors?.some((error) => error instanceof OperationLimitError)) return;
      setResult({ ...single, extensions: { ...single.extensions, http: { status: 400 } } });
    },
  };

  // graphql-js parses recursively, and a list or object nested a couple of thousand levels deep exhausts the
  // stack before the token limit is reached; that is the document's fault, not the server's. After armor, so
  // this wraps its token-counting parse.
  const nesting: Plugin = {
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options) => {
        try {
          return parseFn(source, options);
        } catch (error) {
          if (!(error instanceof RangeError)) throw error;
          throw new OperationLimitError(
            'The query nests lists, objects or selections too deeply to parse. Flatten the values, or send them as variables.',
          );
        }
      });
    },
  };

  return [size, ...armor, nesting, status, cost];
}

/**
 * The request with its body read into memory, at most `maxBytes` of it; over that, the reading stops and
 * `tooLarge()` is thrown. The copy keeps the method, URL and headers, so any of yoga's parsers can read it.
 */
async function readWithin(request: Request, maxBytes: number, tooLarge: () => Error): Promise<Request> {
  if (request.body === null) return request;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    // The reader is left as it is, neither cancelled nor released: on Node either destroys the socket at once,
    // before the answer is written. Unread, the body waits in the socket until the connection is closed.
    if (total > maxBytes) throw tooLarge();
    chunks.push(value);
  }
  return new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body: Buffer.concat(chunks),
  });
}

/** What yoga's Node adapter passes as the server context: the request and response it serves. */
interface NodeServerContext {
  req?: IncomingMessage;
  res?: ServerResponse;
}

/** How long a client may go on sending after the refusal went out, before its connection is dropped. */
const LINGER_MS = 1000;

/**
 * Ends the connection once the answer is written: FIN right after it, then the socket is destroyed when the
 * client closes or after LINGER_MS (a lingering close, as nginx does). Node's own close, for a response marked
 * `Connection: close` or a client that sent it, destroys the socket the moment the answer is flushed; with
 * the unread body still in the socket that sends a reset, and the client may lose the 413 it was about to
 * read. So Node is told to keep the connection, and this closes it instead.
 */
function closeAfterAnswer(context: NodeServerContext | undefined): void {
  const socket = context?.req?.socket;
  const response = context?.res;
  if (socket === undefined || response === undefined || response.headersSent) return;
  response.shouldKeepAlive = true;
  response.once('finish', () => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });
}

/** Names of the fields, on any type, that return a Relay connection (`…Connection`). */
function connectionFieldNames(schema: GraphQLSchema): Set<string> {
  const names = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (getNamedType(field.type).name.endsWith('Connection')) names.add(field.name);
    }
  }
  return names;
}
