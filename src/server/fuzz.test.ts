/**
 * Fuzz of every write route of the OpenAPI document (GET /api/docs/json): "0 answers 5xx and 0 partial writes,
 * on both backends".
 *
 * What is sent, to every POST/PUT/PATCH/DELETE operation, as a city-wide (2202) user of a role that holds the
 * route's permission (so requests pass authentication and reach validation and the handler; the account routes
 * get a fresh session per request, logout ends it):
 * - bodies generated with fast-check from the operation's own JSON schema (`arbitraryOf` below): valid-shaped
 *   ones, with ids, area codes, barcodes, keys and venue codes mostly drawn from the seeded database and times
 *   mostly just before the test clock's now (so generated requests reach the handlers, not only the validator);
 *   and mutated ones, where one node is replaced (NUL, lone surrogates, 100k-character strings, numbers out of
 *   range, 2^63, 1e999, nesting 5,000 deep, a wrong type), a field is dropped or an extra one (also `__proto__`,
 *   `constructor.prototype`) added;
 * - fixed cases on every route: NUL after every string, NUL only, lone surrogates, 100k-character strings,
 *   extreme numbers, ids of the right shape that do not exist (every other value real), null everywhere, `{}`,
 *   bodies of the wrong type, nesting 5,000 and 100,000 deep, invalid UTF-8 bytes (also an overlong NUL), a BOM,
 *   empty and truncated JSON, text/plain, XML, form data, multipart and UTF-16 content types, a body over the
 *   1 MiB limit; path parameters as real ids, 0, -1, 2^63, 1e3, non-numeric, NUL (%00), bad percent-encoding;
 *   query parameters with NUL;
 * - upload routes (multipart, found by "multipart" in their summary): generated small files — CSV/TSV with the
 *   route's own columns, clean or with nasty cells (NUL, quotes, formulas, long cells; also in the header),
 *   random bytes, an XLSX-looking zip header with garbage — and fixed ones: NUL in every cell, NUL bytes, a BOM,
 *   a real XLSX, XLSX bytes named .csv, empty, header only, invalid UTF-8, a NUL in the file name, no file name,
 *   no file, two files, wrong field, unsupported extension, over the upload limit (256 KiB here), truncated
 *   multipart, no or another boundary, JSON or text to the upload route.
 *
 * Properties, collected over the whole run and reported together, grouped by route and error (the first request
 * and answer as the example, the server's logged error for a 5xx):
 * 1. no answer is 5xx;
 * 2. every 4xx is `{ error: { code, message } }` whose code is a snake_case word of our own (not Fastify's
 *    internal FST_… code);
 * 3. a request with NUL (U+0000) in its JSON body, query or path parameters is refused with 400 nul_character
 *    (the input guard) or, nested too deep as well, too_deeply_nested — when the router and the body parser let
 *    it through to the guard (`nulExpected`); files inside multipart uploads are covered only by 1 and 4;
 * 4. no partial writes: a request answered 4xx leaves the database as it was.
 *
 * The fingerprint for 4: per table of the schema (information_schema, so new tables are covered), count(*) and
 * the sum of xmin. An insert, an update (even to equal values: the row gets a new xmin) or a delete that commits
 * changes it; a rolled-back transaction and reads do not (the first test checks this). It is read again only
 * when the next transaction id has moved (nothing was even tried otherwise), and the one after a request is the
 * one before the next, unless the test itself wrote in between (a new session). Writes a 4xx may make by design
 * (WRITES_ON_4XX): a failed login is audited and counted for the lockout, and a rejected person import (422
 * import_rejected) records its run and is audited. Nothing else: a refused request of any other route must
 * leave every table, the audit log and the sessions included, as it was.
 *
 * The bodies of 5xx answers say only "internal error; it has been logged": the app gets an error-level pino
 * logger into memory (silent) so that a finding can name the server's error (e.g. PostgreSQL 22021).
 *
 * FUZZ_SEED=n replays a run (the seed is printed with the findings; random otherwise); FUZZ_RUNS=n sets how many
 * generated bodies each route gets of each kind (valid-shaped, mutated; default 8); FUZZ_REPORT=path writes the
 * findings and the statuses per route to path-<backend>.json; FUZZ_DEBUG=prefix logs every request whose probe
 * label starts with prefix (e.g. "generated") and its answer.
 */

import { writeFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../db/testing.ts';
import { ManualClock } from '../domain/clock.ts';
import { makeIdNumber } from '../domain/id-number.ts';
import { createToken, createUser } from '../modules/access/accounts.ts';
import { ROLE_PERMISSIONS, ROLES, type Role } from '../modules/access/roles.ts';
import { UNSCOPED } from '../modules/access/scope.ts';
import { placeBacklog } from '../modules/isolation/place-backlog.ts';
import { seedCity } from '../modules/registry/seed-city.ts';
import { buildFhirResultsBundle, type TubeResult } from '../modules/testing/fhir/parse-results.ts';
import { createCase, traceCase } from '../modules/tracing/trace-case.ts';
import { planPendingTrips } from '../modules/transfer/trips.ts';
import { buildApp } from './app.ts';
import { loginAs, TEST_PASSWORD, type TestSession } from './test-auth.ts';

const clock = new ManualClock('2022-03-14T08:00:00Z');
const SEED = process.env.FUZZ_SEED
  ? Number(process.env.FUZZ_SEED)
  : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
const RUNS = Number(process.env.FUZZ_RUNS ?? 8);
const BODY_LIMIT = 1024 * 1024; // app.ts
const UPLOAD_LIMIT = 256 * 1024; // given to buildApp here

/** Writes a 4xx answer may make by design; everything else must leave the database untouched. */
const WRITES_ON_4XX: Record<string, { statuses: number[]; tables: string[] }> = {
  // A failed login is audited and counted (lockout after repeated failures).
  'POST /api/auth/login': { statuses: [401, 423], tables: ['audit_log', 'users'] },
  // A rejected file is recorded: its import run (with the rejected rows) and the audit entry.
  'POST /api/imports/persons': { statuses: [422], tables: ['import_runs', 'audit_log'] },
  // A refused FHIR bundle is audited (counts and codes); nothing of it is recorded.
  'POST /api/testing/results/fhir': { statuses: [422], tables: ['audit_log'] },
};

// ------------------------------------------------------------------------------------- JSON schema → fast-check

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean | number;
  exclusiveMaximum?: boolean | number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  nullable?: boolean;
  default?: unknown;
}

/** Real values from the database, by property name (a property's array items take its name too). */
type Hints = Record<string, readonly unknown[]>;

