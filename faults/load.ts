/**
 * The sampler load and what it acknowledged.
 *
 * - Scan clients: each is a sampler's phone at one sampling point, filling 10-in-1 tubes (some tubes only 6, to be
 *   closed by hand) with people of the registry, in batches of 20 scans with one idempotency key per scan. Like the
 *   phone's outbox, a batch that gets no 200 (connection refused or reset, 5xx, timeout) is sent again later,
 *   unchanged (same keys, same times). A scan is acknowledged when a 200 answer says accepted or duplicate.
 * - A transport and lab client: every 5 finished tubes are closed (the short ones), packed into a box, shipped,
 *   received by the lab and resulted (one pool in seven positive: its members are held and get re-test tasks).
 *   Each step is retried until acknowledged; a retried ship or receive that answers 409 because the box already
 *   moved counts as acknowledged (the first try committed, its answer was lost).
 * - A prober: GET /api/health and an authenticated read every 100 ms, for the recovery time.
 *
 * Every answer is judged against the fault windows it overlaps (see Timeline).
 */
import { progress, sleep } from './lib.ts';

// ------------------------------------------------------------------------------------------- answers

export interface Answer {
  path: string;
  status: number; // 0: no HTTP answer
  error?: string; // ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET, TIMEOUT …
  retryAfter: string | null;
  text: string;
  t0: number;
  t1: number;
}

export async function call(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  token: string | undefined,
  body?: unknown,
  timeoutMs = 15_000,
): Promise<Answer> {
  const t0 = performance.now();
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return {
      path,
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      text,
      t0,
      t1: performance.now(),
    };
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string; name?: string }; code?: string };
    const error =
      e.name === 'TimeoutError' || e.name === 'AbortError'
        ? 'TIMEOUT'
        : (e.cause?.code ?? e.code ?? e.cause?.name ?? e.name ?? 'error');
    return { path, status: 0, error, retryAfter: null, text: '', t0, t1: performance.now() };
  }
}

// ------------------------------------------------------------------------------------------- fault windows

export type WindowKind = 'kill' | 'death' | 'db' | 'full' | 'restart';

interface Window {
  kind: WindowKind;
  from: number;
  to: number;
  label: string;
}

export interface Anomaly {
  kind: string;
  trial: string;
  path: string;
  status: number;
  error?: string;
  retryAfter: string | null;
  body: string;
  at_s: number;
}

/**
 * When a fault is on. An answer is judged by the windows its request overlapped:
 * - none: only 200 (and answers the client expects, such as an idempotent 409) is right;
 * - 'kill' / 'death' / 'restart' (the server is down, killed by us or dead): no answer, or 503 + Retry-After;
 * - 'db' (PostgreSQL stopped, until 5 s after it accepts connections again): 503 with Retry-After, nothing else —
 *   not 500, not a 503 without Retry-After, not a refused or reset connection, not a hang;
 * - 'full' (the PGlite disk is full): any error answer (what matters is that nothing answered 2xx is lost).
 */
export class Timeline {
  readonly windows: Window[] = [];
  readonly anomalies: Anomaly[] = [];
  readonly counts = new Map<string, number>();
  /** Answers during database outages, by status (and Retry-After presence). */
  readonly outageAnswers = new Map<string, number>();
  readonly fullAnswers = new Map<string, number>();
  trial = 'warm-up';
  private readonly started = performance.now();

  open(kind: WindowKind, label: string): Window {
    const w = { kind, from: performance.now(), to: Number.POSITIVE_INFINITY, label };
    this.windows.push(w);
    return w;
  }

  close(w: Window, at = performance.now()): void {
    w.to = at;
  }

  /** Waits until every window has ended (so the next fault's answers are not counted for the previous one). */
  async quiet(): Promise<void> {
    for (;;) {
      const end = Math.max(0, ...this.windows.map((w) => w.to));
      if (end === Number.POSITIVE_INFINITY) await sleep(100);
      else if (end > performance.now()) await sleep(end - performance.now() + 10);
      else return;
    }
  }

  private bump(map: Map<string, number>, k: string): void {
    map.set(k, (map.get(k) ?? 0) + 1);
  }

