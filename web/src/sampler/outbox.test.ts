/**
 * The sampler phone's offline queue, against an in-memory IndexedDB (fake-indexeddb) and a fake server that
 * answers the three upload routes the way src/modules/testing (routes.ts, scans.ts, transport.ts) does: one answer
 * per scan (`accepted`, `duplicate` for a key it has seen, `rejected` with a code), one per tube for closing and
 * boxing (`ok`, `already`, `rejected`), zod validation failures as 400 `validation_failed` for the whole request,
 * the CSRF check as 403, and errors as `{ error: { code, message, details } }`.
 *
 * Each test loads a fresh copy of outbox.ts and api.ts (their module state: the open database, the upload chain,
 * the CSRF token) over a fresh IndexedDB, so no record leaks from one test to the next.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BoxOp, NewOp, Op, ScanOp } from './outbox.ts';

type Outbox = typeof import('./outbox.ts');
type Api = typeof import('../api.ts');
type NewScan = Extract<NewOp, { kind: 'scan' }>;

// ---- The fake server ----

type TubeStatus = 'open' | 'closed' | 'boxed' | 'in_transit';
interface Tube {
  round: number;
  point: number;
  status: TubeStatus;
  members: number;
  poolSize: number;
  box?: string;
}
interface ScanItemBody {
  key?: unknown;
  tube?: unknown;
  person_id?: unknown;
  id_number?: unknown;
  point_id?: unknown;
  scanned_at?: unknown;
  pool_size?: unknown;
}
interface Seen {
  path: string;
  body: Record<string, unknown>;
}
/**
 * What happens to the next request: it never reaches the server (`network`); the server (or a proxy in front of
 * it) refuses it before doing anything (`refuse`, optionally with an HTML page instead of the API's JSON); or the
 * server does the work and keeps it but the answer is lost on the way back (`lose`: a gateway's 5xx, or the
 * connection dropping when status is 0). `pass` lets a request through untouched.
 */
type Fault =
  | { kind: 'pass' }
  | { kind: 'network' }
  | { kind: 'refuse'; status: number; code?: string; message?: string; html?: boolean }
  | { kind: 'lose'; status: number };

const BARCODE = /^[A-Za-z0-9_-]{4,40}$/;
const CSRF = 'csrf-token-of-the-session';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
function apiError(status: number, code: string, message: string): Response {
  return json(status, { error: { code, message, details: null } });
}

class FakeServer {
  /** Rounds and their sampling points. */
  readonly rounds = new Map<number, Set<number>>([
    [7, new Set([31, 32])],
    [8, new Set([41])],
  ]);
  readonly tubes = new Map<string, Tube>();
  readonly boxes = new Map<string, { round: number; sealed: boolean }>();
  /** Idempotency key → the tube its scan went into: what makes a retried scan a `duplicate`. */
  readonly keys = new Map<string, string>();
  /** How many times each key was counted as a sampled person (must never exceed 1). */
  readonly counted = new Map<string, number>();
  /** Every request that reached the server, in arrival order. */
  readonly seen: Seen[] = [];
  readonly faults: Fault[] = [];
  /** Milliseconds before answering, to let concurrent uploads overlap. */
  delay = 0;

  fail(...faults: Fault[]): void {
    this.faults.push(...faults);
  }
  tube(barcode: string, t: Partial<Tube> = {}): void {
    this.tubes.set(barcode, { round: 7, point: 31, status: 'open', members: 1, poolSize: 10, ...t });
  }
  /** The keys of each scan upload, in order. */
  scanBatches(): string[][] {
    return this.seen
      .filter((s) => s.path.endsWith('/scans'))
      .map((s) => (s.body.items as ScanItemBody[]).map((i) => String(i.key)));
  }
  paths(): string[] {
    return this.seen.map((s) => s.path);
  }

  readonly fetch = async (input: unknown, init: RequestInit = {}): Promise<Response> => {
    const fault = this.faults.shift();
    if (fault?.kind === 'network') throw new TypeError('Failed to fetch');
    if (this.delay) await new Promise((r) => setTimeout(r, this.delay));
    if (fault?.kind === 'refuse') {
      if (fault.html)
        return new Response('<html><body>Portal</body></html>', {
          status: fault.status,
          headers: { 'content-type': 'text/html' },
        });
      return apiError(fault.status, fault.code ?? 'refused', fault.message ?? `refused with ${fault.status}`);
    }
    const answer = this.handle(String(input), init);
    if (fault?.kind === 'lose') {
      if (fault.status === 0) throw new TypeError('network connection was lost');
      return apiError(fault.status, 'bad_gateway', 'the upstream server did not answer in time');
    }
    return answer;
  };

