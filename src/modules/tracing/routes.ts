/** HTTP API of tracing: cases, contacts with provenance, feeds, manual investigation, chains, and a run now. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { type ContactLevel, TracingRulesSchema } from '../../domain/contact-rules.ts';
import { AreaCode } from '../../lib/area-code.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { Instant, PlausibleDate, refuseFuture, refuseFutureDate } from '../../lib/instant.ts';
import { principalOf } from '../../server/auth.ts';
import { sendExport } from '../../server/list-export.ts';
import { appendAudit, recordRead } from '../access/audit.ts';
import { narrowOrRefuse, personsInScope, scopeCondition, scopeOf } from '../access/scope.ts';
import { riskJoin, riskOf } from '../registry/risk.ts';
import { caseExport, countCases, listCases } from './case-list.ts';
import { chains, chainsCsv } from './chains.ts';
import { countGeneralContacts, generalContactExport, generalContacts } from './general-contacts.ts';
import { ingestCheckins, ingestColocations } from './ingest.ts';
import { currentRulesVersion, currentTracingRules, setTracingRules } from './rules.ts';
import { runTracing } from './run-tracing.ts';
import { type CaseRow, classifyCase, createCase, SEVERITIES, traceCase } from './trace-case.ts';

export interface TracingDeps {
  db: Db;
  clock: Clock;
}

const Id = z.coerce.number().int().positive();

/** A contact of a case as GET /tracing/cases/:id/contacts lists it: who, how strongly, from which source, when, where. */
export interface CaseContactRow {
  person_id: number;
  area_code: string;
  risk_status: string;
  level: ContactLevel;
  source: 'household' | 'building_floor' | 'venue' | 'colocation' | 'manual';
  /** The close contact a secondary contact met. */
  via_person_id: number | null;
  exposure_at: Date;
  place: string | null;
  found_at: Date;
}