  /** Judges one answer; `expected` marks a non-200 the client itself treats as success. */
  judge(a: Answer, expected = false): void {
    const kinds = new Set(this.windows.filter((w) => w.from <= a.t1 && w.to >= a.t0).map((w) => w.kind));
    const label =
      a.status === 0 ? `no answer (${a.error})` : `${a.status}${a.retryAfter ? ' +Retry-After' : ''}`;
    if (kinds.has('db')) this.bump(this.outageAnswers, label);
    if (kinds.has('full')) this.bump(this.fullAnswers, label);
    if (a.status === 200 || expected) return;
    const down = kinds.has('kill') || kinds.has('death') || kinds.has('restart');
    const ok503 = a.status === 503 && a.retryAfter !== null;
    if (down && (a.status === 0 || ok503)) return;
    if (kinds.has('full') && (a.status >= 400 || (a.status === 0 && down))) return;
    let kind: string;
    if (kinds.has('db')) {
      if (ok503) return;
      if (a.status === 0) kind = a.error === 'TIMEOUT' ? 'db_outage_hang' : 'db_outage_no_answer';
      else if (a.status === 503) kind = 'db_outage_503_without_retry_after';
      else kind = `db_outage_status_${a.status}`;
    } else if (a.status === 0) kind = `no_answer_${a.error}`;
    else kind = `status_${a.status}`;
    this.bump(this.counts, kind);
    if (this.anomalies.length < 400)
      this.anomalies.push({
        kind,
        trial: this.trial,
        path: a.path,
        status: a.status,
        error: a.error,
        retryAfter: a.retryAfter,
        body: a.text.slice(0, 300),
        at_s: Math.round((a.t1 - this.started) / 100) / 10,
      });
  }

  /** Anomalies that mean the API misbehaved during a database outage. */
  badOutageAnswers(): number {
    let n = 0;
    for (const [k, v] of this.counts) if (k.startsWith('db_outage')) n += v;
    return n;
  }

  unexpectedAnswers(): number {
    let n = 0;
    for (const [k, v] of this.counts) if (!k.startsWith('db_outage')) n += v;
    return n;
  }
}

// ------------------------------------------------------------------------------------------- ledger

/** Everything the clients were told was done; `at` is Date.now() when the answer arrived (server clock is ours). */
export class Ledger {
  readonly tag: string;
  readonly scans = new Map<string, { tube: string; person: number }>();
  readonly tubeAcked = new Map<string, number>();
  readonly closes = new Map<string, number>();
  readonly packs = new Map<string, { box: string; at: number }>();
  readonly ships = new Map<string, number>();
  readonly receives = new Map<string, number>();
  readonly results = new Map<string, { result: string; at: number; box: string }>();
  readonly rejected = new Map<string, number>();
  readonly rejectedSamples: string[] = [];
  sentBatches = 0;
  retriedBatches = 0;
  duplicateAnswers = 0;
  abandonedBoxes = 0;

  constructor(tag: string) {
    this.tag = tag;
  }

  reject(code: string, sample: string): void {
    this.rejected.set(code, (this.rejected.get(code) ?? 0) + 1);
    if (this.rejectedSamples.length < 20) this.rejectedSamples.push(sample);
  }

  stateChanges(): number {
    return this.closes.size + this.packs.size + this.ships.size + this.receives.size;
  }
}

// ------------------------------------------------------------------------------------------- clients

export interface LoadEnv {
  base: () => string;
  roundId: number;
  samplerToken: string;
  labToken: string;
  labId: number;
  points: number[];
  persons: number[];
  ledger: Ledger;
  timeline: Timeline;
  rng: () => number;
}

interface FinishedTube {
  barcode: string;
  short: boolean;
}

const POOL = 10;
const SHORT = 6;
const BATCH = 20;
const TUBES_PER_BOX = 5;

export class Load {
  readonly env: LoadEnv;
  private draining = false;
  private drainUntil = 0;
  private readonly tasks: Promise<void>[] = [];
  private readonly finished: FinishedTube[] = [];
  private boxNo = 0;
  /** Pause between a client's acknowledged batch and its next one (ms). */
  readonly paceMs: number;
  readonly clients: number;
  proberTicks: { t: number; ok: boolean }[] = [];
  lastScanOk = 0;

  constructor(env: LoadEnv, clients: number, paceMs = 40) {
    this.env = env;
    this.clients = clients;
    this.paceMs = paceMs;
  }

  start(): void {
    for (let c = 0; c < this.clients; c++) this.tasks.push(this.scanClient(c));
    this.tasks.push(this.transport());
    this.tasks.push(this.prober());
  }

