/** HTTP API of mass testing: rounds, scans, tubes, boxes, results, antigen self-reports, coverage, tasks. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db, Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { PoolingPolicySchema } from '../../domain/pooling.ts';
import { AreaCode } from '../../lib/area-code.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { Instant } from '../../lib/instant.ts';
import { principalOf } from '../../server/auth.ts';
import { sendExport } from '../../server/list-export.ts';
import { withUploadedTable } from '../../server/upload.ts';
import { appendAudit, recordRead } from '../access/audit.ts';
import { can } from '../access/principal.ts';
import { narrow, narrowOrRefuse, scopeOf } from '../access/scope.ts';
import { recordAntigenReports } from './antigen.ts';
import { roundCoverage, unsampled, unsampledExport } from './coverage.ts';
import { FhirBundleRefused, fhirOptionsFromEnv, ingestFhirBundle } from './fhir/ingest.ts';
import { FHIR_JSON, recordedOutcome, refusedOutcome } from './fhir/operation-outcome.ts';
import { parseFhirResults } from './fhir/parse-results.ts';
import { listBoxes, listLabs, pendingTubes } from './lab-desk.ts';
import { planFromRegistry } from './plan-from-registry.ts';
import { pointPools } from './point-pools.ts';
import { ingestResults } from './results.ts';
import { importResultsFile } from './results-file.ts';
import {
  closeRound,
  countRounds,
  createRound,
  getRound,
  listRounds,
  ROUNDS_SHOWN,
  roundExport,
} from './rounds.ts';
import { ScanCoalescer } from './scan-coalescer.ts';
import { importScanFile } from './scan-import.ts';
import { stageClocks } from './stage-clocks.ts';
import { countTasks, listTasks, type TaskFilter, taskExport } from './task-list.ts';
import { completeTasks } from './tasks.ts';
import { closeTubes, packBox, receiveBox, shipBox } from './transport.ts';

export interface TestingDeps {
  db: Db;
  clock: Clock;
}

const Barcode = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{4,40}$/, 'a barcode has 4–40 letters, digits, _ or -');
const Id = z.coerce.number().int().positive();
const Key = z.string().min(8).max(100);
const ResultValue = z.enum(['negative', 'positive', 'invalid']);

const ScanItem = z
  .object({
    key: Key,
    tube: Barcode,
    person_id: z.number().int().positive().optional(),
    id_number: z.string().max(30).optional(),
    point_id: z.number().int().positive(),
    scanned_at: Instant,
    pool_size: z.number().int().min(1).max(50).optional(),
  })
  .refine(
    (s) => (s.person_id === undefined) !== (s.id_number === undefined),
    'give exactly one of person_id and id_number',
  );

export const testingRoutes: FastifyPluginAsync<TestingDeps> = async (app, { db, clock }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const scans = new ScanCoalescer(db, clock);
  // Rounds read by every scan request: cached for a few seconds (recordScans re-checks the round in its transaction).
  const roundCache = new Map<number, { round: Awaited<ReturnType<typeof getRound>>; at: number }>();
  const cachedRound = async (id: number) => {
    const hit = roundCache.get(id);
    if (hit && Date.now() - hit.at < 5000) return hit.round;
    const round = await getRound(db, id);
    roundCache.set(id, { round, at: Date.now() });
    return round;
  };

  // Pool size per point, from the zones (a zone set now applies to new tubes within 5 s).
  const poolCache = new Map<number, { pools: Map<number, number>; at: number }>();
  const cachedPools = async (round: NonNullable<Awaited<ReturnType<typeof getRound>>>) => {
    const hit = poolCache.get(round.id);
    if (hit && Date.now() - hit.at < 5000) return hit.pools;
    const pools = new Map((await pointPools(db, round.id, round.policy, '')).map((p) => [p.id, p.pool_size]));
    poolCache.set(round.id, { pools, at: Date.now() });
    return pools;
  };

  r.post(
    '/testing/rounds',
    {
      config: { permission: 'testing.manage' },
      schema: {
        tags: ['testing'],
        summary: 'Start a mass-testing round on areas, with sampling points proposed from the registry',
        body: z.object({
          name: z.string().trim().min(1).max(100),
          areas: z.array(AreaCode).min(1).max(500),
          starts_at: Instant.optional(),
          deadline_hours: z.number().min(1).max(168).default(24),
          policy: PoolingPolicySchema.partial().optional(),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const { round, points } = await createRound(
          tx,
          clock,
          {
            name: req.body.name,
            areas: req.body.areas,
            startsAt: req.body.starts_at,
            deadlineHours: req.body.deadline_hours,
            policy: req.body.policy,
            createdBy: p.name,
          },
          p.jurisdiction,
        );
        await appendAudit(tx, clock, p, {
          action: 'testing.round_created',
          subjectType: 'round',
          subjectId: round.id,
          areaCode: req.body.areas.length === 1 ? req.body.areas[0] : p.jurisdiction || undefined,
          details: { areas: req.body.areas, points },
        });
        return { ...round, sampling_points: points };
      });
    },
  );

  r.post(
    '/testing/rounds/plan',
    {
      config: { permission: 'testing.read' },
      schema: {
        tags: ['testing'],
        summary:
          'Plan a round without starting it: points, samplers, tubes, labs, and whether it can finish in time',
        body: z.object({
          areas: z.array(AreaCode).min(1).max(500),
          starts_at: Instant.optional(),
          deadline_hours: z.number().min(1).max(168).default(24),
          samplers_available: z.number().int().min(1).optional(),
          policy: PoolingPolicySchema.partial().optional(),
        }),
      },
    },
    async (req) =>
      planFromRegistry(db, scopeOf(principalOf(req)), {
        areas: req.body.areas,
        startsAt: req.body.starts_at ?? clock.now(),
        deadlineHours: req.body.deadline_hours,
        samplersAvailable: req.body.samplers_available,
        policy: req.body.policy,
      }),
  );

  r.post(
    '/testing/rounds/:id/close',
    {
      config: { permission: 'testing.manage' },
      schema: {
        tags: ['testing'],
        summary: 'Close a round (结束本轮): sampling ends, later scans are refused; with a reason, audited',
        params: z.object({ id: Id }),
        body: z.object({ reason: z.string().trim().min(2).max(500) }).strict(),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const round = await closeRound(tx, clock, req.params.id, p.jurisdiction, p.name, req.body.reason);
        await appendAudit(tx, clock, p, {
          action: 'testing.round_closed',
          subjectType: 'round',
          subjectId: round.id,
          areaCode: p.jurisdiction || undefined,
          reason: req.body.reason,
        });
        return round;
      });
    },
  );

  r.get(
    '/testing/rounds',
    {
      config: { permission: 'testing.read' },
      schema: { tags: ['testing'], summary: 'Rounds touching my jurisdiction' },
    },
    async (req) => {
      const prefix = principalOf(req).jurisdiction;
      const items = await listRounds(db, prefix, { limit: ROUNDS_SHOWN });
      const total = items.length < ROUNDS_SHOWN ? items.length : await countRounds(db, prefix);
      return { items, total };
    },
  );

  r.get(
    '/testing/rounds/export',
    {
      config: { permission: 'testing.read' },
      schema: {
        tags: ['testing'],
        summary: 'Every round touching my jurisdiction as CSV or Excel, in words, streamed',
        querystring: z.object({
          format: z.enum(['csv', 'xlsx']).default('xlsx'),
          lang: z.enum(['zh', 'en']).default('zh'),
        }),
      },
    },
    async (req, reply) => {
      const principal = principalOf(req);
      await recordRead(db, clock, principal, {
        action: 'testing.rounds_exported',
        subjectType: 'round',
        areaCode: principal.jurisdiction || undefined,
        details: { list: 'rounds', export: req.query.format },
      });
      return sendExport(reply, db, roundExport(db, principal.jurisdiction), req.query.format, req.query.lang);
    },
  );

  r.get(
    '/testing/labs',
    {
      config: { permission: 'testing.read' },
      schema: {
        tags: ['testing'],
        summary:
          "Labs with today's tubes of my jurisdiction: received, resulted, waiting for a result and late (past the testing budget from receipt)",
      },
    },
    async (req) => ({ items: await listLabs(db, clock, scopeOf(principalOf(req))) }),
  );

  r.get(
    '/testing/boxes',
    {
      config: { permission: 'testing.read' },
      schema: {
        tags: ['testing'],
        summary:
          'Boxes of my jurisdiction in one status (in transit: oldest shipped first, the order a lab receives them), with their tube counts',
        querystring: z.object({
          status: z.enum(['packing', 'in_transit', 'received']).default('in_transit'),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
        }),
      },
    },
    async (req) => listBoxes(db, scopeOf(principalOf(req)), req.query.status, req.query.limit),
  );

  r.get(
    '/testing/tubes/pending',
    {
      config: { permission: 'testing.read' },
      schema: {
        tags: ['testing'],
        summary:
          'Tubes of my jurisdiction received by a lab and still without a result, oldest first, each with the time its result is due',
        querystring: z.object({
          lab_id: Id.optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
        }),
      },
    },
    async (req) => pendingTubes(db, scopeOf(principalOf(req)), req.query.lab_id, req.query.limit),
  );

  r.get(
    '/testing/rounds/:id/points',
    {
      config: { permission: 'testing.read' },
      schema: {
        tags: ['testing'],
        summary:
          'Sampling points of a round in my jurisdiction, each with its zone and how it samples (pool size)',
        params: z.object({ id: Id }),
      },
    },
    async (req) => {
      const round = await cachedRound(req.params.id);
      if (!round) throw notFound('round', req.params.id);
      return { items: await pointPools(db, round.id, round.policy, principalOf(req).jurisdiction) };
    },
  );

  r.get(
    '/testing/rounds/:id/coverage',
    {
      config: { permission: 'testing.read' },
      schema: {
        tags: ['testing'],
        summary:
          'Residents vs sampled vs resulted, and the four stages, per child area of ?area= (aggregates)',
        params: z.object({ id: Id }),
        querystring: z.object({ area: AreaCode }),
      },
    },
    async (req) => {
      const round = await getRound(db, req.params.id);
      if (!round) throw notFound('round', req.params.id);
      const scope = scopeOf(principalOf(req));
      const items = await roundCoverage(db, scope, round.id, req.query.area);
      const now = clock.now();
      return {
        round: {
          id: round.id,
          name: round.name,
          deadline_at: round.deadline_at,
          hours_left: (round.deadline_at.getTime() - now.getTime()) / 3600_000,
        },
        items: items.map((a) => ({ ...a, stages: stageClocks(round, a, now) })),
      };
    },
  );

  r.get(
    '/testing/rounds/:id/unsampled',
    {
      config: { permission: 'person.read' },
      schema: {
        tags: ['testing'],
        summary: 'The door-knocking list: residents of an area not yet sampled in the round, by household',
        params: z.object({ id: Id }),
        querystring: z.object({
          area: AreaCode.optional(),
          limit: z.coerce.number().int().min(1).max(2000).default(200),
        }),
      },
    },
    async (req) => {
      if (!(await getRound(db, req.params.id))) throw notFound('round', req.params.id);
      const principal = principalOf(req);
      const scope = narrow(scopeOf(principal), req.query.area);
      if (!scope) return { items: [] };
      const items = await unsampled(db, scope, req.params.id, req.query.limit);
      await recordRead(db, clock, principal, {
        action: 'person.list',
        subjectType: 'person',
        areaCode: scope.prefix || undefined,
        details: { list: 'unsampled', round_id: req.params.id, households: items.length },
      });
      return { items };
    },
  );

  r.get(
    '/testing/rounds/:id/unsampled/export',
    {
      config: { permission: 'person.read' },
      schema: {
        tags: ['testing'],
        summary:
          'The whole door-knocking list of an area as CSV or Excel: one row per resident not yet sampled, by household, in words',
        params: z.object({ id: Id }),
        querystring: z.object({
          area: AreaCode.optional(),
          format: z.enum(['csv', 'xlsx']).default('xlsx'),
          lang: z.enum(['zh', 'en']).default('zh'),
        }),
      },
    },
    async (req, reply) => {
      if (!(await getRound(db, req.params.id))) throw notFound('round', req.params.id);
      const principal = principalOf(req);
      const scope = narrowOrRefuse(scopeOf(principal), req.query.area);
      await recordRead(db, clock, principal, {
        action: 'person.exported',
        subjectType: 'person',
        areaCode: scope.prefix || undefined,
        details: { list: 'unsampled', round_id: req.params.id, export: req.query.format },
      });
      return sendExport(
        reply,
        db,
        unsampledExport(db, scope, req.params.id, clock.now()),
        req.query.format,
        req.query.lang,
      );
    },
  );

  r.post(
    '/testing/rounds/:id/scans',
    {
      config: { permission: 'testing.sample' },
      schema: {
        tags: ['testing'],
        summary: 'Upload a batch of scans (≤ 1,000); each has an idempotency key and gets its own answer',
        params: z.object({ id: Id }),
        body: z.object({ items: z.array(ScanItem).min(1).max(1000) }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const round = await cachedRound(req.params.id);
      if (!round) throw notFound('round', req.params.id);
      const sampler = `${p.kind}:${p.name}`;
      const pools = await cachedPools(round);
      const items = await scans.submit(
        round.id,
        round.policy.other,
        req.body.items.map((i) => ({
          key: i.key,
          tube: i.tube,
          personId: i.person_id,
          idNumber: i.id_number,
          pointId: i.point_id,
          scannedAt: i.scanned_at,
          poolSize: i.pool_size ?? pools.get(i.point_id),
          sampler,
          scopePrefix: p.jurisdiction,
        })),
      );
      return { items };
    },
  );

  r.post(
    '/testing/rounds/:id/scans/file',
    {
      config: { permission: 'testing.sample' },
      schema: {
        tags: ['testing'],
        summary:
          'Register a file of scans (CSV, TSV or XLSX, multipart field "file") in one transaction; each row is accepted, a duplicate or rejected with its line',
        consumes: ['multipart/form-data'],
        params: z.object({ id: Id }),
      },
    },
    async (req) =>
      withUploadedTable(req, async (path, fileName) => {
        const p = principalOf(req);
        const report = await importScanFile(db, clock, path, {
          roundId: req.params.id,
          fileName,
          uploader: `${p.kind}:${p.name}`,
          scopePrefix: p.jurisdiction,
        });
        await db.transaction((tx) =>
          appendAudit(tx, clock, p, {
            action: 'testing.scans_imported',
            subjectType: 'round',
            subjectId: req.params.id,
            areaCode: p.jurisdiction || undefined,
            details: {
              file: fileName,
              rows: report.rows,
              accepted: report.accepted,
              duplicates: report.duplicates,
              rejected: report.rejected,
            },
          }),
        );
        return report;
      }),
  );

  r.post(
    '/testing/tubes/close',
    {
      config: { permission: 'testing.sample' },
      schema: {
        tags: ['testing'],
        summary: 'Close open tubes by hand',
        body: z.object({ tubes: z.array(Barcode).min(1).max(1000) }),
      },
    },
    async (req) => ({
      items: await db.transaction((tx) =>
        closeTubes(tx, clock, req.body.tubes, principalOf(req).jurisdiction),
      ),
    }),
  );

  r.post(
    '/testing/boxes',
    {
      config: { permission: 'testing.sample' },
      schema: {
        tags: ['testing'],
        summary: 'Pack closed tubes into a transport box (created on first use)',
        body: z.object({
          round_id: z.number().int().positive(),
          box: Barcode,
          tubes: z.array(Barcode).min(1).max(2000),
        }),
      },
    },
    async (req) => {
      const res = await db.transaction((tx) =>
        packBox(tx, clock, {
          roundId: req.body.round_id,
          box: req.body.box,
          tubes: req.body.tubes,
          scopePrefix: principalOf(req).jurisdiction,
        }),
      );
      return { box: res.box.barcode, items: res.tubes };
    },
  );

  r.post(
    '/testing/boxes/:box/ship',
    {
      config: { permission: 'testing.sample' },
      schema: {
        tags: ['testing'],
        summary: 'The box leaves for the lab',
        params: z.object({ box: Barcode }),
      },
    },
    async (req) => db.transaction((tx) => shipBox(tx, clock, req.params.box, principalOf(req).jurisdiction)),
  );

  r.post(
    '/testing/boxes/:box/receive',
    {
      config: { permission: 'testing.lab' },
      schema: {
        tags: ['testing'],
        summary: 'The lab receives the box and its tubes',
        params: z.object({ box: Barcode }),
        body: z.object({ lab_id: z.number().int().positive() }),
      },
    },
    async (req) =>
      db.transaction((tx) =>
        receiveBox(tx, clock, req.params.box, req.body.lab_id, principalOf(req).jurisdiction),
      ),
  );

  r.post(
    '/testing/results',
    {
      config: { permission: 'testing.lab' },
      schema: {
        tags: ['testing'],
        summary: 'Record tube results (≤ 5,000); idempotent; a conflicting second result is kept and flagged',
        body: z.object({
          items: z
            .array(
              z.object({
                tube: Barcode,
                result: ResultValue,
                ct: z.record(z.string().max(20), z.number()).optional(),
                tested_at: Instant,
                lab_code: z.string().max(40).optional(),
              }),
            )
            .min(1)
            .max(5000),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const res = await ingestResults(
          tx,
          clock,
          req.body.items.map((i) => ({
            tube: i.tube,
            result: i.result,
            ct: i.ct,
            testedAt: i.tested_at,
            labCode: i.lab_code,
          })),
          'api',
          p.jurisdiction,
        );
        await appendAudit(tx, clock, p, {
          action: 'testing.results_recorded',
          subjectType: 'tube_results',
          areaCode: p.jurisdiction || undefined,
          details: { items: req.body.items.length, ...res.followUp },
        });
        return { items: res.outcomes, follow_up: res.followUp };
      });
    },
  );

  r.post(
    '/testing/results/fhir',
    {
      config: { permission: 'testing.lab' },
      bodyLimit: 64 * 1024 * 1024,
      schema: {
        tags: ['testing'],
        summary:
          'Record SARS-CoV-2 results from an HL7 FHIR R4 Bundle (message, document, transaction, batch or collection; application/json or application/fhir+json): PCR results per tube, antigen results per person; one unit, all or nothing; an OperationOutcome for FHIR clients (docs/FHIR.md)',
        body: z.unknown(),
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (mediaType !== 'application/json' && mediaType !== FHIR_JSON)
        throw new AppError(
          415,
          'unsupported_media_type',
          `a FHIR bundle is sent as ${FHIR_JSON} or application/json (UTF-8), not ${mediaType || 'without a content type'}`,
        );
      const fhirClient = wantsFhir(req.headers['content-type'], req.headers.accept);
      const parsed = parseFhirResults(req.body, fhirOptionsFromEnv());
      try {
        const report = await db.transaction(async (tx) => {
          const r = await ingestFhirBundle(tx, clock, parsed, p.jurisdiction);
          await appendAudit(tx, clock, p, {
            action: 'testing.results_recorded',
            subjectType: 'tube_results',
            areaCode: p.jurisdiction || undefined,
            details: {
              fhir: true,
              bundle_type: r.bundle_type,
              items: r.items.length,
              antigen: r.antigen.length,
              ...r.follow_up,
            },
          });
          return r;
        });
        if (fhirClient) return reply.type(FHIR_JSON).send(recordedOutcome(report));
        return report;
      } catch (e) {
        if (!(e instanceof FhirBundleRefused)) throw e;
        // The refused attempt is audited on its own (what was refused, not which tubes or people).
        await db.transaction((tx) =>
          appendAudit(tx, clock, p, {
            action: 'testing.results_refused',
            subjectType: 'tube_results',
            areaCode: p.jurisdiction || undefined,
            details: {
              fhir: true,
              problems: e.problems.length,
              codes: [...new Set(e.problems.map((x) => x.code))].slice(0, 20),
            },
          }),
        );
        if (fhirClient) return reply.status(422).type(FHIR_JSON).send(refusedOutcome(e.problems, e.warnings));
        return reply.status(422).send({
          error: { code: 'fhir_rejected', message: e.message, details: e.problems, warnings: e.warnings },
        });
      }
    },
  );

  r.post(
    '/testing/results/file',
    {
      config: { permission: 'testing.lab' },
      schema: {
        tags: ['testing'],
        summary:
          'Record tube results from a CSV or XLSX export (multipart field "file"); unreadable rows reject the file',
        consumes: ['multipart/form-data'],
      },
    },
    async (req) =>
      withUploadedTable(req, async (path, fileName) => {
        const p = principalOf(req);
        const report = await importResultsFile(db, clock, path, { fileName, scopePrefix: p.jurisdiction });
        await db.transaction((tx) =>
          appendAudit(tx, clock, p, {
            action: 'testing.results_recorded',
            subjectType: 'tube_results',
            areaCode: p.jurisdiction || undefined,
            details: { file: fileName, rows: report.rows, ...report.followUp },
          }),
        );
        return report;
      }),
  );

  r.post(
    '/testing/antigen',
    {
      config: { permission: 'testing.sample' },
      schema: {
        tags: ['testing'],
        summary:
          'Antigen self-test reports (抗原); a positive one creates a PCR confirmation task (抗原追阳)',
        body: z.object({
          items: z
            .array(
              z.object({
                key: Key,
                person_id: z.number().int().positive(),
                result: ResultValue,
                reported_at: Instant,
              }),
            )
            .min(1)
            .max(1000),
        }),
      },
    },
    async (req) => {
      const prefix = principalOf(req).jurisdiction;
      return db.transaction(async (tx) => {
        const outcomes = await recordAntigenReports(
          tx,
          clock,
          req.body.items.map((i) => ({
            key: i.key,
            personId: i.person_id,
            result: i.result,
            reportedAt: i.reported_at,
          })),
          prefix,
        );
        return { items: outcomes };
      });
    },
  );

  r.get(
    '/tasks',
    {
      config: { permission: 'task.read' },
      schema: {
        tags: ['testing'],
        summary: 'Open follow-up tasks in my jurisdiction or an area inside it, earliest deadline first',
        querystring: z.object({
          area: AreaCode.optional(),
          kind: z.string().max(40).optional(),
          status: z.enum(['open', 'done', 'cancelled']).default('open'),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
        }),
      },
    },
    async (req) => {
      const principal = principalOf(req);
      const scope = narrow(scopeOf(principal), req.query.area);
      if (!scope) return { items: [], total: 0 };
      const filter: TaskFilter = {
        status: req.query.status,
        kind: req.query.kind,
        prefix: scope.prefix,
        names: can(principal, 'person.read'),
      };
      const read = async (q: Queryable) => {
        const [items, total] = await Promise.all([
          listTasks(q, filter, { limit: req.query.limit }),
          countTasks(q, filter),
        ]);
        return { items, total };
      };
      if (!filter.names) return read(db);
      // Names of people in a list: an audited read, like every list of people.
      const out = await read(db);
      await recordRead(db, clock, principal, {
        action: 'person.list',
        subjectType: 'person',
        areaCode: scope.prefix || undefined,
        details: { list: 'tasks', status: req.query.status, tasks: out.items.length },
      });
      return out;
    },
  );

  r.get(
    '/tasks/export',
    {
      config: { permission: 'task.read' },
      schema: {
        tags: ['testing'],
        summary: 'All tasks of my jurisdiction (same filters) as CSV or Excel, in words, streamed',
        querystring: z.object({
          area: AreaCode.optional(),
          kind: z.string().max(40).optional(),
          status: z.enum(['open', 'done', 'cancelled']).default('open'),
          format: z.enum(['csv', 'xlsx']).default('xlsx'),
          lang: z.enum(['zh', 'en']).default('zh'),
        }),
      },
    },
    async (req, reply) => {
      const principal = principalOf(req);
      const scope = narrowOrRefuse(scopeOf(principal), req.query.area);
      const filter: TaskFilter = {
        status: req.query.status,
        kind: req.query.kind,
        prefix: scope.prefix,
        names: can(principal, 'person.read'),
      };
      await recordRead(db, clock, principal, {
        action: filter.names ? 'person.exported' : 'testing.tasks_exported',
        subjectType: filter.names ? 'person' : 'task',
        areaCode: scope.prefix || undefined,
        details: {
          list: 'tasks',
          export: req.query.format,
          status: req.query.status,
          kind: req.query.kind ?? null,
        },
      });
      return sendExport(reply, db, taskExport(db, filter), req.query.format, req.query.lang);
    },
  );

  r.post(
    '/tasks/:id/done',
    {
      config: { permission: 'task.complete' },
      schema: {
        tags: ['testing'],
        summary: 'Mark an open task in my jurisdiction done',
        params: z.object({ id: Id }),
        body: z.object({ note: z.string().max(500).optional() }).default({}),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const rows = await completeTasks(tx, clock, [req.params.id], {
          name: p.name,
          scopePrefix: p.jurisdiction,
          note: req.body.note,
        });
        const done = rows[0];
        if (!done) throw notFound('open task', req.params.id);
        // Who closed which task, and when: the responsibility list counts on it.
        await appendAudit(tx, clock, p, {
          action: 'task.completed',
          subjectType: 'task',
          subjectId: done.id,
          areaCode: done.area_code,
          details: { kind: done.kind, note: req.body.note !== undefined },
        });
        return { id: done.id, status: 'done' };
      });
    },
  );
};

/** A FHIR client: it sent `application/fhir+json` or asks for it (an OperationOutcome answers it). */
function wantsFhir(contentType: string | undefined, accept: string | undefined): boolean {
  return (contentType ?? '').startsWith(FHIR_JSON) || (accept ?? '').includes(FHIR_JSON);
}