export const tracingRoutes: FastifyPluginAsync<TracingDeps> = async (app, { db, clock }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  async function caseInScope(id: number, prefix: string): Promise<CaseRow> {
    const { rows } = await db.query<CaseRow>(
      'SELECT * FROM cases WHERE id = $1 AND starts_with(area_code, $2)',
      [id, prefix],
    );
    if (!rows[0]) throw notFound('case', id);
    return rows[0];
  }

  r.get(
    '/tracing/cases',
    {
      config: { permission: 'tracing.read' },
      schema: {
        tags: ['tracing'],
        summary: 'Cases in my jurisdiction (or an area inside it), newest first, with their contact counts',
        querystring: z.object({
          area: AreaCode.optional(),
          after: z.coerce.number().int().min(0).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
    },
    async (req) => {
      const scope = narrowOrRefuse(scopeOf(principalOf(req)), req.query.area);
      if (!scope) return { items: [], total: 0 };
      const [items, total] = await Promise.all([
        listCases(db, scope, { before: req.query.after ?? null, limit: req.query.limit }),
        req.query.after === undefined ? countCases(db, scope) : Promise.resolve(undefined),
      ]);
      return { items, total };
    },
  );

  r.get(
    '/tracing/cases/export',
    {
      config: { permission: 'tracing.read' },
      schema: {
        tags: ['tracing'],
        summary: 'All cases of my jurisdiction (or an area inside it) as CSV or Excel, in words, streamed',
        querystring: z.object({
          area: AreaCode.optional(),
          format: z.enum(['csv', 'xlsx']).default('xlsx'),
          lang: z.enum(['zh', 'en']).default('zh'),
        }),
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const scope = narrowOrRefuse(scopeOf(p), req.query.area);
      await recordRead(db, clock, p, {
        action: 'tracing.cases_exported',
        subjectType: 'case',
        areaCode: req.query.area ?? (p.jurisdiction || undefined),
        details: { format: req.query.format, area: req.query.area ?? null },
      });
      return sendExport(reply, db, caseExport(db, scope), req.query.format, req.query.lang);
    },
  );

  r.post(
    '/tracing/cases',
    {
      config: { permission: 'tracing.manage' },
      schema: {
        tags: ['tracing'],
        summary:
          'Record a case by hand (positives from testing become cases by themselves); a second time answers 409',
        body: z.object({
          person_id: z.number().int().positive(),
          first_positive_at: Instant,
          onset_date: PlausibleDate.optional(),
          severity: z.enum(SEVERITIES).optional(),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      refuseFuture(clock.now(), req.body.first_positive_at, 'first_positive_at');
      refuseFutureDate(clock.now(), req.body.onset_date, 'onset_date');
      return db.transaction(async (tx) => {
        if (!(await personsInScope(tx, [req.body.person_id], scopeOf(p))).has(req.body.person_id))
          throw notFound('person', req.body.person_id);
        const res = await createCase(tx, clock, {
          personId: req.body.person_id,
          firstPositiveAt: req.body.first_positive_at,
          onsetDate: req.body.onset_date,
          severity: req.body.severity,
        });
        if (!res.created)
          throw new AppError(
            409,
            'already_a_case',
            `person ${req.body.person_id} is already case ${res.case.case_no}`,
          );
        const traced = await traceCase(tx, clock, res.case.id, await currentTracingRules(tx));
        await appendAudit(tx, clock, p, {
          action: 'tracing.case_created',
          subjectType: 'case',
          subjectId: res.case.id,
          areaCode: res.case.area_code,
        });
        return { ...res.case, trace: traced };
      });
    },
  );

  r.post(
    '/tracing/cases/:id/classify',
    {
      config: { permission: 'tracing.manage' },
      schema: {
        tags: ['tracing'],
        summary:
          'Set severity, onset date or outcome; asymptomatic → a symptomatic class is recorded as 转确诊',
        params: z.object({ id: Id }),
        body: z.object({
          severity: z.enum(SEVERITIES).optional(),
          onset_date: PlausibleDate.optional(),
          outcome: z.enum(['recovered', 'died', 'transferred_out']).optional(),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      refuseFutureDate(clock.now(), req.body.onset_date, 'onset_date');
      const c = await caseInScope(req.params.id, p.jurisdiction);
      return db.transaction(async (tx) => {
        const { after, reclassified } = await classifyCase(tx, clock, c.id, {
          severity: req.body.severity,
          onsetDate: req.body.onset_date,
          outcome: req.body.outcome,
        });
        await appendAudit(tx, clock, p, {
          action: 'tracing.case_classified',
          subjectType: 'case',
          subjectId: c.id,
          areaCode: c.area_code,
          details: { ...req.body, reclassified },
        });
        return after;
      });
    },
  );

  r.get(
    '/tracing/cases/:id/contacts',
    {
      config: { permission: 'tracing.read' },
      schema: {
        tags: ['tracing'],
        summary:
          'Contacts of a case with provenance (which source, through whom, when, where), within my jurisdiction',
        params: z.object({ id: Id }),
      },
    },
    async (req) => {
      const principal = principalOf(req);
      const c = await caseInScope(req.params.id, principal.jurisdiction);
      const params: unknown[] = [c.id];
      const { rows } = await db.query<CaseContactRow>(
        `SELECT l.person_id, p.area_code, ${riskOf('p')} AS risk_status, l.level, l.source, l.via_person_id, l.exposure_at, l.place, l.found_at
           FROM contact_links l JOIN persons p ON p.id = l.person_id ${riskJoin('p')}
          WHERE l.case_id = $1 AND ${scopeCondition('p.area_code', scopeOf(principal), params)}
          ORDER BY CASE l.level WHEN 'close' THEN 1 WHEN 'secondary' THEN 2 ELSE 3 END, l.person_id, l.source`,
        params,
      );
      await recordRead(db, clock, principal, {
        action: 'person.list',
        subjectType: 'case',
        subjectId: c.id,
        areaCode: c.area_code,
        details: { list: 'contacts', count: rows.length },
      });
      return { case: { id: c.id, case_no: c.case_no }, items: rows };
    },
  );

  r.post(
    '/tracing/cases/:id/exposures',
    {
      config: { permission: 'tracing.manage' },
      schema: {
        tags: ['tracing'],
        summary:
          'Record what the investigation found (workplace, shared meal, transport, care) and trace again; every person named must be of my jurisdiction (404 otherwise, nothing recorded)',
        params: z.object({ id: Id }),
        body: z.object({
          items: z
            .array(
              z.object({
                person_id: z.number().int().positive(),
                kind: z.enum(['workplace', 'meal', 'transport', 'care', 'other']),
                level: z.enum(['close', 'general']).default('close'),
                starts_at: Instant,
                ends_at: Instant,
                place: z.string().max(200).optional(),
              }),
            )
            .min(1)
            .max(500),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const c = await caseInScope(req.params.id, p.jurisdiction);
      for (const [i, e] of req.body.items.entries()) {
        if (e.ends_at < e.starts_at)
          throw new AppError(400, 'interval_invalid', `items[${i}]: ends_at is before starts_at`);
        if (e.person_id === c.person_id)
          throw new AppError(400, 'self_contact', `items[${i}]: a case is not its own contact`);
        refuseFuture(clock.now(), e.starts_at, `items[${i}].starts_at`);
      }
      return db.transaction(async (tx) => {
        // Every person named must be of the jurisdiction; otherwise nothing is recorded, and the answer is the
        // one for people who do not exist at all.
        const named = req.body.items.map((i) => i.person_id);
        const known = await personsInScope(tx, named, scopeOf(p));
        const missing = [...new Set(named.filter((id) => !known.has(id)))];
        if (missing.length > 0)
          throw new AppError(404, 'not_found', `person(s) ${missing.join(', ')} not found`, {
            person_ids: missing,
          });
        const now = clock.now();
        for (const e of req.body.items) {
          await tx.query(
            `INSERT INTO manual_exposures (case_id, person_id, kind, level, starts_at, ends_at, place, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
            [c.id, e.person_id, e.kind, e.level, e.starts_at, e.ends_at, e.place ?? null, p.name, now],
          );
        }
        const trace = await traceCase(tx, clock, c.id, await currentTracingRules(tx));
        await appendAudit(tx, clock, p, {
          action: 'tracing.exposures_recorded',
          subjectType: 'case',
          subjectId: c.id,
          areaCode: c.area_code,
          details: { items: req.body.items.length },
        });
        return trace;
      });
    },
  );

  r.post(
    '/tracing/checkins',
    {
      config: { permission: 'tracing.ingest' },
      schema: {
        tags: ['tracing'],
        summary:
          'Venue check-in feed (场所码), ≤ 5,000 per request; resends never double count; people outside my jurisdiction are unknown',
        body: z.object({
          items: z
            .array(
              z.object({
                person_id: z.number().int().positive(),
                venue_code: z.string().min(1).max(40),
                at: Instant,
              }),
            )
            .min(1)
            .max(5000),
        }),
      },
    },
    async (req) => ({
      items: await db.transaction((tx) =>
        ingestCheckins(
          tx,
          clock,
          req.body.items.map((i) => ({ personId: i.person_id, venueCode: i.venue_code, at: i.at })),
          scopeOf(principalOf(req)),
        ),
      ),
    }),
  );

  r.post(
    '/tracing/colocations',
    {
      config: { permission: 'tracing.ingest' },
      schema: {
        tags: ['tracing'],
        summary:
          'Co-location feed (时空伴随): person, cell, interval; ≤ 5,000 per request; people outside my jurisdiction are unknown',
        body: z.object({
          items: z
            .array(
              z.object({
                person_id: z.number().int().positive(),
                cell_id: z.string().min(1).max(40),
                starts_at: Instant,
                ends_at: Instant,
              }),
            )
            .min(1)
            .max(5000),
        }),
      },
    },
    async (req) => ({
      items: await db.transaction((tx) =>
        ingestColocations(
          tx,
          clock,
          req.body.items.map((i) => ({
            personId: i.person_id,
            cellId: i.cell_id,
            startsAt: i.starts_at,
            endsAt: i.ends_at,
          })),
          scopeOf(principalOf(req)),
        ),
      ),
    }),
  );

  r.post(
    '/tracing/run',
    {
      config: { permission: 'tracing.manage' },
      schema: {
        tags: ['tracing'],
        summary:
          'Turn new positives into cases and trace untraced cases now (the server also does it every few seconds)',
      },
    },
    async () => {
      const run = await runTracing(db, clock);
      return { cases_created: run.casesCreated, traced: run.traced };
    },
  );

  r.get(
    '/tracing/chains',
    {
      config: { permission: 'tracing.read' },
      schema: {
        tags: ['tracing'],
        summary: 'Clusters and transmission trees of the cases in my jurisdiction, as JSON or CSV',
        querystring: z.object({ format: z.enum(['json', 'csv']).default('json') }),
      },
    },
    async (req, reply) => {
      const clusters = await chains(db, scopeOf(principalOf(req)));
      if (req.query.format === 'csv')
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="chains.csv"')
          .send(chainsCsv(clusters));
      return { clusters };
    },
  );

  r.get(
    '/tracing/rules',
    {
      config: { permission: 'tracing.read' },
      schema: {
        tags: ['tracing'],
        summary:
          'The contact rules in force (look-back window, per source and kind of venue), with who set them and why',
      },
    },
    async () => currentRulesVersion(db),
  );

  r.put(
    '/tracing/rules',
    {
      config: { permission: 'tracing.rules' },
      schema: {
        tags: ['tracing'],
        summary:
          'Change the contact rules city-wide; cases traced from now on use them (history kept, audited)',
        body: z.object({ rules: TracingRulesSchema.strict(), reason: z.string().trim().min(4).max(500) }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      if (p.jurisdiction.length > 4)
        throw new AppError(
          403,
          'jurisdiction_too_narrow',
          'contact rules apply to the whole city: ask a commander whose jurisdiction is the city or the province',
        );
      return db.transaction(async (tx) => {
        const v = await setTracingRules(tx, req.body.rules, {
          userId: p.kind === 'user' ? p.id : null,
          at: clock.now(),
          reason: req.body.reason,
        });
        await appendAudit(tx, clock, p, {
          action: 'tracing.rules_changed',
          subjectType: 'tracing_rules',
          subjectId: v.id ?? 0,
          areaCode: p.jurisdiction,
          details: { rules: req.body.rules, reason: req.body.reason },
        });
        return v;
      });
    },
  );

  r.get(
    '/tracing/general-contacts',
    {
      config: { permission: 'tracing.read' },
      schema: {
        tags: ['tracing'],
        summary:
          'General contacts (kept apart from risk persons: health monitoring, no isolation), one row per person with their cases and sources; the first page says how many',
        querystring: z.object({
          area: AreaCode.optional(),
          after: z.coerce.number().int().min(0).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
        }),
      },
    },
    async (req) => {
      const scope = narrowOrRefuse(scopeOf(principalOf(req)), req.query.area);
      if (!scope) return { items: [], next_after: null, total: 0, total_more: false };
      const principal = principalOf(req);
      const rows = await generalContacts(db, scope, { after: req.query.after, limit: req.query.limit });
      // The first page carries the list's size (exact to 10,000), as the people list does.
      const count =
        req.query.after !== undefined
          ? null
          : rows.length < req.query.limit
            ? { total: rows.length, more: false }
            : await countGeneralContacts(db, scope);
      await recordRead(db, clock, principal, {
        action: 'person.list',
        subjectType: 'area',
        subjectId: 0,
        areaCode: scope.prefix,
        details: { list: 'general_contacts', count: rows.length },
      });
      const last = rows.at(-1);
      return {
        items: rows,
        next_after: rows.length === req.query.limit && last ? last.person_id : null,
        total: count?.total ?? null,
        total_more: count?.more ?? null,
      };
    },
  );

  r.get(
    '/tracing/general-contacts/export',
    {
      config: { permission: 'tracing.read' },
      schema: {
        tags: ['tracing'],
        summary: 'All general contacts of the list (same area) as CSV or Excel, in words, streamed',
        querystring: z.object({
          area: AreaCode.optional(),
          format: z.enum(['csv', 'xlsx']).default('xlsx'),
          lang: z.enum(['zh', 'en']).default('zh'),
        }),
      },
    },
    async (req, reply) => {
      const principal = principalOf(req);
      const scope = narrowOrRefuse(scopeOf(principal), req.query.area);
      const names = principal.permissions.has('person.read');
      await recordRead(db, clock, principal, {
        action: names ? 'person.exported' : 'tracing.general_contacts_exported',
        subjectType: 'area',
        subjectId: 0,
        areaCode: scope.prefix || undefined,
        details: { list: 'general_contacts', export: req.query.format },
      });
      return sendExport(reply, db, generalContactExport(db, scope, names), req.query.format, req.query.lang);
    },
  );
};