  private handle(path: string, init: RequestInit): Response {
    const headers = (init.headers ?? {}) as Record<string, string>;
    // The session cookie goes only with same-origin credentials; without it the server does not know the sampler.
    if (init.credentials !== 'same-origin' && init.credentials !== 'include')
      return apiError(401, 'unauthenticated', 'log in first');
    if (init.method !== 'POST') return apiError(404, 'route_not_found', `no route ${init.method} ${path}`);
    if (headers['x-csrf-token'] !== CSRF)
      return apiError(403, 'csrf_invalid', 'the CSRF token is missing or stale; reload the page');
    if (headers['content-type'] !== 'application/json')
      return apiError(415, 'unsupported_media_type', 'send JSON');
    const body = JSON.parse(String(init.body)) as Record<string, unknown>;
    this.seen.push({ path, body });
    const scans = /^\/api\/testing\/rounds\/(\d+)\/scans$/.exec(path);
    if (scans) return this.scans(Number(scans[1]), body);
    if (path === '/api/testing/tubes/close') return this.close(body);
    if (path === '/api/testing/boxes') return this.box(body);
    return apiError(404, 'route_not_found', `no route POST ${path}`);
  }

  /** Zod's checks of ScanItem (routes.ts): one bad item refuses the whole request, nothing is kept. */
  private invalidScan(i: ScanItemBody): string | null {
    if (typeof i.key !== 'string' || i.key.length < 8 || i.key.length > 100) return 'key';
    if (typeof i.tube !== 'string' || !BARCODE.test(i.tube)) return 'tube';
    if ((i.person_id === undefined) === (i.id_number === undefined)) return '';
    if (i.id_number !== undefined && (typeof i.id_number !== 'string' || i.id_number.length > 30))
      return 'id_number';
    if (!Number.isInteger(i.point_id) || (i.point_id as number) < 1) return 'point_id';
    if (typeof i.scanned_at !== 'string' || Number.isNaN(Date.parse(i.scanned_at))) return 'scanned_at';
    if (i.pool_size !== undefined && (!Number.isInteger(i.pool_size) || (i.pool_size as number) > 50))
      return 'pool_size';
    return null;
  }

  private scans(roundId: number, body: Record<string, unknown>): Response {
    const items = body.items as ScanItemBody[];
    if (!Array.isArray(items) || items.length < 1 || items.length > 1000)
      return apiError(400, 'validation_failed', 'invalid body: /items must have 1 to 1000 items');
    for (const [n, i] of items.entries()) {
      const field = this.invalidScan(i);
      if (field !== null)
        return apiError(400, 'validation_failed', `invalid body: /items/${n}/${field} is invalid`);
    }
    const points = this.rounds.get(roundId);
    if (!points) return apiError(404, 'not_found', `round ${roundId} was not found`);
    const out = items.map((i) => {
      const key = i.key as string;
      const barcode = i.tube as string;
      const prior = this.keys.get(key);
      if (prior !== undefined) return { key, status: 'duplicate', tube: prior };
      const reject = (code: string, message: string) => ({ key, status: 'rejected', code, message });
      const point = i.point_id as number;
      if (!points.has(point))
        return reject('point_unknown', `sampling point ${point} is not a point of round ${roundId}`);
      let tube = this.tubes.get(barcode);
      if (!tube) {
        // A new tube opens on its first scan.
        tube = { round: roundId, point, status: 'open', members: 0, poolSize: (i.pool_size as number) ?? 10 };
        this.tubes.set(barcode, tube);
      }
      if (tube.round !== roundId)
        return reject('tube_other_round', `tube ${barcode} belongs to round ${tube.round}`);
      if (tube.status !== 'open')
        return reject('tube_closed', `tube ${barcode} is ${tube.status}; use a new tube`);
      if (tube.members >= tube.poolSize)
        return reject('tube_full', `tube ${barcode} already holds ${tube.poolSize}`);
      const flags: string[] = [];
      if (i.id_number !== undefined) {
        if (!/^\d{17}[\dX]$/.test(i.id_number as string))
          return reject('id_format', 'ID number must be 17 digits followed by a digit or X');
        flags.push('not_in_registry');
      }
      tube.members++;
      // A tube closes by itself when it holds its pool size.
      if (tube.members >= tube.poolSize) tube.status = 'closed';
      this.keys.set(key, barcode);
      this.counted.set(key, (this.counted.get(key) ?? 0) + 1);
      return {
        key,
        status: 'accepted',
        tube: barcode,
        tubeStatus: tube.status,
        members: tube.members,
        flags,
      };
    });
    return json(200, { items: out });
  }

  /** closeTubes (transport.ts): a tube closed already, or further on, answers `already`. */
  private close(body: Record<string, unknown>): Response {
    const items = (body.tubes as string[]).map((b) => {
      const t = this.tubes.get(b);
      if (!t) return { tube: b, status: 'rejected', code: 'tube_unknown', message: `no tube ${b}` };
      if (t.status !== 'open') return { tube: b, status: 'already' };
      t.status = 'closed';
      return { tube: b, status: 'ok' };
    });
    return json(200, { items });
  }