  /** Stops making new work; clients finish (acknowledge) what they hold, for at most `ms`. */
  async drain(ms: number): Promise<void> {
    this.draining = true;
    this.drainUntil = performance.now() + ms;
    await Promise.all(this.tasks.splice(0));
  }

  private get stopping(): boolean {
    return this.draining && performance.now() > this.drainUntil;
  }

  private async backoff(a: Answer): Promise<void> {
    // The phone waits longer; a short, jittered retry keeps the harness quick and the pressure on.
    const base = a.status === 503 ? 300 : 200;
    await sleep(base + Math.floor(this.env.rng() * 300));
  }

  private async scanClient(c: number): Promise<void> {
    const { ledger, timeline } = this.env;
    const point = this.env.points[c % this.env.points.length] as number;
    const persons = this.env.persons;
    let personAt = Math.floor((c * persons.length) / this.clients);
    let n = 0;
    let tubeNo = 0;
    let inTube = 0;
    let target = POOL;
    const tubeTargets = new Map<string, number>();
    const barcode = () => `F${ledger.tag}C${c}T${tubeNo}`;
    const pathScans = `/api/testing/rounds/${this.env.roundId}/scans`;
    while (!this.draining) {
      const items = [];
      for (let i = 0; i < BATCH; i++) {
        if (inTube === 0) {
          target = this.env.rng() < 0.3 ? SHORT : POOL;
          tubeTargets.set(barcode(), target);
        }
        items.push({
          key: `f-${ledger.tag}-c${c}-${n++}`,
          tube: barcode(),
          person_id: persons[personAt++ % persons.length] as number,
          point_id: point,
          scanned_at: new Date().toISOString(),
          pool_size: POOL,
        });
        inTube++;
        if (inTube === target) {
          tubeNo++;
          inTube = 0;
        }
      }
      const body = { items };
      let first = true;
      for (;;) {
        if (this.stopping) return;
        ledger.sentBatches++;
        if (!first) ledger.retriedBatches++;
        first = false;
        const a = await call(this.env.base(), 'POST', pathScans, this.env.samplerToken, body);
        timeline.judge(a);
        if (a.status !== 200) {
          await this.backoff(a);
          continue;
        }
        this.lastScanOk = performance.now();
        const out = (JSON.parse(a.text) as { items: { key: string; status: string; code?: string }[] }).items;
        for (const [i, o] of out.entries()) {
          const item = items[i];
          if (!item || item.key !== o.key) {
            ledger.reject('answer_mismatch', `${o.key} answered for ${item?.key}`);
            continue;
          }
          if (o.status === 'accepted' || o.status === 'duplicate') {
            if (o.status === 'duplicate') ledger.duplicateAnswers++;
            if (ledger.scans.has(o.key)) continue;
            ledger.scans.set(o.key, { tube: item.tube, person: item.person_id });
            const acked = (ledger.tubeAcked.get(item.tube) ?? 0) + 1;
            ledger.tubeAcked.set(item.tube, acked);
            const want = tubeTargets.get(item.tube);
            if (acked === want) {
              this.finished.push({ barcode: item.tube, short: want < POOL });
              tubeTargets.delete(item.tube);
            }
          } else ledger.reject(o.code ?? o.status, `${o.key}: ${JSON.stringify(o).slice(0, 200)}`);
        }
        break;
      }
      await sleep(this.paceMs);
    }
  }

  /** Sends one step until it is acknowledged; false when refused for good or when stopping. */
  private async step(
    label: string,
    token: string,
    path: string,
    body: unknown,
    accept: (a: Answer) => 'ack' | 'retry' | 'refused',
  ): Promise<boolean> {
    for (;;) {
      if (this.stopping) return false;
      const a = await call(this.env.base(), 'POST', path, token, body);
      const verdict = a.status === 0 || a.status >= 500 ? 'retry' : accept(a);
      this.env.timeline.judge(a, verdict === 'ack');
      if (verdict === 'ack') return true;
      if (verdict === 'refused') {
        this.env.ledger.reject(`${label}_refused`, `${label} ${path}: ${a.status} ${a.text.slice(0, 300)}`);
        return false;
      }
      await this.backoff(a);
    }
  }

