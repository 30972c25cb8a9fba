// Long on purpose: the two tiers, the freshness rules and the single refresh per key (in a process and
// across replicas) are one policy, and reading it in one place is how its bounds are checked.
import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Provider } from '../domain/campaign.js';
import { UpstreamError } from '../errors.js';
import { type DeferredMember, stringifyBody } from '../http/deferredMembers.js';
import { envelopeOf, letGo, SharedAnswer } from '../http/handOver.js';
import { type BodyChunks, parseJsonBody, transientBytes } from '../http/responseBody.js';
import {
  type GetOptions,
  type GetResult,
  type JsonGetter,
  type QueryParams,
  untilAborted,
} from '../http/upstreamClient.js';

/** How long a provider's answers may be reused. */
export interface FreshnessPolicy {
  /** Younger entries answer without a call. */
  freshMs: number;
  /** Entries up to this age answer at once while one refresh runs in the background. */
  staleWhileRevalidateMs: number;
  /** Entries up to this age answer when the provider fails or its quota is spent, marked stale. */
  staleIfErrorMs: number;
}

export type CacheOutcome = 'fresh' | 'stale' | 'miss' | 'stale_if_error' | 'saturated' | 'shared';

export interface UpstreamCacheOptions {
  /** Bound on the memory tier, counted as the bodies' size in bytes times HEAP_FACTOR. */
  maxBytes: number;
  /** The shared tier: replicas read each other's entries and refresh each key once between them. */
  redis?: { client: Redis; subscriber: Redis; prefix: string } | undefined;
  now?: () => number;
  /** How long a replica's fetch holds its key's lock in Redis before another may take it (default 5 s). */
  lockMs?: number;
  onLookup?: (provider: Provider, outcome: CacheOutcome) => void;
}

/** The upstream a cached getter reads through: it must say how far behind its quota it is. */
export interface QueuedGetter extends JsonGetter {
  /** Requests waiting for a rate-limit slot. */
  readonly queued: number;
}

interface Filled {
  /** The caller's own envelope. */
  result: GetResult;
  /** Another request's fill answered it. */
  shared: boolean;
}

interface Entry {
  /** When the answer landed: freshness counts from here. */
  storedAt: number;
  /** When it was asked for: an answer asked before an invalidation is not valid after it. */
  askedAt: number;
  /** The answer, or its body's bytes as received until reads come close together (see `resultOf`). */
  content: GetResult | BodyChunks;
  /** Size of the body as received. */
  bytes: number;
  /** When its key was last read (carried over from the copy it replaces): how hot the key is. */
  readAt?: number | undefined;
}

/** A parsed JSON body takes a few times its text's size on the heap. */
const HEAP_FACTOR = 3;
/**
 * A read this soon after the key's last one keeps its parse for the next: the key is read often enough that
 * one parse serves many requests. A parse kept longer than a request lives through enough scavenges to be
 * promoted, so for a key read less often its parse is dropped with the request that read it.
 */
const HOT_READ_GAP_MS = 250;
/** Past this queueing delay, a stale answer within the error bound beats waiting for the quota. */
const SATURATED_WAIT_MS = 150;
/** A waiting replica takes an entry the holder stored up to this long before the wait began as its answer. */
const SHARED_FILL_WAIT_MS = 1000;
/**
 * A waiting replica is woken by the holder's notice; this poll (a lock check, not a read) only covers a
 * notice missed while the subscriber reconnects, or a holder that died and whose lock must expire.
 */
const SHARED_FILL_POLL_MS = 100;
const LOCK_MS = 5000;
/** The refused keys remembered for admission: a few hundred KB of keys at most. */
const REFUSED_KEYS_MAX = 4096;
const PROVIDER_ID = /^[A-Za-z0-9_]{1,64}$/;

/**
 * Deletes a key's lock only while it still holds this fetch's token. A fetch can outlive its lock (queued
 * behind the quota past lockMs); by then another replica may hold the key, and a plain DEL would free that
 * replica's lock too, letting a third fetch the same key again. Then it announces the fetch as done (ARGV[2]
 * the channel, ARGV[3] the notice), in the same step, so a replica that hears it finds the lock gone.
 */