  /** packBox (transport.ts) and its route: `{ box, items }`, a tube already in this box answers `already`. */
  private box(body: Record<string, unknown>): Response {
    const roundId = body.round_id as number;
    const barcode = body.box as string;
    const barcodes = body.tubes as string[];
    let box = this.boxes.get(barcode);
    const isNew = !box;
    if (!box) {
      const first = this.tubes.get(barcodes[0] ?? '');
      if (!first)
        return apiError(400, 'tube_unknown', `no tube ${barcodes[0]}: a new box needs a known first tube`);
      if (first.round !== roundId)
        return apiError(409, 'tube_other_round', `tube ${barcodes[0]} belongs to round ${first.round}`);
      box = { round: roundId, sealed: false };
      this.boxes.set(barcode, box);
    }
    if (box.round !== roundId)
      return apiError(409, 'box_other_round', `box ${barcode} belongs to round ${box.round}`);
    if (box.sealed) return apiError(409, 'box_sealed', `box ${barcode} is in_transit; pack a new box`);
    let ok = 0;
    const items = barcodes.map((b) => {
      const t = this.tubes.get(b);
      if (t?.status === 'boxed' && t.box === barcode) return { tube: b, status: 'already' };
      if (!t) return { tube: b, status: 'rejected', code: 'tube_unknown', message: `no tube ${b}` };
      if (t.status !== 'closed')
        return {
          tube: b,
          status: 'rejected',
          code: 'transition_invalid',
          message:
            t.status === 'boxed'
              ? `tube ${b} is already boxed`
              : `tube ${b} is ${t.status}; it must be closed to become boxed`,
        };
      t.status = 'boxed';
      t.box = barcode;
      ok++;
      return { tube: b, status: 'ok' };
    });
    // A new box that received no tube is not kept.
    if (isNew && ok === 0) this.boxes.delete(barcode);
    return json(200, { box: barcode, items });
  }
}

// ---- Records as the workbench writes them ----

const USER = 'staff:li';
const ID_NUMBER = '220202199001011234';
let serial = 0;

function scan(over: Partial<NewScan> = {}): NewScan {
  serial++;
  return {
    kind: 'scan',
    user: USER,
    roundId: 7,
    key: `k-${String(serial).padStart(6, '0')}-4f1c9a`,
    tube: 'T0000001',
    pointId: 31,
    poolSize: 10,
    idNumber: ID_NUMBER.replace(/\d{4}$/, String(1000 + serial)),
    label: `2202**********${1000 + serial}`,
    who: `n:fp${serial}`,
    scannedAt: '2022-04-01T08:00:00.000Z',
    ...over,
  };
}

function byKey(ops: Op[], key: string): ScanOp {
  const op = ops.find((o) => o.kind === 'scan' && o.key === key);
  if (!op) throw new Error(`no record with key ${key}`);
  return op as ScanOp;
}

// ---- Per-test setup ----

let server: FakeServer;
let outbox: Outbox;
let api: Api;

/** A fresh copy of the modules, as a new tab of the same phone would load them (same IndexedDB). */
async function openTab(): Promise<{ outbox: Outbox; api: Api }> {
  vi.resetModules();
  const a = await import('../api.ts');
  const o = await import('./outbox.ts');
  a.setCsrfToken(CSRF);
  return { outbox: o, api: a };
}

beforeEach(async () => {
  // A fresh, empty IndexedDB: outbox.ts opens its database on first use, from whatever `indexedDB` is then.
  globalThis.indexedDB = new IDBFactory();
  // Node has BroadcastChannel; a channel left open per test would keep the worker alive. Tabs are tested with
  // two module copies instead.
  vi.stubGlobal('BroadcastChannel', undefined);
  server = new FakeServer();
  vi.stubGlobal('fetch', vi.fn(server.fetch));
  ({ outbox, api } = await openTab());
});

afterEach(() => {
  vi.unstubAllGlobals();
});

// ---- Tests ----

describe('storing before uploading', () => {
  it('has a record on the phone, queued and untouched, as soon as enqueue resolves', async () => {
    const s = scan();
    const stored = await outbox.enqueue(s);
    expect(fetch).not.toHaveBeenCalled();
    const ops = await outbox.opsOfRound(7);
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({ key: s.key, state: 'queued', attempts: 0, idNumber: s.idNumber });
    expect(ops[0]?.seq).toBe(stored.seq);
  });

  it('tells listeners of every change: a record added, a batch answered', async () => {
    const calls = vi.fn();
    const off = outbox.onOutboxChange(calls);
    await outbox.enqueue(scan());
    expect(calls).toHaveBeenCalledTimes(1);
    await outbox.flush(USER);
    expect(calls).toHaveBeenCalledTimes(2);
    off();
    await outbox.enqueue(scan());
    expect(calls).toHaveBeenCalledTimes(2);
  });
});