/** JSON written as is (1e999, -0, 30 digits, deep nesting): JSON.stringify cannot produce these. */
class Raw {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

const LONG = 'x'.repeat(100_000);
const LONG_CJK = '汉'.repeat(100_000);
/** Nesting 5,000 deep, as text (JSON.stringify would overflow the test's own stack). */
const DEEP_ARRAY = new Raw(`${'['.repeat(5000)}${']'.repeat(5000)}`);
const DEEP_OBJECT = new Raw(`${'{"a":'.repeat(5000)}{}${'}'.repeat(5000)}`);

/** Values that have broken servers before. */
const nastyArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    false,
    0,
    -1,
    0.5,
    1e308,
    -1e308,
    2 ** 53 + 2,
    2 ** 63, // 9223372036854775808: one past int8
    5e-324,
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfffy',
    '\uffff',
    '\u202e',
    'NaN',
    'Infinity',
    '-1',
    '9223372036854775808',
    "' OR 1=1 --",
    '%00',
    '../../../etc/passwd',
    '2022-02-30T25:61:00Z',
    '+275760-09-13T00:00:00.000Z',
    '-271821-04-20T00:00:00.000Z',
    '{}',
    [],
    {},
    [null],
    [[]],
    new Raw('1e999'),
    new Raw('-1e999'),
    new Raw('123456789012345678901234567890'),
    new Raw('-0'),
  ),
  fc.constant(LONG),
  fc.constant(LONG_CJK),
  fc.constant('\u0000'.repeat(1000)),
  fc.constant(DEEP_ARRAY),
  fc.constant(DEEP_OBJECT),
  fc.string({ unit: 'binary' }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Times as clients send them (mostly the days before the test clock's now), and far outside PostgreSQL's range
 * (JavaScript dates reach ±275,760 years), and not times at all. */
const timeArb: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .date({
        min: new Date('2022-03-01T00:00:00Z'),
        max: new Date('2022-03-14T07:59:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString()),
  },
  { weight: 1, arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      '2022-03-14 15:00',
      '2022-03-14T15:00:00+08:00',
      '2022-03-13T09:30:00+0800',
      '2022-03-14',
      '2022-03-20T00:00:00Z',
      1647244800000,
      0,
      -8.64e15,
      8.64e15,
      '0001-01-01T00:00:00Z',
      '-004714-11-23T00:00:00Z',
      '+275760-09-13T00:00:00.000Z',
      '-271821-04-20T00:00:00.000Z',
      '2022-02-29T10:00:00Z',
      '1e3',
      true,
      null,
    ),
  },
);

function bounds(s: JsonSchema, integer: boolean): { min?: number; max?: number } {
  let min = s.minimum;
  let max = s.maximum;
  const step = integer ? 1 : 0;
  if (typeof s.exclusiveMinimum === 'number') min = s.exclusiveMinimum + step;
  else if (s.exclusiveMinimum === true && min !== undefined) min += step;
  if (typeof s.exclusiveMaximum === 'number') max = s.exclusiveMaximum - step;
  else if (s.exclusiveMaximum === true && max !== undefined) max -= step;
  return { min, max };
}

function typesOf(s: JsonSchema): string[] {
  if (Array.isArray(s.type)) return s.type;
  if (s.type) return [s.type];
  if (s.properties) return ['object'];
  if (s.items) return ['array'];
  return [];
}

/** Valid-shaped values of a schema; `name` is the property the value is for (hints, times). */
function arbitraryOf(s: JsonSchema, name: string, hints: Hints, all = false): fc.Arbitrary<unknown> {
  let arb = baseArbitrary(s, name, hints, all);
  const real = hints[name];
  const scalar = typesOf(s).some((t) => t === 'string' || t === 'integer' || t === 'number');
  if (real?.length && scalar && !s.enum)
    arb = all
      ? fc.constantFrom(...real)
      : fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...real) }, { weight: 1, arbitrary: arb });
  if (s.nullable) arb = fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 4, arbitrary: arb });
  return arb;
}

function baseArbitrary(s: JsonSchema, name: string, hints: Hints, all: boolean): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum?.length) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((x) => arbitraryOf(x, name, hints, all)));
  if (s.allOf?.length) return arbitraryOf(Object.assign({}, ...s.allOf), name, hints, all);
  const types = typesOf(s);
  if (types.length > 1)
    return fc.oneof(...types.map((t) => arbitraryOf({ ...s, type: t, nullable: false }, name, hints, all)));
  switch (types[0]) {
    case 'string':
      return /(^|_)at$/.test(name) ? timeArb : stringArbitrary(s); // times are strings (Instant)
    case 'integer': {
      const { min = -(2 ** 31), max = 2 ** 31 } = bounds(s, true);
      const lo = Math.max(Math.ceil(min), Number.MIN_SAFE_INTEGER);
      return fc.integer({ min: lo, max: Math.max(lo, Math.min(Math.floor(max), Number.MAX_SAFE_INTEGER)) });
    }
    case 'number': {
      const { min, max } = bounds(s, false);
      return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = s.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(s.maxItems ?? 4, 4));
      return fc.array(arbitraryOf(s.items ?? {}, name, hints, all), { minLength, maxLength });
    }
    case 'object': {
      const props = Object.entries(s.properties ?? {});
      const required = new Set(s.required ?? []);
      const record = fc.record(
        Object.fromEntries(props.map(([k, v]) => [k, arbitraryOf(v, k, hints, all)])) as Record<
          string,
          fc.Arbitrary<unknown>
        >,
        { requiredKeys: props.map(([k]) => k).filter((k) => all || required.has(k)) },
      );
      const extra = s.additionalProperties;
      if (extra && typeof extra === 'object') {
        const dict = fc.dictionary(fc.string({ maxLength: 12 }), arbitraryOf(extra, name, hints, all), {
          maxKeys: 3,
        });
        return fc.tuple(dict, record).map(([d, r]) => ({ ...d, ...r }));
      }
      return record;
    }
    default:
      // No type: z.coerce.date() (times), z.unknown().
      return /(^|_)at$/.test(name) ? timeArb : fc.jsonValue({ maxDepth: 2 });
  }
}

function stringArbitrary(s: JsonSchema): fc.Arbitrary<unknown> {
  if (s.pattern) {
    try {
      const matching = fc.stringMatching(new RegExp(s.pattern));
      if (s.format !== 'date') return matching;
      // Days the pattern allows that PostgreSQL has not (there is no year 0) or that are far off.
      const edges = fc.constantFrom('0000-01-01', '0000-02-29', '0001-01-01', '9999-12-31', '2022-03-14');
      return fc.oneof({ weight: 2, arbitrary: matching }, { weight: 1, arbitrary: edges });
    } catch {
      // a pattern fast-check cannot generate from: plain strings below
    }
  }
  if (s.format === 'date-time') return timeArb;
  const minLength = s.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(s.maxLength ?? 40, minLength + 40));
  return fc.oneof(
    fc.string({ minLength, maxLength }),
    fc.string({ minLength, maxLength, unit: 'grapheme' }),
    fc.string({ minLength, maxLength, unit: 'binary' }),
  );
}

/** One node of a JSON value: its parent container and key (the root has none). */
interface Slot {
  parent: Record<string, unknown> | unknown[] | null;
  key: string | number;
}

function slotsOf(v: unknown, out: Slot[] = [{ parent: null, key: '' }], depth = 0): Slot[] {
  if (depth > 50 || v === null || typeof v !== 'object' || v instanceof Raw) return out;
  if (Array.isArray(v))
    v.forEach((x, i) => {
      out.push({ parent: v, key: i });
      slotsOf(x, out, depth + 1);
    });
  else
    for (const [k, x] of Object.entries(v)) {
      out.push({ parent: v as Record<string, unknown>, key: k });
      slotsOf(x, out, depth + 1);
    }
  return out;
}

type Mutation = 'replace' | 'drop' | 'extra' | 'proto' | 'root';

