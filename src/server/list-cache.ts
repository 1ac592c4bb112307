/**
 * A short-lived cache of whole lists that are costly to compute and read often: today's responsibility list of a
 * district holds thousands of items worked out from three queries and the leaders' patches on every request (p95
 * above 1 s at 20 clients, 1M people). Each list is computed once per key and kept `ttlMs` (wall time, not the
 * platform's clock), shared by the requests that arrive meanwhile (one computation in flight per key, so a crowd
 * after a start does not compute it twenty times).
 *
 * Freshness: any change made through this server (a non-GET request answered 2xx) drops every entry, so a user sees
 * their own change at once; changes made elsewhere (another server process, the background worker) show within
 * `ttlMs`. A cached value should carry the moment it was computed, so the screen can say how old it is.
 * `ttlMs` 0 turns the cache off (tests, and `QINGCANG_LIST_CACHE_MS=0`).
 */
interface Entry<T> {
  promise: Promise<T>;
  expires: number;
  generation: number;
}

export class ListCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private generation = 0;

  readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(ttlMs: number, maxEntries = 500, now: () => number = () => performance.now()) {
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
    this.now = now;
  }

  /** Drops every entry (a change was made through this server). */
  invalidate(): void {
    this.generation++;
    this.entries.clear();
  }

  async get(key: string, compute: () => Promise<T>): Promise<T> {
    if (this.ttlMs <= 0) return compute();
    const t = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > t && hit.generation === this.generation) return hit.promise;
    const generation = this.generation;
    const promise = compute();
    const entry: Entry<T> = { promise, expires: t + this.ttlMs, generation };
    if (this.entries.size >= this.maxEntries) {
      // Drop the oldest (insertion order): the cache holds the lists being read now, not every scope ever asked.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, entry);
    // A failed computation is not kept: the next request tries again.
    promise.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return promise;
  }
}