describe('network failures', () => {
  it('keeps every record through failed uploads and sends them all in order once the network is back', async () => {
    const s1 = scan({ tube: 'T0000001' });
    const s2 = scan({ tube: 'T0000001' });
    const s3 = scan({ tube: 'T0000002' });
    await outbox.enqueue(s1);
    await outbox.enqueue(s2);
    await outbox.enqueue({ kind: 'close', user: USER, roundId: 7, tube: 'T0000001' });
    await outbox.enqueue(s3);
    await outbox.enqueue({ kind: 'box', user: USER, roundId: 7, box: 'BOX00001', tubes: ['T0000001'] });

    server.fail({ kind: 'network' }, { kind: 'network' });
    for (let i = 0; i < 2; i++) {
      const r = await outbox.flush(USER);
      expect(r.sent).toBe(0);
      expect(r.error).toBeInstanceOf(api.ApiError);
      expect((r.error as InstanceType<Api['ApiError']>).status).toBe(0);
    }
    const queued = await outbox.queuedOps();
    expect(queued.map((o) => o.kind)).toEqual(['scan', 'scan', 'close', 'scan', 'box']);
    // Only the first upload (the two scans) was tried; the records behind it wait their turn untouched.
    expect(queued.map((o) => o.attempts)).toEqual([2, 2, 0, 0, 0]);
    expect(queued[0]).toMatchObject({ lastErrorCode: 'network', idNumber: s1.idNumber });
    expect(server.seen).toHaveLength(0);

    const r = await outbox.flush(USER);
    expect(r).toEqual({ sent: 5, error: null });
    // Scans before their tube's closing, the closing before the boxing; scans after a closing go separately.
    expect(server.paths()).toEqual([
      '/api/testing/rounds/7/scans',
      '/api/testing/tubes/close',
      '/api/testing/rounds/7/scans',
      '/api/testing/boxes',
    ]);
    expect(server.scanBatches()).toEqual([[s1.key, s2.key], [s3.key]]);
    const ops = await outbox.opsOfRound(7);
    expect(ops.map((o) => o.state)).toEqual(['accepted', 'accepted', 'done', 'accepted', 'done']);
    expect(ops.every((o) => o.lastError === undefined && o.lastErrorCode === undefined)).toBe(true);
    expect(await outbox.queuedOps()).toEqual([]);
    expect(server.tubes.get('T0000001')).toMatchObject({ status: 'boxed', members: 2, box: 'BOX00001' });
  });

  it.each([401, 403, 408, 429, 500, 502, 503, 504])(
    'keeps the records queued on a %i and sends them on the next flush',
    async (status) => {
      const s = scan();
      await outbox.enqueue(s);
      server.fail({ kind: 'refuse', status, code: `code_${status}`, message: `message ${status}` });
      const r = await outbox.flush(USER);
      expect(r.sent).toBe(0);
      expect(r.error).toMatchObject({ status, code: `code_${status}` });
      expect(await outbox.queuedOps()).toMatchObject([
        {
          key: s.key,
          state: 'queued',
          attempts: 1,
          lastError: `message ${status}`,
          lastErrorCode: `code_${status}`,
        },
      ]);
      expect(server.counted.size).toBe(0);

      expect(await outbox.flush(USER)).toEqual({ sent: 1, error: null });
      expect((await outbox.opsOfRound(7))[0]?.state).toBe('accepted');
    },
  );

  it('keeps a closing and a boxing queued when the server cannot be reached', async () => {
    server.tube('T0000001');
    server.tube('T0000002', { status: 'closed' });
    await outbox.enqueue({ kind: 'close', user: USER, roundId: 7, tube: 'T0000001' });
    await outbox.enqueue({ kind: 'box', user: USER, roundId: 7, box: 'BOX00001', tubes: ['T0000002'] });
    server.fail({ kind: 'network' });
    await outbox.flush(USER);
    server.fail({ kind: 'pass' }, { kind: 'refuse', status: 503, code: 'database_unavailable' });
    await outbox.flush(USER);
    // The closing went through on the second flush; the boxing behind it met the 503.
    expect((await outbox.opsOfRound(7)).map((o) => [o.kind, o.state, o.attempts])).toEqual([
      ['close', 'done', 1],
      ['box', 'queued', 1],
    ]);
    await outbox.flush(USER);
    expect((await outbox.opsOfRound(7)).map((o) => o.state)).toEqual(['done', 'done']);
  });

  it.each(['scan', 'close', 'box'] as const)(
    'keeps a %s queued when a captive portal answers 200 with a web page instead of the API',
    async (kind) => {
      server.tube('T0000009', { status: kind === 'box' ? 'closed' : 'open' });
      await outbox.enqueue(
        kind === 'scan'
          ? scan({ tube: 'T0000009' })
          : kind === 'close'
            ? { kind, user: USER, roundId: 7, tube: 'T0000009' }
            : { kind, user: USER, roundId: 7, box: 'BOX00001', tubes: ['T0000009'] },
      );
      server.fail({ kind: 'refuse', status: 200, html: true });
      const r = await outbox.flush(USER);
      expect(r.sent).toBe(0);
      expect(r.error).not.toBeNull();
      expect(await outbox.queuedOps()).toMatchObject([{ kind, state: 'queued', attempts: 1 }]);
      expect(await outbox.flush(USER)).toEqual({ sent: 1, error: null });
    },
  );

  it.each([404, 407, 413])(
    'keeps the records queued on a %i page that is not the API’s (a proxy, a network login page)',
    async (status) => {
      const s = scan();
      await outbox.enqueue(s);
      server.fail({ kind: 'refuse', status, html: true });
      const r = await outbox.flush(USER);
      expect(r.error).toMatchObject({ status, code: 'http_error' });
      expect(await outbox.queuedOps()).toMatchObject([{ key: s.key, state: 'queued', attempts: 1 }]);
      // One request: a page that is not the API's is no reason to look for a bad scan one by one.
      expect(vi.mocked(fetch)).toHaveBeenCalledTimes(1);
      expect(await outbox.flush(USER)).toEqual({ sent: 1, error: null });
    },
  );

  it('keeps the records queued when the session has no CSRF token, and sends them once it has one', async () => {
    api.setCsrfToken(null);
    await outbox.enqueue(scan());
    const r = await outbox.flush(USER);
    expect(r.error).toMatchObject({ status: 403, code: 'csrf_invalid' });
    expect(await outbox.queuedOps()).toMatchObject([{ state: 'queued', lastErrorCode: 'csrf_invalid' }]);
    api.setCsrfToken(CSRF);
    expect(await outbox.flush(USER)).toEqual({ sent: 1, error: null });
  });
});