/** A valid-shaped value with one thing wrong. */
function mutatedArbitrary(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      valid,
      fc.nat(),
      fc.constantFrom<Mutation>('replace', 'replace', 'replace', 'drop', 'extra', 'proto', 'root'),
      nastyArb,
    )
    .map(([v0, pick, mutation, nasty]) => {
      if (mutation === 'root') return nasty;
      const v = structuredClone(v0);
      const slots = slotsOf(v);
      const slot = slots[pick % slots.length] as Slot;
      const { parent, key } = slot;
      if (parent === null) {
        // The root itself: mutate inside it if it is an object, else replace it.
        if (v && typeof v === 'object' && !Array.isArray(v)) {
          if (mutation === 'proto') Object.defineProperty(v, '__proto__', { value: nasty, enumerable: true });
          else (v as Record<string, unknown>).zz_extra = nasty;
          return v;
        }
        return nasty;
      }
      if (mutation === 'drop' && !Array.isArray(parent)) delete parent[key as string];
      else if (mutation === 'extra' && !Array.isArray(parent)) parent[`zz_${String(key)}`] = nasty;
      else if (mutation === 'proto' && !Array.isArray(parent))
        Object.defineProperty(parent, 'constructor', {
          value: { prototype: { polluted: nasty } },
          enumerable: true,
        });
      else (parent as Record<string | number, unknown>)[key] = nasty;
      return v;
    });
}

/** Every string leaf replaced by f(leaf) (keys kept), and numbers by g(n) when given. */
function mapLeaves(v: unknown, f: (s: string) => unknown, g?: (n: number) => unknown): unknown {
  if (typeof v === 'string') return f(v);
  if (typeof v === 'number') return g ? g(v) : v;
  if (Array.isArray(v)) return v.map((x) => mapLeaves(x, f, g));
  if (v && typeof v === 'object' && !(v instanceof Raw))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapLeaves(x, f, g)]));
  return v;
}

function allLeaves(v: unknown, to: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => allLeaves(x, to));
  if (v && typeof v === 'object' && !(v instanceof Raw))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, allLeaves(x, to)]));
  return to;
}

/** Every number under a key naming an id (`…_id`, `urgent`) replaced: ids of the right shape that do not exist. */
function unknownIds(v: unknown, id: number, key = ''): unknown {
  if (typeof v === 'number' && /(_id|^urgent)$/.test(key)) return id;
  if (Array.isArray(v)) return v.map((x) => unknownIds(x, id, key));
  if (v && typeof v === 'object' && !(v instanceof Raw))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unknownIds(x, id, k)]));
  return v;
}

/** JSON text of a value, with Raw numbers written as they are. */
function toJson(v: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(v, (_k, x) => {
    if (x instanceof Raw) {
      raws.push(x.text);
      return `@@raw-${raws.length - 1}@@`;
    }
    return x;
  });
  if (text === undefined) return 'null';
  return text.replace(/"@@raw-(\d+)@@"/g, (_m, i: string) => raws[Number(i)] as string);
}

/** Whether a parsed JSON value holds NUL in a key or a string, and whether it has keys the parser refuses. */
function inspect(v: unknown): { nul: boolean; poison: boolean } {
  const out = { nul: false, poison: false };
  const stack: unknown[] = [v];
  while (stack.length) {
    const x = stack.pop();
    if (typeof x === 'string') out.nul ||= x.includes('\u0000');
    else if (Array.isArray(x)) stack.push(...x);
    else if (x && typeof x === 'object')
      for (const [k, y] of Object.entries(x)) {
        out.nul ||= k.includes('\u0000');
        out.poison ||=
          k === '__proto__' ||
          (k === 'constructor' && y !== null && typeof y === 'object' && Object.hasOwn(y, 'prototype'));
        stack.push(y);
      }
  }
  return out;
}

/**
 * Whether the input guard must refuse a request (400 nul_character): NUL in its path parameters, query or JSON
 * body, a URL the router takes, and a body that gets past the parser to the guard — none, JSON that parses
 * (without the `__proto__` or `constructor.prototype` keys the parser refuses) within the limit, or a multipart
 * upload (streamed later by the route; the guard reads only its parameters).
 */
function nulExpected(probe: Probe): boolean {
  // The router answers first for a parameter that is not percent-decodable (400) or over 100 characters (414).
  for (const v of Object.values(probe.params)) {
    try {
      if (decodeURIComponent(v).length > 100) return false;
    } catch {
      return false;
    }
  }
  const nul =
    Object.values(probe.params).some((v) => safeDecode(v).includes('\u0000')) ||
    (probe.query ?? '').split('&').some((kv) => safeDecode(kv).includes('\u0000'));
  const { payload, contentType = '' } = probe;
  if (payload === undefined) return nul;
  if (Buffer.byteLength(payload) > BODY_LIMIT) return false;
  if (contentType.startsWith('multipart/form-data')) return nul;
  if (contentType !== 'application/json' || typeof payload !== 'string') return false;
  try {
    const seen = inspect(JSON.parse(payload));
    return !seen.poison && (nul || seen.nul);
  } catch {
    return false; // not JSON: the parser answers first
  }
}

// ------------------------------------------------------------------------------------------------- requests

interface Operation {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string; // OpenAPI form: /api/users/{id}/disable
  key: string; // route table form: POST /api/users/:id/disable
  summary: string;
  body?: JsonSchema;
  pathParams: { name: string; schema: JsonSchema }[];
  query: { name: string; schema: JsonSchema }[];
  multipart: boolean;
  permission?: string;
  public: boolean;
}

interface Probe {
  label: string;
  /** Path parameter values, URL-encoded as they go into the path. */
  params: Record<string, string>;
  query?: string;
  payload?: string | Buffer;
  contentType?: string;
}

interface Finding {
  kind: '5xx' | 'error format' | 'nul not refused' | 'partial write';
  route: string;
  probe: string;
  request: string;
  status: number;
  answer: string;
  detail?: string;
}