const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1`;

/**
 * The entry only when it is newer than the copy the reader holds (ARGV[1], its storedAt; the stored value
 * starts with its own), so that checking an unchanged key moves a few bytes instead of the whole body.
 */
const READ_IF_NEWER = `local value = redis.call('GET', KEYS[1])
local storedAt = value and tonumber(string.match(value, '^(%d+) '))
if storedAt and storedAt > tonumber(ARGV[1]) then return value end
return false`;

/**
 * A shared cache of upstream GETs (list pages and lookups), keyed by the request and the identity of the
 * provider credential it was sent with, so gateways holding different keys never share an entry. Every
 * client of a gateway reads the same provider data through the gateway's own keys, so one answer can serve
 * all of them for a short while. In memory, bounded by bytes; Redis is the shared tier when configured.
 * Each provider gets its own getter with its own freshness.
 */
export class UpstreamCache {
  private readonly memory: LRUCache<string, Entry>;
  private readonly now: () => number;
  /** Keys being fetched or refreshed by this process: one call per key at a time. */
  private readonly filling = new Map<string, SharedAnswer<Entry>>();
  /** Keys being read from Redis by this process: concurrent requests share one read (and one parse). */
  private readonly reading = new Map<string, Promise<Entry | undefined>>();
  /** Keys this process waits on another replica for: woken by that replica's notice. */
  private readonly waiters = new Map<string, Set<() => void>>();
  /**
   * When each provider was last invalidated (epoch ms, the latest any replica announced): entries stored
   * before it are not served, here or read back from Redis. A time rather than a counter, so a replica that
   * invalidated while Redis was away does not end up with keys the others never share.
   */
  private readonly invalidatedAt = new Map<Provider, number>();
  /** Counts this process's invalidations, so an answer asked for before one is never stored after it. */
  private readonly epochs = new Map<Provider, number>();
  /**
   * The providers it caches for (each `forProvider`): the ones whose invalidations concern it, each with the
   * member its bodies are parsed with deferred, as its transport parses them.
   */
  private readonly providers = new Map<Provider, DeferredMember | undefined>();
  /** Names this process in the lock tokens it writes. */
  private readonly replicaId = randomUUID();
  private lockTokens = 0;
  private readonly lockMs: number;
  /**
   * Keys a full memory tier refused to store, each with the refusal count at the time (see `admits`). Like
   * nginx's `proxy_cache_min_uses 2` or ARC's ghost list: only keys, never bodies.
   */
  private readonly refused = new LRUCache<string, number>({ max: REFUSED_KEYS_MAX });
  private refusals = 0;
  /** Entries this process's fetches made for their callers alone: let go of once those have theirs. */
  private readonly handedOut = new WeakSet<Entry>();

  constructor(private readonly options: UpstreamCacheOptions) {
    this.memory = new LRUCache<string, Entry>({
      maxSize: Math.max(1, options.maxBytes),
      sizeCalculation: entrySize,
    });
    this.now = options.now ?? Date.now;
    this.lockMs = options.lockMs ?? LOCK_MS;
    this.listenForInvalidations();
  }

  /** A getter for one provider that reads through this cache. */
  forProvider(
    provider: Provider,
    credential: string,
    policy: FreshnessPolicy,
    upstream: QueuedGetter,
    rateLimitPerSecond: number,
    deferredMember?: DeferredMember,
  ): JsonGetter {
    this.providers.set(provider, deferredMember);
    const credentialId = createHash('sha256')
      .update(`${provider}\u0000${credential}`)
      .digest('base64url')
      .slice(0, 16);
    return {
      getJson: (path, query, options = {}) =>
        this.get({ provider, credentialId, policy, upstream, rateLimitPerSecond }, path, query, options),
    };
  }

  /**
   * The hook for changes the gateway learns of (live events): drops every entry of the provider, here and,
   * through Redis, on every replica. A change to one campaign can move it in any list of its provider, so the
   * provider's lists go together.
   */
  async invalidate(provider: Provider, learnedAt?: number): Promise<void> {
    // Answers asked for after the change was learned already hold it; several changes learned by one read
    // are then one invalidation.
    const at = Math.min(learnedAt ?? this.now(), this.now());
    this.invalidated(provider, at);
    const redis = this.options.redis;
    if (redis === undefined) return;
    try {
      await redis.client.set(`${redis.prefix}:upstream-invalidated:${provider}`, String(at));
      await redis.client.publish(`${redis.prefix}:upstream-invalidate`, `${provider} ${at}`);
    } catch {
      // Redis away: the other replicas keep their entries until they age out (staleIfErrorMs at most).
    }
  }

  get sizeBytes(): number {
    return this.memory.calculatedSize;
  }

  private async get(
    source: Source,
    path: string,
    query: QueryParams,
    options: GetOptions,
  ): Promise<GetResult> {
    const key = this.keyOf(source, path, query);
    const { policy, provider } = source;
    let entry = this.valid(provider, this.memory.get(key));
    let age = entry === undefined ? Number.POSITIVE_INFINITY : this.now() - entry.storedAt;
    // Redis is read only when memory cannot answer now. A stale copy within staleWhileRevalidateMs answers
    // at once, and its background refresh looks in Redis first (another replica may have refreshed the key):
    // reading Redis on every stale request put a round trip and a parse of the whole body on each of them,
    // and all at once when a key went stale under load.
    if (
      entry === undefined ||
      age >= policy.staleWhileRevalidateMs ||
      (options.maxAgeMs !== undefined && age > options.maxAgeMs)
    ) {
      entry = (await this.readShared(key, provider)) ?? entry;
      age = entry === undefined ? Number.POSITIVE_INFINITY : this.now() - entry.storedAt;
    }
    if (options.maxAgeMs !== undefined && age > options.maxAgeMs) {
      // The reader needs a newer snapshot than the cache holds (its pages disagreed): no stale answer.
      return this.answered(source, 'miss', await this.fill(source, key, path, query, options, 'fresh'));
    }
    if (entry !== undefined && age < policy.freshMs) return this.answer(source, 'fresh', entry);
    if (entry !== undefined && age < policy.staleWhileRevalidateMs) {
      this.refreshInBackground(source, key, path, query, options);
      return this.answer(source, 'stale', entry);
    }
    const saturated = (source.upstream.queued * 1000) / source.rateLimitPerSecond > SATURATED_WAIT_MS;
    if (entry !== undefined && age < policy.staleIfErrorMs && saturated) {
      this.refreshInBackground(source, key, path, query, options);
      options.noteStale?.(provider, age);
      return this.answer(source, 'saturated', entry);
    }
    try {
      const filled = await this.fill(source, key, path, query, options, 'interactive');
      return this.answered(source, filled.shared ? 'shared' : 'miss', filled);
    } catch (error) {
      if (entry === undefined || age >= policy.staleIfErrorMs || !(error instanceof UpstreamError))
        throw error;
      options.noteStale?.(provider, age);
      return this.answer(source, 'stale_if_error', entry);
    }
  }

  private valid(provider: Provider, entry: Entry | undefined): Entry | undefined {
    return entry === undefined || this.predatesInvalidation(provider, entry) ? undefined : entry;
  }

  /**
   * The one rule for memory and Redis alike: an answer asked for in the very millisecond of the invalidation
   * may predate the change, so it counts as older.
   */
  private predatesInvalidation(provider: Provider, entry: Entry): boolean {
    return entry.askedAt <= (this.invalidatedAt.get(provider) ?? Number.NEGATIVE_INFINITY);
  }

  /** The caller's own envelope of the entry's answer (`handOver.ts`): emptying it leaves the entry whole. */
  private answer(source: Source, outcome: CacheOutcome, entry: Entry): GetResult {
    this.options.onLookup?.(source.provider, outcome);
    return envelopeOf(resultOf(entry, this.providers.get(source.provider), this.now()));
  }

  private answered(source: Source, outcome: CacheOutcome, filled: Filled): GetResult {
    this.options.onLookup?.(source.provider, outcome);
    return filled.result;
  }

  /**
   * Once every caller of a fill has its envelope, the entry a fetch made for them lets go of its body: only
   * a stored entry keeps one (`handOver.ts`). Entries read from memory or Redis may have other readers.
   */
  private shareFill(entry: Promise<Entry>): SharedAnswer<Entry> {
    return new SharedAnswer(entry, (filled) => {
      if (this.handedOut.has(filled) && 'found' in filled.content) letGo(filled.content);
    });
  }

  /**
   * One call per key at a time in this process; with Redis, one per key across replicas: a replica that
   * finds another already fetching waits for its entry instead of spending quota on the same page. The call
   * is shared, so one caller giving up must not cancel it for the others: it carries no caller's signal.
   */
  private async fill(
    source: Source,
    key: string,
    path: string,
    query: QueryParams,
    options: GetOptions,
    mode: 'interactive' | 'background' | 'fresh',
  ): Promise<Filled> {
    const { signal, ...call } = options;
    const wait = (entry: Promise<Entry>) => untilAborted(entry, signal);
    const take = (shared: boolean) => (entry: Entry) => ({
      result: envelopeOf(resultOf(entry, this.providers.get(source.provider), this.now())),
      shared,
    });
    const running = this.filling.get(key);
    if (running !== undefined) return running.join(wait, take(true));
    if (mode === 'fresh') {
      return this.shareFill(this.fetchAndStore(source, key, path, query, call)).join(wait, take(false));
    }
    const task = (async () => {
      let lockKey = this.lockKeyOf(key, source.provider);
      let token = await this.lock(lockKey);
      while (token === false) {
        // Another replica is fetching this key: wait for its answer rather than spend quota on it too. A
        // refresh waits in the background while the stale copy keeps answering; a request gets here only
        // when memory had nothing it may answer with at once.
        const theirs = await this.awaitShared(lockKey, key, source.provider, call.deadline);
        if (theirs !== undefined) return theirs;
        // An invalidation while waiting voids the answer waited for and moves the key's lock: contend for the
        // new one, where a replica may be fetching for everyone already. Fetching without it was a second
        // call of the key, 10 ms after the other replica's. Each turn needs another invalidation.
        const moved = this.lockKeyOf(key, source.provider);
        if (moved === lockKey) break;
        lockKey = moved;
        token = await this.lock(lockKey);
      }
      if (token === false) {
        // The holder failed: a failed refresh leaves the stale copy answering, as one of our own would.
        const mine = mode === 'background' ? this.valid(source.provider, this.memory.get(key)) : undefined;
        if (mine !== undefined) return mine;
      }
      let storedAt = 0;
      try {
        if (typeof token === 'string') {
          // Another replica may have stored the key since this one last looked (between that look and the
          // lock it had just unlocked; or it refreshed the key before this refresh began, and the notice was
          // missed): its entry costs no quota. Seen as two refreshes of one key 11 ms apart.
          const shared = await this.readShared(key, source.provider);
          if (shared !== undefined && this.now() - shared.storedAt < source.policy.freshMs) return shared;
        }
        const entry = await this.fetchAndStore(source, key, path, query, call);
        storedAt = entry.storedAt;
        return entry;
      } finally {
        if (typeof token === 'string') await this.unlock(lockKey, token, key, storedAt);
      }
    })();
    const shared = this.shareFill(task);
    this.filling.set(key, shared);
    const forget = () => {
      if (this.filling.get(key) === shared) this.filling.delete(key);
    };
    task.then(forget, forget);
    return shared.join(wait, take(false));
  }

  /** Sizes count UTF-16 code units, not bytes: close enough for a bound that is an estimate anyway. */
  private async fetchAndStore(
    source: Source,
    key: string,
    path: string,
    query: QueryParams,
    options: GetOptions,
  ): Promise<Entry> {
    const askedAt = this.now();
    const epoch = this.epochs.get(source.provider) ?? 0;
    const result = await source.upstream.getJson(path, query, options);
    // The callers of this fetch share its parse. Both tiers store the bytes when the upstream gives them
    // (`keepRawBodies`), the memory tier until its key is read often (`resultOf`); its parse otherwise.
    const raw = result.found ? result.raw : undefined;
    const entry: Entry = {
      storedAt: this.now(),
      askedAt,
      content: result.found ? { found: true, body: result.body } : result,
      bytes: (result.found ? result.size : undefined) ?? raw?.size ?? 0,
    };
    // The entry holds the answer now; the upstream's envelope is resolved into promises older than it.
    letGo(result);
    // An answer that raced an invalidation, or a newer one, does not replace what is there.
    const held = this.memory.get(key);
    const current = epoch === (this.epochs.get(source.provider) ?? 0);
    if (current && (held === undefined || held.askedAt <= askedAt)) {
      this.keep(key, raw === undefined ? entry : { ...entry, content: raw }, held);
      await this.writeShared(key, entry, raw, source.policy.staleIfErrorMs);
    }
    if (this.memory.peek(key) !== entry) this.handedOut.add(entry);
    return entry;
  }

  /** Stores an entry in the memory tier: always over a copy already held, else as `admits` decides. */
  private keep(key: string, entry: Entry, held: Entry | undefined): void {
    if (held === undefined && !this.admits(key, entry)) return;
    // A refresh of a hot key is read as often as the copy it replaces.
    entry.readAt = held?.readAt;
    this.memory.set(key, entry);
  }

  /**
   * Whether a new key may take room in the memory tier (fetched here or read from another replica's). With
   * room to spare, always. When storing it would evict, only if it was refused before within as many
   * refusals as the tier holds entries: a key that comes back sooner than an entry would have aged out of the
   * LRU is one it would have been read from. Traffic that never repeats within the bound (a client walking
   * many cursors, varied filters) is served and dropped instead of displacing entries that are read, and its
   * pages die young: storing each one to evict it unread cost the collector more than the rest of such a
   * request (BENCHMARKS.md, *What was done*).
   */
  private admits(key: string, entry: Entry): boolean {
    if (this.memory.calculatedSize + entrySize(entry, key) <= this.memory.maxSize) return true;
    const lastRefused = this.refused.get(key);
    if (lastRefused !== undefined && this.refusals - lastRefused <= this.memory.size) {
      this.refused.delete(key);
      return true;
    }
    this.refused.set(key, ++this.refusals);
    return false;
  }

  /** Interactive requests go first: a refresh runs only while the provider's quota has room for it. */
  private refreshInBackground(
    source: Source,
    key: string,
    path: string,
    query: QueryParams,
    options: GetOptions,
  ): void {
    if (this.filling.has(key) || source.upstream.queued > 0) return;
    const background: GetOptions = { requestId: options.requestId, deadline: this.now() + this.lockMs };
    // A failed refresh leaves the entry answering within its bounds; the next request tries again.
    this.fill(source, key, path, query, background, 'background').catch(() => undefined);
  }

  private keyOf(source: Source, path: string, query: QueryParams): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) params.append(name, value);
    params.sort();
    return `${source.provider}:${source.credentialId}:${path}?${params}`;
  }

  private invalidated(provider: Provider, at: number): void {
    if (!Number.isFinite(at) || at <= (this.invalidatedAt.get(provider) ?? Number.NEGATIVE_INFINITY)) return;
    this.invalidatedAt.set(provider, at);
    this.epochs.set(provider, (this.epochs.get(provider) ?? 0) + 1);
    for (const [key, entry] of this.memory.entries()) {
      if (key.startsWith(`${provider}:`) && this.predatesInvalidation(provider, entry))
        this.memory.delete(key);
    }
    // A call already running answers its own waiters; requests from now on start their own.
    for (const key of this.filling.keys()) if (key.startsWith(`${provider}:`)) this.filling.delete(key);
  }

  /** Stops listening for other replicas' invalidations. */
  close(): void {
    this.options.redis?.subscriber.disconnect();
  }

  /**
   * A replica finished fetching a key (`replicaId storedAt key`, storedAt 0 when it failed): wake whoever
   * here waits for it, and take its entry now if this replica holds an older copy, so that the next request
   * here answers the new entry fresh and this replica does not refresh the key a second time. Keys this
   * replica never read stay in Redis.
   */
  private heardFill(message: string): void {
    const first = message.indexOf(' ');
    const second = message.indexOf(' ', first + 1);
    if (first < 0 || second < 0) return;
    const key = message.slice(second + 1);
    const waiting = this.waiters.get(key);
    if (waiting !== undefined) {
      // They read the entry themselves.
      for (const wake of waiting) wake();
      return;
    }
    if (message.slice(0, first) === this.replicaId) return;
    const storedAt = Number(message.slice(first + 1, second));
    const held = this.memory.peek(key);
    const provider = [...this.providers.keys()].find((candidate) => key.startsWith(`${candidate}:`));
    if (held !== undefined && provider !== undefined && storedAt > held.storedAt) {
      void this.readShared(key, provider);
    }
  }

  /**
   * Other replicas' invalidations arrive by Redis pub/sub; on every (re)connect the latest times are read,
   * so one missed while Redis was away still applies. Without Redis nothing is shared to invalidate.
   */
  private listenForInvalidations(): void {
    const redis = this.options.redis;
    if (redis === undefined) return;
    const apply = (provider: string | undefined, at: number) => {
      // Any provider's: one this process has not cached for yet may be asked for later.
      if (provider !== undefined && PROVIDER_ID.test(provider) && Number.isFinite(at))
        this.invalidated(provider, at);
    };
    const invalidations = `${redis.prefix}:upstream-invalidate`;
    const fills = `${redis.prefix}:upstream-filled`;
    redis.subscriber.on('message', (channel: string, message: string) => {
      if (channel === fills) {
        this.heardFill(message);
        return;
      }
      const [provider, at] = message.split(' ');
      apply(provider, Number(at));
    });
    const onReady = () => {
      redis.subscriber.subscribe(invalidations, fills).catch(() => undefined);
      for (const provider of this.providers.keys()) {
        redis.client
          .get(`${redis.prefix}:upstream-invalidated:${provider}`)
          .then((value) => value !== null && apply(provider, Number(value)))
          .catch(() => undefined);
      }
    };
    redis.subscriber.on('ready', onReady);
    if (redis.subscriber.status === 'ready') onReady();
  }

  // The shared tier. Every Redis failure is a miss or a no-op: the memory tier keeps serving.

  /**
   * The newest valid entry of the key, this process's or Redis's (kept in memory when it is Redis's).
   * Concurrent calls share one read; with a copy in memory only a newer entry crosses the wire.
   */
  private readShared(key: string, provider: Provider): Promise<Entry | undefined> {
    const redis = this.options.redis;
    if (redis === undefined) return Promise.resolve(this.valid(provider, this.memory.get(key)));
    const running = this.reading.get(key);
    if (running !== undefined) return running.then((entry) => this.valid(provider, entry));
    const read = (async () => {
      const held = this.valid(provider, this.memory.get(key));
      const redisKey = `${redis.prefix}:upstream:${key}`;
      try {
        // As bytes: a body with one character outside Latin-1, read as a string, is a two-byte string twice
        // its size, a large object above 64 Ki characters (see src/http/jsonBody.ts).
        const reply =
          held === undefined
            ? await redis.client.getBuffer(redisKey)
            : await redis.client.callBuffer('EVAL', READ_IF_NEWER, 1, redisKey, String(held.storedAt));
        const shared = Buffer.isBuffer(reply)
          ? this.valid(provider, decodeEntry(reply, this.providers.get(provider)))
          : undefined;
        // The memory copy may have been replaced (or invalidated) while the read was out.
        const now = this.valid(provider, this.memory.get(key));
        if (shared === undefined || (now !== undefined && now.storedAt >= shared.storedAt)) return now;
        this.keep(key, shared, this.memory.peek(key));
        return shared;
      } catch {
        return this.valid(provider, this.memory.get(key));
      }
    })();
    this.reading.set(key, read);
    const forget = () => {
      if (this.reading.get(key) === read) this.reading.delete(key);
    };
    read.then(forget, forget);
    return read;
  }

  private async writeShared(
    key: string,
    entry: Entry,
    raw: BodyChunks | undefined,
    keepMs: number,
  ): Promise<void> {
    const redis = this.options.redis;
    if (redis === undefined) return;
    try {
      const value = encodeEntry(entry, raw);
      await redis.client.set(`${redis.prefix}:upstream:${key}`, value, 'PX', Math.max(1, keepMs));
    } catch {
      // Not shared this time.
    }
  }

  /**
   * A token: this fetch holds the key's lock (and only it may release it); false: another fetch does; null:
   * no shared tier (or it is away).
   */
  private async lock(lockKey: string): Promise<string | false | null> {
    const redis = this.options.redis;
    if (redis === undefined) return null;
    const token = `${this.replicaId}:${++this.lockTokens}`;
    try {
      const set = await redis.client.set(lockKey, token, 'PX', this.lockMs, 'NX');
      return set === 'OK' ? token : false;
    } catch {
      return null;
    }
  }

  /**
   * One lock per key and invalidation: a fetch begun before the provider's last invalidation cannot answer
   * requests made after it, so those must not wait for it (they would, and then fetch again); with the time
   * in the name they contend for a new lock, and one replica fetches for all.
   */
  private lockKeyOf(key: string, provider: Provider): string {
    const prefix = this.options.redis?.prefix ?? '';
    return `${prefix}:upstream-lock:${key}@${this.invalidatedAt.get(provider) ?? 0}`;
  }

  private async unlock(lockKey: string, token: string, key: string, storedAt: number): Promise<void> {
    const redis = this.options.redis;
    if (redis === undefined) return;
    try {
      const notice = `${this.replicaId} ${storedAt} ${key}`;
      await redis.client.eval(UNLOCK, 1, lockKey, token, `${redis.prefix}:upstream-filled`, notice);
    } catch {
      // The lock expires by itself.
    }
  }

  /**
   * Waits for the replica holding the key's lock to store its answer, as long as it holds the lock (it may
   * be queued behind the quota) and the deadline allows. Woken by the holder's notice; between notices only
   * the lock is checked, the entry is read once the holder is done. Undefined: fetch it yourself.
   */
  private async awaitShared(
    lockKey: string,
    key: string,
    provider: Provider,
    deadline: number | undefined,
  ): Promise<Entry | undefined> {
    const redis = this.options.redis;
    if (redis === undefined) return undefined;
    const since = this.now();
    const until = Math.min(since + this.lockMs, deadline ?? Number.POSITIVE_INFINITY);
    // Listening before the first look: a notice sent after it is not missed.
    const notice = this.expectNotice(key);
    try {
      let woken = false;
      for (;;) {
        // The lock first, then the entry: a holder stores before it unlocks, so once the lock is seen gone
        // the entry read after it is there (or the holder failed).
        let held: boolean;
        try {
          held = (await redis.client.exists(lockKey)) === 1;
        } catch {
          return undefined;
        }
        if (woken || !held) {
          const entry = await this.readShared(key, provider);
          if (entry !== undefined && entry.storedAt >= since - SHARED_FILL_WAIT_MS) return entry;
          // Held still: a holder that had lost its lock announced; wait for the one holding it now.
          if (!held) return undefined;
        }
        const left = until - this.now();
        if (left <= 0) return undefined;
        woken = await notice.next(Math.min(SHARED_FILL_POLL_MS, left));
      }
    } finally {
      notice.stop();
    }
  }

  /** Registers for the key's fill notices now; `next` resolves true on a notice, false after `timeoutMs`. */
  private expectNotice(key: string): { next(timeoutMs: number): Promise<boolean>; stop(): void } {
    let heard = false;
    let wake: (() => void) | undefined;
    const listener = () => {
      if (wake === undefined) heard = true;
      else wake();
    };
    const listeners = this.waiters.get(key) ?? new Set<() => void>();
    listeners.add(listener);
    this.waiters.set(key, listeners);
    return {
      next: (timeoutMs) => {
        if (heard) {
          heard = false;
          return Promise.resolve(true);
        }
        return new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => {
            wake = undefined;
            resolve(false);
          }, timeoutMs);
          wake = () => {
            clearTimeout(timer);
            wake = undefined;
            resolve(true);
          };
        });
      },
      stop: () => {
        listeners.delete(listener);
        if (listeners.size === 0 && this.waiters.get(key) === listeners) this.waiters.delete(key);
      },
    };
  }
}

interface Source {
  provider: Provider;
  credentialId: string;
  policy: FreshnessPolicy;
  upstream: QueuedGetter;
  rateLimitPerSecond: number;
}

/** What an entry counts against the memory bound. */
function entrySize(entry: Entry, key: string): number {
  return Math.max(1, entry.bytes * HEAP_FACTOR + key.length);
}

/**
 * The entry's answer, parsed from its bytes while reads of its key are far apart, kept once they come close
 * together (`HOT_READ_GAP_MS`). An entry that kept the parse it was first read with (and the campaigns mapped
 * from it, memoised on the body) held them until it was replaced: under varied traffic, which reads a held key
 * a few times per freshness period, each parse was promoted to the old generation and then dropped, and that
 * churn cost 10-30 MiB of peak RSS (BENCHMARKS.md, *Memory*). Readers of a hot key share one parse and
 * one mapping, as the callers of one fetch do. The bytes are the chunks undici read, outside the heap and not
 * copied. `now` undefined: not a read (the entry is being written out).
 */
function resultOf(entry: Entry, deferredMember: DeferredMember | undefined, now?: number): GetResult {
  const lastRead = entry.readAt;
  if (now !== undefined) entry.readAt = now;
  if ('found' in entry.content) return entry.content;
  const body = parseJsonBody(transientBytes(entry.content), deferredMember);
  const result: GetResult = { found: true, body };
  if (now !== undefined && lastRead !== undefined && now - lastRead < HOT_READ_GAP_MS) entry.content = result;
  return result;
}

const SPACE = 0x20;
const NOT_FOUND_FLAG = 0x30; // '0'

/**
 * `storedAt askedAt`, then `1` and the body as received, or `0` for not found. The body's bytes go to Redis as
 * they came from the provider, never through a string (see `readShared`).
 */
function encodeEntry(entry: Entry, raw: BodyChunks | undefined): Buffer | string {
  const times = `${entry.storedAt} ${entry.askedAt}`;
  const result = resultOf(entry, undefined);
  if (!result.found) return `${times} 0`;
  // A body parsed with deferred values is written whole: a reader elsewhere may parse it without them.
  if (raw === undefined) return `${times} 1 ${stringifyBody(result.body)}`;
  const head = Buffer.from(`${times} 1 `, 'latin1');
  return Buffer.concat([head, ...raw.chunks], head.length + raw.size);
}

/** The entry `encodeEntry` wrote, its body parsed as an upstream body is; undefined for anything else. */
function decodeEntry(value: Buffer, deferredMember: DeferredMember | undefined): Entry | undefined {
  const first = value.indexOf(SPACE);
  const second = value.indexOf(SPACE, first + 1);
  if (first < 0 || second < 0) return undefined;
  const storedAt = Number(value.toString('latin1', 0, first));
  const askedAt = Number(value.toString('latin1', first + 1, second));
  if (!Number.isFinite(storedAt) || !Number.isFinite(askedAt)) return undefined;
  if (value[second + 1] === NOT_FOUND_FLAG) {
    return { storedAt, askedAt, content: { found: false }, bytes: 0 };
  }
  const body = value.subarray(second + 3);
  try {
    const parsed = parseJsonBody(body, deferredMember);
    return { storedAt, askedAt, content: { found: true, body: parsed }, bytes: body.length };
  } catch {
    return undefined;
  }
}