describe('answers lost on the way back', () => {
  it('retries a scan batch the server kept with the same keys, and the server counts each scan once', async () => {
    const batch = [scan(), scan(), scan()];
    for (const s of batch) await outbox.enqueue(s);
    server.fail({ kind: 'lose', status: 503 });
    const first = await outbox.flush(USER);
    expect(first.error).toMatchObject({ status: 503 });
    expect(await outbox.queuedOps()).toHaveLength(3);

    expect(await outbox.flush(USER)).toEqual({ sent: 3, error: null });
    const [sent, retried] = server.scanBatches();
    expect(retried).toEqual(sent);
    expect(sent).toEqual(batch.map((s) => s.key));
    expect([...server.counted.values()]).toEqual([1, 1, 1]);
    expect(server.tubes.get('T0000001')?.members).toBe(3);
    const ops = await outbox.opsOfRound(7);
    expect(ops.map((o) => [o.state, o.attempts])).toEqual([
      ['duplicate', 1],
      ['duplicate', 1],
      ['duplicate', 1],
    ]);
  });

  it('counts a closing answered `already` (closed by the attempt whose answer was lost) as done', async () => {
    server.tube('T0000001');
    await outbox.enqueue({ kind: 'close', user: USER, roundId: 7, tube: 'T0000001' });
    server.fail({ kind: 'lose', status: 504 });
    await outbox.flush(USER);
    expect(server.tubes.get('T0000001')?.status).toBe('closed');
    expect((await outbox.queuedOps())[0]).toMatchObject({ kind: 'close', state: 'queued' });

    expect(await outbox.flush(USER)).toEqual({ sent: 1, error: null });
    const [op] = await outbox.opsOfRound(7);
    expect(op).toMatchObject({ state: 'done', attempts: 1, lastError: undefined });
    expect(op?.code).toBeUndefined();
    expect(op?.answeredAt).toEqual(expect.any(String));
  });

  it('counts a box whose retry finds one tube `already` in it and one refused as done, keeping the refusal', async () => {
    server.tube('T0000001', { status: 'closed' });
    server.tube('T0000002', { status: 'open' });
    await outbox.enqueue({
      kind: 'box',
      user: USER,
      roundId: 7,
      box: 'BOX00001',
      tubes: ['T0000001', 'T0000002'],
    });
    // The first attempt packed T0000001, then the connection dropped before the answer arrived.
    server.fail({ kind: 'lose', status: 0 });
    const r = await outbox.flush(USER);
    expect(r.error).toMatchObject({ status: 0, code: 'network' });
    expect(server.tubes.get('T0000001')).toMatchObject({ status: 'boxed', box: 'BOX00001' });

    await outbox.flush(USER);
    const [op] = (await outbox.opsOfRound(7)) as BoxOp[];
    expect(op?.state).toBe('done');
    expect(op?.results?.map((t) => t.status)).toEqual(['already', 'rejected']);
    expect(op?.code).toBe('transition_invalid');
    expect(op?.message).toBe('tube T0000002 is open; it must be closed to become boxed');
  });

  it('keeps a scan the server’s answer left out queued, and its resend counts once', async () => {
    const [a, b] = [scan(), scan()];
    await outbox.enqueue(a);
    await outbox.enqueue(b);
    // The server takes both but answers for the first only.
    vi.mocked(fetch).mockImplementationOnce(async (input, init) => {
      const full = (await (await server.fetch(input, init)).json()) as { items: unknown[] };
      return json(200, { items: full.items.slice(0, 1) });
    });
    const r = await outbox.flush(USER);
    expect(r.error).toMatchObject({ status: 0, code: 'network' });
    expect((await outbox.opsOfRound(7)).map((o) => o.state)).toEqual(['accepted', 'queued']);
    expect(await outbox.flush(USER)).toEqual({ sent: 1, error: null });
    expect((await outbox.opsOfRound(7)).map((o) => o.state)).toEqual(['accepted', 'duplicate']);
    expect([...server.counted.values()]).toEqual([1, 1]);
  });

  it('keeps a closing whose answer names no tube queued; the resend finds it closed', async () => {
    server.tube('T0000001');
    await outbox.enqueue({ kind: 'close', user: USER, roundId: 7, tube: 'T0000001' });
    vi.mocked(fetch).mockImplementationOnce(async (input, init) => {
      await server.fetch(input, init);
      return json(200, { items: [] });
    });
    expect((await outbox.flush(USER)).error).toMatchObject({ status: 0 });
    expect(await outbox.queuedOps()).toMatchObject([{ kind: 'close', state: 'queued' }]);
    expect(await outbox.flush(USER)).toEqual({ sent: 1, error: null });
    expect((await outbox.opsOfRound(7))[0]).toMatchObject({ state: 'done' });
  });

  it('retries a boxing the server never saw and marks it done', async () => {
    server.tube('T0000001', { status: 'closed' });
    await outbox.enqueue({ kind: 'box', user: USER, roundId: 7, box: 'BOX00001', tubes: ['T0000001'] });
    server.fail({ kind: 'network' });
    await outbox.flush(USER);
    await outbox.flush(USER);
    const [op] = (await outbox.opsOfRound(7)) as BoxOp[];
    expect(op).toMatchObject({ state: 'done', attempts: 1 });
    expect(op?.results).toEqual([{ tube: 'T0000001', status: 'ok' }]);
    expect(op?.code).toBeUndefined();
  });
});