const preview = (x: string | Buffer | undefined, n = 240) => {
  if (x === undefined) return '';
  const s = typeof x === 'string' ? x : `<${x.length} bytes> ${x.subarray(0, n).toString('latin1')}`;
  const j = JSON.stringify(s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);
  return j.slice(1, -1);
};

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function multipart(
  parts: { name: string; filename?: string; contentType?: string; data: string | Buffer }[],
  boundary = 'fuzzboundary7MA4YWxkTrZu0gW',
): { payload: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.contentType ? `Content-Type: ${p.contentType}\r\n` : ''}\r\n`,
      ),
      typeof p.data === 'string' ? Buffer.from(p.data) : p.data,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

// ------------------------------------------------------------------------------------------------ the suite

describeBackends('fuzz: every write route', (ctx) => {
  let app: FastifyInstance;
  const serverErrors: string[] = [];
  const sessions = new Map<Role, TestSession>();
  let authUser = '';
  let hints: Hints = {};
  const pathIds: Record<string, string[]> = {};
  let fingerprintSql = '';
  let xlsx: Buffer;

  const db = () => ctx.db;

  interface Fingerprint {
    /** The next transaction id: unchanged means nothing wrote (or tried to) since. */
    xmax: string;
    tables: Map<string, string>;
  }

  async function fingerprint(last?: Fingerprint): Promise<Fingerprint> {
    const { rows } = await db().query<{ x: string }>(
      'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x',
    );
    const xmax = rows[0]?.x as string;
    if (last && last.xmax === xmax) return last;
    const t = await db().query<{ t: string; n: number; x: string }>(fingerprintSql);
    return { xmax, tables: new Map(t.rows.map((r) => [r.t, `${r.n}:${r.x}`])) };
  }

  /** The session of a role, checked once per route (`recheck`) and after a 401. */
  async function sessionFor(role: Role, recheck = false): Promise<TestSession> {
    let s = sessions.get(role);
    if (s && recheck) {
      const me = await app.inject({ method: 'GET', url: '/api/auth/me', headers: s.headers });
      if (me.statusCode !== 200) s = undefined;
    }
    if (s) return s;
    s = await loginAs(app, db(), role, '2202');
    sessions.set(role, s);
    return s;
  }

  /** A new session of the account the /auth routes are fuzzed with (logout ends it, a password change may too). */
  async function authSession(): Promise<TestSession['headers']> {
    const r = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: authUser, password: TEST_PASSWORD },
    });
    if (r.statusCode !== 200) {
      const s = await loginAs(app, db(), 'viewer', '2202');
      authUser = s.username;
      return s.headers;
    }
    const cookie = r.cookies.find((c) => c.name === 'qc_session');
    return { cookie: `qc_session=${cookie?.value}`, 'x-csrf-token': r.json().csrf_token };
  }

  function roleFor(permission: string): Role {
    const role = ROLES.find((r) => (ROLE_PERMISSIONS[r] as readonly string[]).includes(permission));
    if (!role) throw new Error(`no role has ${permission}`);
    return role;
  }

  beforeAll(async () => {
    await seedCity(db(), { city: '2202', people: 2000, seed: 11, clock });
    const logger = pino({ level: 'error' }, { write: (line: string) => void serverErrors.push(line) });
    app = await buildApp({
      db: db(),
      clock,
      logger,
      loginRateLimit: 1_000_000,
      uploadLimit: UPLOAD_LIMIT,
      dashboardCheckEveryMs: 0,
    });
    await app.ready();

    // Cases in several districts, traced; their contacts placed; the day's trips; a round over the city.
    const spread = await db().query<{ id: number }>(
      'SELECT DISTINCT ON (left(area_code, 6)) id FROM persons ORDER BY left(area_code, 6), id LIMIT 3',
    );
    for (const p of spread.rows) {
      await db().transaction(async (tx) => {
        const c = await createCase(tx, clock, { personId: p.id, firstPositiveAt: clock.now() });
        await traceCase(tx, clock, c.case.id);
      });
    }
    await db().transaction((tx) => placeBacklog(tx, clock, UNSCOPED, '8th'));
    await db().transaction((tx) => planPendingTrips(tx, clock, UNSCOPED));
    await db().query(
      `INSERT INTO tasks (kind, person_id, area_code, subject_type, subject_id, due_at, created_at)
       SELECT 'retest_single_tube', id, area_code, 'person', id, $1, $1 FROM persons WHERE id % 97 = 0`,
      [clock.now()],
    );
    const call = async (role: Role, method: 'POST', url: string, payload?: object) => {
      const res = await app.inject({
        method,
        url,
        headers: (await sessionFor(role)).headers,
        payload: payload as never,
      });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
      return res.json();
    };
    const round = await call('commander', 'POST', '/api/testing/rounds', { name: 'fuzz', areas: ['2202'] });
    const points = await app.inject({
      method: 'GET',
      url: `/api/testing/rounds/${round.id}/points`,
      headers: (await sessionFor('testing')).headers,
    });
    const pointId = points.json().items[0].id as number;
    // Scans into tubes of ten (closed when full), two boxes (one shipped), a zone, a leader, a self-report link.
    const people = await db().query<{ id: number }>('SELECT id FROM persons ORDER BY id LIMIT 40');
    await call('testing', 'POST', `/api/testing/rounds/${round.id}/scans`, {
      items: people.rows.map((p, i) => ({
        key: `fuzz-scan-${i}`,
        tube: `FUZZ${String(Math.floor(i / 10)).padStart(4, '0')}`,
        person_id: p.id,
        point_id: pointId,
        scanned_at: '2022-03-14T07:00:00Z',
        pool_size: 10,
      })),
    });
    await call('testing', 'POST', '/api/testing/boxes', {
      round_id: round.id,
      box: 'FUZZBOX1',
      tubes: ['FUZZ0000', 'FUZZ0001'],
    });
    await call('testing', 'POST', '/api/testing/boxes', {
      round_id: round.id,
      box: 'FUZZBOX2',
      tubes: ['FUZZ0002'],
    });
    await call('testing', 'POST', '/api/testing/boxes/FUZZBOX2/ship');
    await call('commander', 'POST', '/api/zones', {
      area_code: '220202',
      level: 'control',
      reason: 'fuzz zone',
    });
    await call('commander', 'POST', '/api/leaders', { name: '张三', area_code: '220202', function: 'all' });
    const stay = await db().query<{ id: number }>('SELECT id FROM placements ORDER BY id LIMIT 1');
    const link = await call('commander', 'POST', `/api/isolation/stays/${stay.rows[0]?.id}/self-report-link`);
    // Accounts and a token that the user and token routes may disable and revoke (never the fuzzing sessions).
    for (const n of [1, 2, 3])
      await createUser(db(), {
        username: `victim-${n}`,
        displayName: 'victim',
        password: TEST_PASSWORD,
        role: 'viewer',
        jurisdiction: '2202',
      });
    await createToken(db(), clock, {
      name: 'victim',
      role: 'viewer',
      jurisdiction: '2202',
      createdBy: null,
      days: 30,
    });
    authUser = (await loginAs(app, db(), 'viewer', '2202')).username;

    const col = async (sql: string) => (await db().query<{ v: unknown }>(sql)).rows.map((r) => r.v);
    const personIds = await col(
      '(SELECT id AS v FROM persons ORDER BY id LIMIT 8) UNION ALL (SELECT max(id) FROM persons)',
    );
    const areas = [
      '2202',
      '220202',
      ...(await col('SELECT DISTINCT area_code AS v FROM persons ORDER BY 1 LIMIT 6')),
      ...(await col('SELECT DISTINCT left(area_code, 9) AS v FROM persons ORDER BY 1 LIMIT 3')),
    ];
    const tubes = await col('SELECT barcode AS v FROM tubes ORDER BY id LIMIT 6');
    hints = {
      person_id: personIds,
      urgent: personIds,
      site_id: await col('SELECT id AS v FROM sites ORDER BY id LIMIT 5'),
      lab_id: await col('SELECT id AS v FROM labs ORDER BY id LIMIT 3'),
      round_id: await col('SELECT id AS v FROM rounds'),
      point_id: await col('SELECT id AS v FROM sampling_points ORDER BY id LIMIT 5'),
      user_id: await col('SELECT id AS v FROM users ORDER BY id LIMIT 5'),
      areas,
      area_code: areas,
      jurisdiction: areas,
      tube: tubes,
      tubes,
      box: ['FUZZBOX1', 'FUZZBOX2'],
      venue_code: await col('SELECT venue_code AS v FROM venues ORDER BY id LIMIT 5'),
      key: ['fuzz-scan-0', 'fuzz-scan-1'],
      id_number: await col('SELECT id_number AS v FROM persons ORDER BY id LIMIT 3'),
      current_password: [TEST_PASSWORD],
    };
    const ids = async (sql: string) => (await col(sql)).map(String);
    Object.assign(pathIds, {
      users: await ids("SELECT id AS v FROM users WHERE username LIKE 'victim-%'"),
      tokens: await ids('SELECT id AS v FROM api_tokens'),
      persons: personIds.map(String),
      rounds: await ids('SELECT id AS v FROM rounds'),
      tasks: await ids('SELECT id AS v FROM tasks ORDER BY id LIMIT 5'),
      cases: await ids('SELECT id AS v FROM cases'),
      stays: await ids('SELECT id AS v FROM placements ORDER BY id LIMIT 6'),
      sites: await ids('SELECT id AS v FROM sites ORDER BY id LIMIT 4'),
      zones: await ids('SELECT id AS v FROM zones'),
      trips: await ids('SELECT id AS v FROM trips ORDER BY id LIMIT 4'),
      '{kind}': await ids(
        '(SELECT id AS v FROM rooms ORDER BY id LIMIT 3) UNION ALL (SELECT id FROM beds LIMIT 3)',
      ),
      boxes: ['FUZZBOX1', 'FUZZBOX2'],
      'self-report': [String(link.path).split('/')[2]],
    });

    // The fingerprint: count(*) and sum(xmin) of every table.
    const tables = await db().query<{ t: string }>(
      `SELECT table_name AS t FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`,
    );
    fingerprintSql = tables.rows
      .map(
        (r) =>
          `SELECT '${r.t}' AS t, count(*)::int8 AS n, coalesce(sum(xmin::text::int8), 0)::text AS x FROM "${r.t}"`,
      )
      .join(' UNION ALL ');

    // A real workbook for the upload routes.
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Sheet1');
    ws.addRow([
      'id_number',
      'name',
      'area_code',
      'tube',
      'result',
      'tested_at',
      'key',
      'point_id',
      'scanned_at',
    ]);
    ws.addRow([
      makeIdNumber('220202', '1990-01-01', 1),
      '李\ud800四',
      areas[2],
      tubes[0],
      '阳性',
      'x',
      'k',
      1,
      '?',
    ]);
    ws.addRow([LONG.slice(0, 5000), '=1+1', '', '', '', new Date(-8.64e15), '', -1, 1e308]);
    xlsx = Buffer.from(await wb.xlsx.writeBuffer());
  });
  afterAll(async () => {
    await app?.close();
  });

  it('sees in its fingerprint every committed write (even of equal values) and nothing of a rolled-back one', async () => {
    const a = await fingerprint();
    await db()
      .transaction(async (tx) => {
        await tx.query('DELETE FROM tasks');
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    const b = await fingerprint(a);
    expect(b.xmax).not.toBe(a.xmax); // something tried to write: the tables were read again
    expect(b.tables).toEqual(a.tables); // and nothing of it stayed
    await db().query('UPDATE tasks SET status = status WHERE id = (SELECT min(id) FROM tasks)');
    const c = await fingerprint(b);
    expect([...c.tables].filter(([t, v]) => b.tables.get(t) !== v).map(([t]) => t)).toEqual(['tasks']);
  });

  /** The operations of the OpenAPI document that write. */
  async function operations(): Promise<Operation[]> {
    const headers = (await sessionFor('commander')).headers;
    const res = await app.inject({ method: 'GET', url: '/api/docs/json', headers });
    const doc = (res.statusCode === 200 ? res.json() : app.swagger()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const routes = new Map(app.routeTable.map((r) => [`${r.method} ${r.url}`, r.config]));
    const ops: Operation[] = [];
    for (const [path, byMethod] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(byMethod)) {
        const method = m.toUpperCase();
        if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH' && method !== 'DELETE') continue;
        const key = `${method} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
        const config = routes.get(key);
        if (!config) throw new Error(`${key} is in the OpenAPI document but not in the route table`);
        const params = (op.parameters ?? []) as { in: string; name: string; schema: JsonSchema }[];
        const content = (op.requestBody as { content?: Record<string, { schema?: JsonSchema }> } | undefined)
          ?.content;
        const summary = `${op.summary ?? ''} ${op.description ?? ''}`;
        ops.push({
          method,
          path,
          key,
          summary,
          body: content?.['application/json']?.schema,
          pathParams: params.filter((p) => p.in === 'path'),
          query: params.filter((p) => p.in === 'query'),
          multipart: Boolean(content?.['multipart/form-data']) || /multipart/i.test(summary),
          permission: config.permission,
          public: Boolean(config.public),
        });
      }
    }
    return ops;
  }

  /** Path parameter values: real ones (weight 3) and edge cases, URL-encoded. */
  function paramArb(op: Operation, name: string, schema: JsonSchema): fc.Arbitrary<string> {
    const segments = op.path.split('/');
    const before = segments[segments.indexOf(`{${name}}`) - 1] ?? '';
    const real = pathIds[before] ?? [];
    const edges =
      schema.type === 'integer'
        ? [
            '0',
            '-1',
            '9223372036854775808',
            '9007199254740993',
            '1e3',
            '1.5',
            '0x1F',
            '%201',
            'abc',
            '99999999',
          ]
        : ['x', 'X'.repeat(300), '..', '%E2%80%AE', '%F0%9F%98%80'];
    const generated = arbitraryOf(schema, name, {}).map((v) => encodeURIComponent(String(v)));
    return fc.oneof(
      ...(real.length ? [{ weight: 3, arbitrary: fc.constantFrom(...real) }] : []),
      { weight: 2, arbitrary: fc.constantFrom(...edges) },
      { weight: 1, arbitrary: generated },
    );
  }

  function paramsArb(op: Operation): fc.Arbitrary<Record<string, string>> {
    return fc.record(Object.fromEntries(op.pathParams.map((p) => [p.name, paramArb(op, p.name, p.schema)])));
  }

  function queryArb(op: Operation): fc.Arbitrary<string> {
    if (!op.query.length) return fc.constant('');
    return fc
      .tuple(
        ...op.query.map((q) =>
          fc.option(
            fc.oneof(
              {
                weight: 4,
                arbitrary: arbitraryOf(q.schema, q.name, hints).map((v) => encodeURIComponent(String(v))),
              },
              { weight: 1, arbitrary: fc.constantFrom('%00', 'x', '', '%E0%A4%A', 'a&b=c') },
            ),
          ),
        ),
      )
      .map((vals) =>
        vals
          .map((v, i) => (v === null ? '' : `${op.query[i]?.name}=${v}`))
          .filter(Boolean)
          .join('&'),
      );
  }

  const sample = <T>(arb: fc.Arbitrary<T>, n: number, salt: number): T[] =>
    fc.sample(arb, { numRuns: n, seed: (SEED + salt * 7919) | 0 });

  // -------------------------------------------------------------------------------------------- upload files

  function fileColumns(op: Operation): [string, fc.Arbitrary<string>][] {
    const pick = (xs: readonly unknown[]) => fc.constantFrom(...xs.map(String));
    const time = timeArb.map(String);
    if (op.path.includes('/scans/file'))
      return [
        ['key', fc.oneof(fc.stringMatching(/^[a-z0-9-]{8,20}$/), pick(['fuzz-scan-0']))],
        ['tube', fc.oneof(fc.stringMatching(/^[A-Z0-9]{4,12}$/), pick(hints.tube ?? ['T0001']))],
        ['person_id', fc.oneof(pick(hints.person_id ?? [1]), fc.integer().map(String))],
        ['point_id', fc.oneof(pick(hints.point_id ?? [1]), fc.integer().map(String))],
        ['scanned_at', time],
        ['pool_size', fc.integer({ min: -1, max: 60 }).map(String)],
      ];
    if (op.path.includes('/results/file'))
      return [
        ['tube', fc.oneof(fc.stringMatching(/^[A-Z0-9]{4,12}$/), pick(hints.tube ?? ['T0001']))],
        ['result', pick(['negative', 'positive', 'invalid', '阴性', '阳性', 'maybe'])],
        ['tested_at', time],
        ['lab_code', fc.string({ maxLength: 10 })],
        ['ct_n', fc.oneof(fc.double({ min: 0, max: 50, noNaN: true }).map(String), pick(['', 'x', '1e999']))],
      ];
    return [
      [
        'id_number',
        fc.oneof(
          pick(hints.id_number ?? []),
          fc
            .tuple(
              fc.date({ min: new Date('1930-01-01'), max: new Date('2021-12-31'), noInvalidDate: true }),
              fc.nat(999),
            )
            .map(([d, n]) => makeIdNumber('220202', d.toISOString().slice(0, 10), n)),
          fc.string({ maxLength: 20 }),
        ),
      ],
      ['name', fc.string({ minLength: 1, maxLength: 10, unit: 'grapheme' })],
      ['phone', fc.stringMatching(/^1[3-9]\d{9}$/)],
      ['area_code', pick(hints.area_code ?? ['220202001001001'])],
      ['address', fc.string({ maxLength: 30 })],
      ['household_key', fc.string({ maxLength: 8 })],
      ['sex', pick(['男', '女', 'x', ''])],
    ];
  }

  const nastyCell = fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '"quoted, with a comma"',
    '"unterminated',
    '"line\nbreak"',
    '=cmd|calc',
    '\ud800',
    'x'.repeat(20_000),
    '\t',
    '',
    '-1',
    '1e999',
    '9223372036854775808',
  );

  /** CSV text: the route's columns (now and then a nasty header cell, or only the first two), rows of plausible
   * cells with (unless `clean`) nasty ones among them; quoted as a spreadsheet would, except the deliberately bad. */
  function csvArb(op: Operation, clean = false): fc.Arbitrary<string> {
    const cols = fileColumns(op);
    const cell = (a: fc.Arbitrary<string>, weight: number) =>
      (clean ? a : fc.oneof({ weight, arbitrary: a }, { weight: 1, arbitrary: nastyCell })).map((s) =>
        /[",\n\r]/.test(s) && !s.startsWith('"') ? `"${s.replaceAll('"', '""')}"` : s,
      );
    const header = fc.tuple(...cols.map(([name]) => cell(fc.constant(name), 12)));
    const row = fc.tuple(...cols.map(([, a]) => cell(a, 5))).map((cells) => cells.join(','));
    return fc
      .tuple(header, fc.boolean(), fc.array(row, { minLength: 0, maxLength: 12 }))
      .map(
        ([names, allColumns, rows]) =>
          `${(allColumns ? names : names.slice(0, 2)).join(',')}\n${rows.join('\n')}\n`,
      );
  }

  function fileArb(op: Operation): fc.Arbitrary<{ filename: string; data: Buffer }> {
    return fc.oneof(
      {
        weight: 4,
        arbitrary: fc
          .tuple(fc.oneof(csvArb(op), csvArb(op, true)), fc.constantFrom('a.csv', 'b.txt', 'c.CSV'))
          .map(([text, filename]) => ({ filename, data: Buffer.from(text) })),
      },
      {
        weight: 1,
        arbitrary: csvArb(op).map((text) => ({
          filename: 'tabs.tsv',
          data: Buffer.from(text.replaceAll(',', '\t')),
        })),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.uint8Array({ maxLength: 2000 }), fc.constantFrom('r.csv', 'r.xlsx', 'r.tsv'))
          .map(([bytes, filename]) => ({ filename, data: Buffer.from(bytes) })),
      },
      {
        weight: 1,
        arbitrary: fc.uint8Array({ maxLength: 500 }).map((bytes) => ({
          filename: 'zip.xlsx',
          data: Buffer.concat([
            Buffer.from('PK\u0003\u0004\u0014\u0000\u0006\u0000', 'latin1'),
            Buffer.from(bytes),
          ]),
        })),
      },
    );
  }

  // ------------------------------------------------------------------------------------------- the probes

  function jsonProbe(label: string, params: Record<string, string>, body: unknown, query?: string): Probe {
    return { label, params, query, payload: toJson(body), contentType: 'application/json' };
  }

  function probesFor(op: Operation, index: number): Probe[] {
    const probes: Probe[] = [];
    const params = sample(paramsArb(op), RUNS * 2 + 1, index * 10 + 1);
    const realParams = Object.fromEntries(
      op.pathParams.map((p) => {
        const segments = op.path.split('/');
        const before = segments[segments.indexOf(`{${p.name}}`) - 1] ?? '';
        return [p.name, pathIds[before]?.[0] ?? String(p.schema.enum?.[0] ?? '1')];
      }),
    );
    const queries = sample(queryArb(op), RUNS * 2 + 1, index * 10 + 2);
    const paramAt = (i: number) => params[i % params.length] as Record<string, string>;
    const queryAt = (i: number) => queries[i % queries.length] as string;
    const bodySchema: JsonSchema = op.body ?? { type: 'object', additionalProperties: { type: 'string' } };
    let valid = arbitraryOf(bodySchema, '', hints).map((b) => refine(op, b));
    if (op.path === '/api/testing/results/fhir') valid = fhirArb();

    if (op.multipart) {
      const files = sample(fileArb(op), RUNS * 2, index * 10 + 3);
      files.forEach((f, i) => {
        const m = multipart([{ name: 'file', filename: f.filename, data: f.data }]);
        probes.push({ label: `generated file ${i}`, params: paramAt(i), query: queryAt(i), ...mp(m) });
      });
      const csv = sample(csvArb(op), 1, index * 10 + 4)[0] as string;
      const withNul = csv.replace(/,/g, '\u0000,').replace(/\n(?=.)/g, '\n\u0000');
      const fixed: [string, ReturnType<typeof multipart>][] = [
        ['csv with NUL in every cell', multipart([{ name: 'file', filename: 'nul.csv', data: withNul }])],
        ['NUL bytes only', multipart([{ name: 'file', filename: 'nul.csv', data: Buffer.alloc(64) }])],
        ['csv with BOM', multipart([{ name: 'file', filename: 'bom.csv', data: `\ufeff${csv}` }])],
        ['real xlsx', multipart([{ name: 'file', filename: 'book.xlsx', data: xlsx }])],
        [
          'xlsx header, garbage',
          multipart([
            { name: 'file', filename: 'x.xlsx', data: Buffer.from('PK\u0003\u0004garbage', 'latin1') },
          ]),
        ],
        ['xlsx content named csv', multipart([{ name: 'file', filename: 'x.csv', data: xlsx }])],
        ['empty file', multipart([{ name: 'file', filename: 'e.csv', data: '' }])],
        ['header only', multipart([{ name: 'file', filename: 'h.csv', data: csv.split('\n')[0] ?? '' }])],
        [
          'invalid UTF-8',
          multipart([
            { name: 'file', filename: 'gbk.csv', data: Buffer.from([0xc0, 0x80, 0xff, 0x2c, 0xe4, 0xb8]) },
          ]),
        ],
        ['unsupported extension', multipart([{ name: 'file', filename: 'x.exe', data: csv }])],
        ['NUL in the file name', multipart([{ name: 'file', filename: 'a\u0000.csv', data: csv }])],
        ['no file name', multipart([{ name: 'file', data: csv }])],
        ['no file part', multipart([{ name: 'note', data: 'hello' }])],
        ['wrong field name', multipart([{ name: 'upload', filename: 'a.csv', data: csv }])],
        [
          'two files',
          multipart([
            { name: 'file', filename: 'a.csv', data: csv },
            { name: 'file', filename: 'b.csv', data: csv },
          ]),
        ],
        ['no parts', multipart([])],
        [
          'over the upload limit',
          multipart([{ name: 'file', filename: 'big.csv', data: `${csv}${'9,'.repeat(UPLOAD_LIMIT)}` }]),
        ],
      ];
      for (const [label, m] of fixed) probes.push({ label, params: realParams, ...mp(m) });
      const whole = multipart([{ name: 'file', filename: 'a.csv', data: csv }]);
      probes.push(
        {
          label: 'truncated multipart',
          params: realParams,
          ...mp(whole),
          payload: whole.payload.subarray(0, 90),
        },
        {
          label: 'multipart without boundary',
          params: realParams,
          payload: whole.payload,
          contentType: 'multipart/form-data',
        },
        {
          label: 'multipart with another boundary',
          params: realParams,
          payload: whole.payload,
          contentType: 'multipart/form-data; boundary=other',
        },
        jsonProbe('JSON to an upload route', realParams, { file: csv }),
        jsonProbe('JSON with NUL to an upload route', realParams, { file: 'a\u0000b' }),
        {
          label: 'text/plain to an upload route',
          params: realParams,
          payload: csv,
          contentType: 'text/plain',
        },
        { label: 'no body', params: realParams },
      );
    } else {
      const bodies = sample(valid, RUNS, index * 10 + 5);
      const mutated = sample(mutatedArbitrary(valid), RUNS, index * 10 + 6);
      for (const [i, b] of bodies.entries())
        probes.push(jsonProbe(`generated ${i}`, paramAt(i), b, queryAt(i)));
      for (const [i, b] of mutated.entries())
        probes.push(jsonProbe(`mutated ${i}`, paramAt(RUNS + i), b, queryAt(RUNS + i)));
      const base = (sample(valid, 1, index * 10 + 7)[0] ?? {}) as unknown;
      // Every property present, real values but new boxes and keys: the unknown ids are what must fail (4xx).
      const newBoxesAndKeys = { ...hints, box: [], key: [] };
      const full = sample(
        arbitraryOf(bodySchema, '', newBoxesAndKeys, true).map((b) => refine(op, b)),
        1,
        index * 10 + 9,
      )[0];
      const text = toJson(base);
      const fixedBodies: [string, unknown][] = [
        ['NUL after every string', mapLeaves(base, (s) => `${s}\u0000`)],
        ['NUL for every string', mapLeaves(base, () => '\u0000')],
        ['lone surrogates', mapLeaves(base, (s) => `${s}\ud800`)],
        ['100k-character strings', mapLeaves(base, () => LONG)],
        [
          'numbers 1e308',
          mapLeaves(
            base,
            (s) => s,
            () => 1e308,
          ),
        ],
        [
          'numbers 1e999',
          mapLeaves(
            base,
            (s) => s,
            () => new Raw('1e999'),
          ),
        ],
        [
          'numbers 2^63',
          mapLeaves(
            base,
            (s) => s,
            () => new Raw('9223372036854775808'),
          ),
        ],
        [
          'numbers -1',
          mapLeaves(
            base,
            (s) => s,
            () => -1,
          ),
        ],
        ['ids that do not exist', unknownIds(full, 99_999_999)],
        ['numbers for strings', mapLeaves(base, () => 2 ** 64)],
        ['null everywhere', allLeaves(base, null)],
        ['empty object', {}],
        [
          'extra field',
          base && typeof base === 'object' ? { ...base, zz_extra: [1, { a: 'b' }] } : { zz: 1 },
        ],
        ['array', []],
        ['string', 'x'],
        ['number', 1],
        ['null', null],
        ['true', true],
        ['nesting 5,000 deep', DEEP_ARRAY],
        [
          'nesting 5,000 deep in the first field',
          base && typeof base === 'object' && !Array.isArray(base)
            ? { ...base, [Object.keys(base)[0] ?? 'a']: DEEP_OBJECT }
            : DEEP_OBJECT,
        ],
      ];
      for (const [label, b] of fixedBodies) probes.push(jsonProbe(label, realParams, b));
      const json = 'application/json';
      probes.push(
        {
          label: 'nesting 100,000 deep',
          params: realParams,
          payload: `${'['.repeat(1e5)}${']'.repeat(1e5)}`,
          contentType: json,
        },
        {
          label: '__proto__',
          params: realParams,
          payload: `{"__proto__":{"polluted":1},${text.slice(1)}`,
          contentType: json,
        },
        {
          label: 'invalid UTF-8 in a string',
          params: realParams,
          payload: Buffer.concat([
            Buffer.from('{"name":"'),
            Buffer.from([0xff, 0xfe, 0xc3]),
            Buffer.from('"}'),
          ]),
          contentType: json,
        },
        {
          label: 'overlong NUL (C0 80) and CESU surrogate bytes',
          params: realParams,
          payload: Buffer.concat([
            Buffer.from(text.replace(/"([^"]*)"(?=\s*[,}\]])/, '"$1')),
            Buffer.from([0xc0, 0x80, 0xed, 0xa0, 0x80]),
            Buffer.from(text.replace(/^.*?"([^"]*)"(?=\s*[,}\]])/, '"')),
          ]),
          contentType: json,
        },
        { label: 'BOM', params: realParams, payload: `\ufeff${text}`, contentType: json },
        { label: 'empty JSON body', params: realParams, payload: '', contentType: json },
        {
          label: 'truncated JSON',
          params: realParams,
          payload: text.slice(0, Math.ceil(text.length / 2)),
          contentType: json,
        },
        { label: 'text/plain', params: realParams, payload: text, contentType: 'text/plain' },
        {
          label: 'application/xml',
          params: realParams,
          payload: '<a><b>1</b></a>',
          contentType: 'application/xml',
        },
        {
          label: 'form data',
          params: realParams,
          payload: 'a=1&b=%00',
          contentType: 'application/x-www-form-urlencoded',
        },
        {
          label: 'UTF-16 JSON',
          params: realParams,
          payload: Buffer.from(text, 'utf16le'),
          contentType: 'application/json; charset=utf-16',
        },
        {
          ...mp(multipart([{ name: 'file', filename: 'a.csv', data: 'a,b\n1,2\n' }])),
          label: 'multipart',
          params: realParams,
        },
        {
          label: 'over the body limit',
          params: realParams,
          payload: `{"x":"${'x'.repeat(BODY_LIMIT)}"}`,
          contentType: json,
        },
        { label: 'no body', params: realParams },
      );
    }
    // Path parameters: every edge case with an otherwise valid request.
    for (const p of op.pathParams) {
      const edges =
        p.schema.type === 'integer'
          ? ['0', '-1', '9223372036854775808', '1e3', 'abc', '%00', '1%00', '%E0%A4%A']
          : ['%00', 'a%00b', '%E0%A4%A', '%ED%A0%80'];
      const body = op.multipart ? undefined : (sample(valid, 1, index * 10 + 8)[0] as unknown);
      for (const e of edges) {
        const ps = { ...realParams, [p.name]: e };
        probes.push(
          body === undefined
            ? { label: `path ${p.name}=${e}`, params: ps }
            : jsonProbe(`path ${p.name}=${e}`, ps, body),
        );
      }
    }
    for (const q of op.query)
      probes.push({ label: `query ${q.name}=%00`, params: realParams, query: `${q.name}=%00` });
    return probes;
  }

  function mp(m: { payload: Buffer; contentType: string }) {
    return { payload: m.payload, contentType: m.contentType };
  }

  /** What a route's JSON schema cannot say (zod refinements), so that valid-shaped bodies get past validation. */
  function refine(op: Operation, body: unknown): unknown {
    if (!op.path.endsWith('/scans')) return body;
    const b = structuredClone(body) as { items?: Record<string, unknown>[] };
    for (const item of b.items ?? []) {
      // A scan names its person by exactly one of person_id and id_number.
      if ('person_id' in item && 'id_number' in item) delete item.id_number;
      else if (!('person_id' in item) && !('id_number' in item)) item.person_id = hints.person_id?.[0];
    }
    return b;
  }

  function fhirArb(): fc.Arbitrary<unknown> {
    const result = fc.record({
      tubeBarcode: fc.oneof(
        fc.constantFrom(...((hints.tube as string[]) ?? ['T0001'])),
        fc.stringMatching(/^[A-Z0-9]{4,12}$/),
      ),
      result: fc.constantFrom('negative' as const, 'positive' as const, 'invalid' as const),
      ct: fc.dictionary(fc.constantFrom('ORF1ab', 'N', 'E'), fc.double({ min: 0, max: 50, noNaN: true }), {
        maxKeys: 2,
      }),
      testedAt: timeArb.map(String),
      labCode: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
      sourceRef: fc.constant(''),
    });
    return fc.array(result, { minLength: 1, maxLength: 4 }).map((rs) => {
      try {
        return buildFhirResultsBundle(rs as TubeResult[]);
      } catch {
        return { resourceType: 'Bundle', type: 'batch', entry: rs };
      }
    });
  }

  // ---------------------------------------------------------------------------------------------- running

  it('answers no 5xx, keeps its error format, refuses NUL and writes nothing on 4xx, on every write route', async () => {
    const started = Date.now();
    const ops = await operations();
    expect(ops.length).toBeGreaterThan(40);
    expect(ops.filter((o) => o.multipart).map((o) => o.key)).toEqual(
      expect.arrayContaining([
        'POST /api/imports/persons',
        'POST /api/testing/rounds/:id/scans/file',
        'POST /api/testing/results/file',
      ]),
    );
    const findings: Finding[] = [];
    let requests = 0;
    const statuses: Record<string, Record<number, number>> = {}; // per route (FUZZ_REPORT)
    let before = await fingerprint();

    for (const [index, op] of ops.entries()) {
      if (op.permission) await sessionFor(roleFor(op.permission), true);
      for (const probe of probesFor(op, index)) {
        // Who sends it: nobody for public routes, a fresh session for the account routes, else a role that may.
        let headers: Record<string, string> = {};
        if (op.permission) headers = { ...(await sessionFor(roleFor(op.permission))).headers };
        else if (!op.public) headers = { ...(await authSession()) };
        if (probe.contentType) headers['content-type'] = probe.contentType;
        before = await fingerprint(before); // the test's own writes (a new session) are not the request's
        const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => probe.params[name] ?? '1');
        const url = probe.query ? `${path}?${probe.query}` : path;
        const errorsBefore = serverErrors.length;
        const req: InjectOptions = { method: op.method, url, headers, payload: probe.payload };
        const res = await app.inject(req);
        requests++;
        const counts = statuses[op.key] ?? {};
        counts[res.statusCode] = (counts[res.statusCode] ?? 0) + 1;
        statuses[op.key] = counts;
        if (process.env.FUZZ_DEBUG && probe.label.startsWith(process.env.FUZZ_DEBUG))
          console.log(
            'DBG',
            op.key,
            res.statusCode,
            preview(probe.payload, 300),
            '=>',
            res.body.slice(0, 300),
          );
        const after = await fingerprint(before);
        const requestText = () =>
          `${op.method} ${url} ${probe.contentType ?? ''} ${preview(probe.payload)}`.replace(/\s+$/, '');
        const record = (kind: Finding['kind'], detail?: string) =>
          findings.push({
            kind,
            route: op.key,
            probe: probe.label,
            request: requestText(),
            status: res.statusCode,
            answer: preview(res.body, 300),
            detail,
          });

        if (res.statusCode >= 500) {
          const logged = serverErrors.slice(errorsBefore).map((line) => {
            const e = JSON.parse(line) as { err?: { type?: string; code?: string; message?: string } };
            return `${e.err?.type ?? ''} ${e.err?.code ?? ''} ${e.err?.message ?? line}`.trim();
          });
          record('5xx', logged.join(' | ').slice(0, 400));
        }
        if (res.statusCode >= 400 && res.statusCode < 500) {
          let code: unknown;
          let message: unknown;
          try {
            const e = res.json().error;
            code = e?.code;
            message = e?.message;
          } catch {
            // not JSON: reported below
          }
          if (
            typeof code !== 'string' ||
            !/^[a-z][a-z0-9_]*$/.test(code) ||
            code.startsWith('fst_') ||
            typeof message !== 'string'
          )
            record('error format', `code ${JSON.stringify(code)}`);
        }
        if (nulExpected(probe)) {
          let code: unknown;
          try {
            code = res.statusCode === 400 ? res.json().error?.code : undefined;
          } catch {
            // not JSON: not refused by the guard
          }
          // A body both deep and with NUL may be refused for either, whichever the guard meets first.
          if (code !== 'nul_character' && code !== 'too_deeply_nested') record('nul not refused');
        }
        if (res.statusCode >= 400 && res.statusCode < 500) {
          const allowed = WRITES_ON_4XX[op.key];
          const changed = [...new Set([...before.tables.keys(), ...after.tables.keys()])].filter(
            (t) =>
              before.tables.get(t) !== after.tables.get(t) &&
              !(allowed?.statuses.includes(res.statusCode) && allowed.tables.includes(t)),
          );
          if (changed.length) record('partial write', `changed: ${changed.join(', ')}`);
        }
        before = after;
        if (res.statusCode === 401 && op.permission) sessions.delete(roleFor(op.permission));
      }
    }

    const seconds = (Date.now() - started) / 1000;
    console.info(
      `fuzz [${ctx.kind}]: ${ops.length} write routes, ${requests} requests in ${seconds.toFixed(1)} s (seed ${SEED}, FUZZ_RUNS=${RUNS}); ${findings.length} finding(s)`,
    );
    if (process.env.FUZZ_REPORT)
      await writeFile(
        `${process.env.FUZZ_REPORT}-${ctx.kind}.json`,
        JSON.stringify({ seed: SEED, backend: ctx.kind, statuses, findings }, null, 1),
      );
    // One entry per kind of finding, route, status and error (the first request as the example).
    const groups = new Map<string, Finding[]>();
    for (const f of findings) {
      const what = f.kind === 'nul not refused' ? '' : (f.detail ?? '').split(':')[0];
      const key = `${f.kind}: ${f.route} → ${f.status}${what ? ` (${what})` : ''}`;
      groups.set(key, [...(groups.get(key) ?? []), f]);
    }
    const lines = [...groups].map(([key, [f, ...more]]) => {
      const also = more.length ? `\n    also: ${more.map((m) => m.probe).join(', ')}` : '';
      return `${key} ×${more.length + 1}\n    [${f?.probe}] ${f?.request}\n    answer: ${f?.answer}${f?.detail ? `\n    error: ${f.detail}` : ''}${also}`;
    });
    expect(lines, `seed ${SEED} (replay with FUZZ_SEED=${SEED})`).toEqual([]);
  }, 900_000);
});