  private async transport(): Promise<void> {
    const { ledger } = this.env;
    const itemsOk = (ok: string[]) => (a: Answer) => {
      if (a.status !== 200) return 'refused' as const;
      const items = (JSON.parse(a.text) as { items: { status: string }[] }).items;
      return items.every((i) => ok.includes(i.status)) ? ('ack' as const) : ('refused' as const);
    };
    const movedAlready = (to: RegExp) => (a: Answer) =>
      a.status === 200
        ? ('ack' as const)
        : a.status === 409 && to.test(a.text)
          ? ('ack' as const)
          : ('refused' as const);
    while (!this.draining) {
      if (this.finished.length < TUBES_PER_BOX) {
        await sleep(200);
        continue;
      }
      const tubes = this.finished.splice(0, TUBES_PER_BOX);
      const box = `B${ledger.tag}N${this.boxNo}`;
      const positive = this.boxNo % 7 === 3;
      this.boxNo++;
      const testedAt = new Date().toISOString();
      const short = tubes.filter((t) => t.short).map((t) => t.barcode);
      const all = tubes.map((t) => t.barcode);
      const done = async (): Promise<boolean> => {
        if (short.length > 0) {
          if (
            !(await this.step(
              'close',
              this.env.samplerToken,
              '/api/testing/tubes/close',
              { tubes: short },
              itemsOk(['ok', 'already']),
            ))
          )
            return false;
          const at = Date.now();
          for (const t of short) if (!ledger.closes.has(t)) ledger.closes.set(t, at);
        }
        if (
          !(await this.step(
            'pack',
            this.env.samplerToken,
            '/api/testing/boxes',
            { round_id: this.env.roundId, box, tubes: all },
            itemsOk(['ok', 'already']),
          ))
        )
          return false;
        let at = Date.now();
        for (const t of all) if (!ledger.packs.has(t)) ledger.packs.set(t, { box, at });
        if (
          !(await this.step(
            'ship',
            this.env.samplerToken,
            `/api/testing/boxes/${box}/ship`,
            undefined,
            movedAlready(/is (in_transit|received)/),
          ))
        )
          return false;
        if (!ledger.ships.has(box)) ledger.ships.set(box, Date.now());
        if (
          !(await this.step(
            'receive',
            this.env.labToken,
            `/api/testing/boxes/${box}/receive`,
            { lab_id: this.env.labId },
            movedAlready(/is received/),
          ))
        )
          return false;
        if (!ledger.receives.has(box)) ledger.receives.set(box, Date.now());
        const items = all.map((tube, i) => ({
          tube,
          result: positive && i === 0 ? 'positive' : 'negative',
          tested_at: testedAt,
        }));
        if (
          !(await this.step(
            'results',
            this.env.labToken,
            '/api/testing/results',
            { items },
            itemsOk(['recorded', 'duplicate']),
          ))
        )
          return false;
        at = Date.now();
        for (const i of items)
          if (!ledger.results.has(i.tube)) ledger.results.set(i.tube, { result: i.result, at, box });
        return true;
      };
      if (!(await done())) {
        ledger.abandonedBoxes++;
        if (!this.stopping) progress(`box ${box} abandoned (a step was refused; see rejections)`);
      }
    }
  }

  private async prober(): Promise<void> {
    const { timeline } = this.env;
    while (!this.draining) {
      const t = performance.now();
      const [h, r] = await Promise.all([
        call(this.env.base(), 'GET', '/api/health', undefined, undefined, 5000),
        call(this.env.base(), 'GET', '/api/testing/rounds', this.env.samplerToken, undefined, 5000),
      ]);
      timeline.judge(h);
      timeline.judge(r);
      this.proberTicks.push({ t: Math.max(h.t1, r.t1), ok: h.status === 200 && r.status === 200 });
      if (this.proberTicks.length > 20_000) this.proberTicks.splice(0, 10_000);
      const wait = 100 - (performance.now() - t);
      if (wait > 0) await sleep(wait);
    }
  }

  /** The first moment after `from` when the prober saw both health and an authenticated read answer 200. */
  firstOkAfter(from: number): number | undefined {
    return this.proberTicks.find((p) => p.t >= from && p.ok)?.t;
  }

  /** Waits until the prober has seen the API serving since `from`; returns that moment or undefined. */
  async waitServing(from: number, timeoutMs: number): Promise<number | undefined> {
    const until = performance.now() + timeoutMs;
    while (performance.now() < until) {
      const t = this.firstOkAfter(from);
      if (t !== undefined) return t;
      await sleep(50);
    }
    return undefined;
  }
}