describe('refusals', () => {
  it('marks a box whose tubes are all refused as rejected, with every reason', async () => {
    server.tube('T0000001');
    server.tube('T0000002');
    await outbox.enqueue({
      kind: 'box',
      user: USER,
      roundId: 7,
      box: 'BOX00001',
      tubes: ['T0000001', 'T0000002'],
    });
    expect(await outbox.flush(USER)).toEqual({ sent: 1, error: null });
    const [op] = await outbox.opsOfRound(7);
    expect(op).toMatchObject({
      state: 'rejected',
      code: 'transition_invalid',
      message:
        'tube T0000001 is open; it must be closed to become boxed; tube T0000002 is open; it must be closed to become boxed',
    });
    expect(server.boxes.has('BOX00001')).toBe(false);
  });

  it('splits a batch refused with 400 into single scans, so only the malformed scan is rejected', async () => {
    const good1 = scan();
    // A misread barcode: far longer than any ID number, refused by the request's validation.
    const bad = scan({ idNumber: '2202021990010112342202021990010112' });
    const good2 = scan();
    for (const s of [good1, bad, good2]) await outbox.enqueue(s);

    expect(await outbox.flush(USER)).toEqual({ sent: 3, error: null });
    expect(server.scanBatches()).toEqual([
      [good1.key, bad.key, good2.key],
      [good1.key],
      [bad.key],
      [good2.key],
    ]);
    const ops = await outbox.opsOfRound(7);
    expect(byKey(ops, good1.key).state).toBe('accepted');
    expect(byKey(ops, good2.key).state).toBe('accepted');
    expect(byKey(ops, bad.key)).toMatchObject({
      state: 'rejected',
      code: 'validation_failed',
      message: 'invalid body: /items/0/id_number is invalid',
    });
    expect(server.counted.get(good1.key)).toBe(1);
    expect(server.counted.get(good2.key)).toBe(1);
    expect(server.counted.has(bad.key)).toBe(false);
  });

  it('keeps the server code and message of a scan it refuses, and the rest of the batch goes on', async () => {
    server.tube('T0000003', { status: 'closed' });
    const a = scan();
    const refused = scan({ tube: 'T0000003' });
    const b = scan();
    for (const s of [a, refused, b]) await outbox.enqueue(s);
    await outbox.flush(USER);
    expect(server.scanBatches()).toHaveLength(1);
    const ops = await outbox.opsOfRound(7);
    expect(byKey(ops, refused.key)).toMatchObject({
      state: 'rejected',
      code: 'tube_closed',
      message: 'tube T0000003 is closed; use a new tube',
    });
    expect(byKey(ops, a.key)).toMatchObject({ state: 'accepted', members: 1, tubeStatus: 'open' });
    expect(byKey(ops, b.key)).toMatchObject({ state: 'accepted', members: 2, flags: ['not_in_registry'] });
  });

  it('marks a boxing refused outright (409) as rejected with its code, and goes on with the next record', async () => {
    server.tube('T0000001', { status: 'closed' });
    server.boxes.set('BOX00001', { round: 7, sealed: true });
    await outbox.enqueue({ kind: 'box', user: USER, roundId: 7, box: 'BOX00001', tubes: ['T0000001'] });
    const after = scan({ tube: 'T0000002' });
    await outbox.enqueue(after);
    expect(await outbox.flush(USER)).toEqual({ sent: 2, error: null });
    const ops = await outbox.opsOfRound(7);
    expect(ops[0]).toMatchObject({
      kind: 'box',
      state: 'rejected',
      code: 'box_sealed',
      message: 'box BOX00001 is in_transit; pack a new box',
    });
    expect(byKey(ops, after.key).state).toBe('accepted');
  });

  it('marks a closing refused with a 422 as rejected with its code', async () => {
    server.tube('T0000001');
    await outbox.enqueue({ kind: 'close', user: USER, roundId: 7, tube: 'T0000001' });
    server.fail({ kind: 'refuse', status: 422, code: 'tube_locked', message: 'tube T0000001 is locked' });
    expect(await outbox.flush(USER)).toEqual({ sent: 1, error: null });
    expect((await outbox.opsOfRound(7))[0]).toMatchObject({
      state: 'rejected',
      code: 'tube_locked',
      message: 'tube T0000001 is locked',
    });
    expect(await outbox.queuedOps()).toEqual([]);
  });

  it('marks a closing of a tube the server does not know as rejected with the tube answer', async () => {
    await outbox.enqueue({ kind: 'close', user: USER, roundId: 7, tube: 'T0000404' });
    await outbox.flush(USER);
    expect((await outbox.opsOfRound(7))[0]).toMatchObject({
      state: 'rejected',
      code: 'tube_unknown',
      message: 'no tube T0000404',
    });
  });

  it('marks every scan of a batch for a round the server does not have as rejected with its 404', async () => {
    await outbox.enqueue(scan({ roundId: 99 }));
    await outbox.enqueue(scan({ roundId: 99 }));
    await outbox.flush(USER);
    // One request: a 404 is not a malformed item, there is nothing to split.
    expect(server.seen).toHaveLength(1);
    expect((await outbox.opsOfRound(99)).map((o) => [o.state, o.code])).toEqual([
      ['rejected', 'not_found'],
      ['rejected', 'not_found'],
    ]);
  });
});

describe('the full ID number', () => {
  it('is dropped from a scan once the server has it, accepted or duplicate, and kept while it waits', async () => {
    const s = scan();
    const byId = scan({ idNumber: undefined, personId: 5012 });
    await outbox.enqueue(s);
    await outbox.enqueue(byId);
    server.fail({ kind: 'lose', status: 502 });
    await outbox.flush(USER);
    // The retry needs the number: it is still on the phone after the failed upload.
    expect(byKey(await outbox.queuedOps(), s.key).idNumber).toBe(s.idNumber);

    await outbox.flush(USER);
    const [first, retry] = server.seen.map((x) => x.body.items as ScanItemBody[]);
    expect(retry).toEqual(first);
    expect(retry?.[0]).toMatchObject({ key: s.key, id_number: s.idNumber });
    expect(retry?.[0]).not.toHaveProperty('person_id');
    expect(retry?.[1]).toMatchObject({ key: byId.key, person_id: 5012 });
    expect(retry?.[1]).not.toHaveProperty('id_number');

    const stored = byKey(await outbox.opsOfRound(7), s.key);
    expect(stored.state).toBe('duplicate');
    expect(stored.idNumber).toBeUndefined();
    // What the screen shows is kept.
    expect(stored.label).toBe(s.label);
  });

  it('is dropped from a refused scan too: one refused alone, and a batch refused whole', async () => {
    server.tube('T0000001', { status: 'boxed' });
    const refused = scan();
    await outbox.enqueue(refused);
    await outbox.flush(USER);
    expect(byKey(await outbox.opsOfRound(7), refused.key)).toMatchObject({
      state: 'rejected',
      idNumber: undefined,
    });
    const whole = scan({ roundId: 8, pointId: 41, tube: 'T0000002' });
    await outbox.enqueue(whole);
    server.fail({ kind: 'refuse', status: 404, code: 'round_not_found', message: 'no round 8' });
    await outbox.flush(USER);
    expect(byKey(await outbox.opsOfRound(8), whole.key)).toMatchObject({
      state: 'rejected',
      idNumber: undefined,
    });
  });

  it('goes with the whole record a week after its answer; queued records stay whatever their age', async () => {
    const old = scan();
    await outbox.enqueue(old);
    await outbox.flush(USER);
    const waiting = scan({ tube: 'T0000002' });
    await outbox.enqueue(waiting);
    const answeredAt = Date.parse(byKey(await outbox.opsOfRound(7), old.key).answeredAt ?? '');
    expect(await outbox.pruneAnswered(new Date(answeredAt + outbox.KEEP_ANSWERED_MS - 1000))).toBe(0);
    expect(await outbox.pruneAnswered(new Date(answeredAt + outbox.KEEP_ANSWERED_MS + 1000))).toBe(1);
    expect((await outbox.opsOfRound(7)).map((o) => o.kind === 'scan' && o.key)).toEqual([waiting.key]);
    expect(await outbox.queuedOps()).toHaveLength(1);
  });

  it('is dropped from an accepted scan', async () => {
    const s = scan();
    await outbox.enqueue(s);
    await outbox.flush(USER);
    const stored = byKey(await outbox.opsOfRound(7), s.key);
    expect(stored.state).toBe('accepted');
    expect(stored.idNumber).toBeUndefined();
  });
});

describe('batches', () => {
  it('sends at most BATCH scans per request and never mixes rounds in one request', async () => {
    expect(outbox.BATCH).toBe(100);
    const round7 = Array.from({ length: outbox.BATCH + 5 }, (_, i) =>
      scan({ tube: `T${String(i).padStart(7, '0')}`, poolSize: 1 }),
    );
    const round8 = [scan({ roundId: 8, pointId: 41, tube: 'U0000001' })];
    for (const s of [...round7.slice(0, 50), ...round8, ...round7.slice(50)]) await outbox.enqueue(s);
    expect(await outbox.flush(USER)).toEqual({ sent: round7.length + 1, error: null });
    expect(server.paths()).toEqual([
      '/api/testing/rounds/7/scans',
      '/api/testing/rounds/8/scans',
      '/api/testing/rounds/7/scans',
    ]);
    expect(server.scanBatches().map((b) => b.length)).toEqual([50, 1, 55]);
    expect(server.counted.size).toBe(round7.length + 1);
  });

  it('splits a long run of scans of one round at BATCH', async () => {
    const all = Array.from({ length: outbox.BATCH + 1 }, (_, i) =>
      scan({ tube: `T${String(i).padStart(7, '0')}`, poolSize: 1 }),
    );
    for (const s of all) await outbox.enqueue(s);
    await outbox.flush(USER);
    expect(server.scanBatches()).toEqual([all.slice(0, outbox.BATCH).map((s) => s.key), [all[100]?.key]]);
  });
});

describe('users sharing a phone', () => {
  it("uploads only the flushing user's records and leaves another user's queued and untouched", async () => {
    const mine = scan();
    const theirs = scan({ user: 'staff:wang', tube: 'T0000002' });
    await outbox.enqueue(theirs);
    await outbox.enqueue(mine);

    server.fail({ kind: 'network' });
    await outbox.flush(USER);
    expect(byKey(await outbox.queuedOps(), theirs.key).attempts).toBe(0);

    expect(await outbox.flush(USER)).toEqual({ sent: 1, error: null });
    expect(server.scanBatches()).toEqual([[mine.key]]);
    expect(await outbox.queuedOps()).toMatchObject([{ key: theirs.key, user: 'staff:wang', attempts: 0 }]);

    expect(await outbox.flush('staff:wang')).toEqual({ sent: 1, error: null });
    expect(server.scanBatches()).toEqual([[mine.key], [theirs.key]]);
  });
});

describe('one upload at a time', () => {
  it('runs concurrent flushes of one tab one after the other without Web Locks, each record sent once', async () => {
    // Browsers without Web Locks (and runtimes without navigator): flush falls back to its own chain.
    vi.stubGlobal('navigator', undefined);
    server.delay = 5;
    const a = scan();
    const b = scan();
    await outbox.enqueue(a);
    await outbox.enqueue(b);
    const results = await Promise.all([outbox.flush(USER), outbox.flush(USER), outbox.flush(USER)]);
    expect(results).toEqual([
      { sent: 2, error: null },
      { sent: 0, error: null },
      { sent: 0, error: null },
    ]);
    expect(server.scanBatches()).toEqual([[a.key, b.key]]);
  });

  it('runs without Web Locks when navigator has no locks', async () => {
    vi.stubGlobal('navigator', {});
    await outbox.enqueue(scan());
    expect(await outbox.flush(USER)).toEqual({ sent: 1, error: null });
  });

  it('keeps the chain going after a flush that failed', async () => {
    vi.stubGlobal('navigator', {});
    await outbox.enqueue(scan());
    server.fail({ kind: 'network' });
    const [failed, next] = await Promise.all([outbox.flush(USER), outbox.flush(USER)]);
    expect(failed.error).toMatchObject({ code: 'network' });
    expect(next).toEqual({ sent: 1, error: null });
  });

  it.runIf(typeof navigator !== 'undefined' && navigator.locks !== undefined)(
    'sends each record once when two tabs of the phone flush at the same time (Web Lock)',
    async () => {
      server.delay = 5;
      const other = await openTab();
      const a = scan();
      const b = scan();
      await outbox.enqueue(a);
      await outbox.enqueue(b);
      const results = await Promise.all([outbox.flush(USER), other.outbox.flush(USER)]);
      expect(results.map((r) => r.sent).sort()).toEqual([0, 2]);
      expect(server.scanBatches()).toEqual([[a.key, b.key]]);
    },
  );
});
