/**
 * HTTP API of forces (力量调配): `forces.read` sees workers, support teams, the day's demand, the roster board,
 * closed loops with their test schedule and the figures; `forces.plan` registers workers and teams, proposes,
 * edits and confirms rosters, sets up loops and records workers' tests. Every write is audited in its transaction
 * and scoped to the caller's jurisdiction; reads naming workers are audited as `person.list`. docs/FORCES.md.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { SHIFTS, SKILLS } from '../../domain/roster-proposer.ts';
import { AreaCode } from '../../lib/area-code.ts';
import { Instant, PlausibleDate } from '../../lib/instant.ts';
import { principalOf } from '../../server/auth.ts';
import { appendAudit, auditPeopleListed } from '../access/audit.ts';
import { narrowOrRefuse, scopeOf } from '../access/scope.ts';
import { dayDemand } from './demand.ts';
import { forcesFigures } from './figures.ts';
import { createLoop, joinLoop, loopSchedule, recordLoopTest } from './loops.ts';
import { addShift, confirmRoster, proposeAreaRoster, removeShift, rosterBoard } from './rosters.ts';
import {
  createTeam,
  createWorker,
  listTeams,
  listWorkers,
  setWorkerStatus,
  WORKER_STATUSES,
} from './workers.ts';

const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** A real calendar day (YYYY-MM-DD, 2019-12 to 2099): "2091-88-03" is refused with 400, not a 500. */
const Day = PlausibleDate;
const Skill = z.enum(SKILLS);
const ShiftCode = z.enum(SHIFTS.map((s) => s.code) as ['night', 'day', 'evening']);
const Text = (max: number) => z.string().trim().min(1).max(max);

const beijingToday = (now: Date) => new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);

export const forcesRoutes: FastifyPluginAsync<{ db: Db; clock: Clock }> = async (app, { db, clock }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/forces/workers',
    {
      config: { permission: 'forces.read' },
      schema: {
        tags: ['forces'],
        summary:
          'Workers of my jurisdiction (role, skills, base area, team, loop, status), with the total for the filters; by name prefix (q), or only those a loop can take now (available, not_loop)',
        querystring: z.object({
          role: Skill.optional(),
          skill: Skill.optional(),
          status: z.enum(WORKER_STATUSES).optional(),
          team_id: Id.optional(),
          loop_id: Id.optional(),
          area: AreaCode.optional(),
          q: z.string().trim().min(1).max(50).optional(),
          available: z.enum(['true']).optional(),
          not_loop: Id.optional(),
          limit: z.coerce.number().int().min(1).max(2000).default(500),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const q = req.query;
      const scope = narrowOrRefuse(scopeOf(p), q.area);
      if (!scope) return { items: [], total: 0 };
      const out = await listWorkers(
        db,
        scope,
        {
          role: q.role,
          skill: q.skill,
          status: q.status,
          teamId: q.team_id,
          loopId: q.loop_id,
          q: q.q,
          available: q.available === 'true',
          notLoop: q.not_loop,
        },
        q.limit,
      );
      await auditPeopleListed(db, clock, p, {
        list: 'workers',
        subjectType: 'worker',
        areaCode: scope.prefix,
        count: out.items.length,
      });
      return out;
    },
  );

  r.post(
    '/forces/workers',
    {
      config: { permission: 'forces.plan' },
      schema: {
        tags: ['forces'],
        summary:
          'Register a worker based in an area of my jurisdiction, with role and skills, maybe a person of the registry and a support team; idempotent by key',
        body: z.object({
          key: z.string().min(8).max(64),
          name: Text(50),
          role: Skill,
          skills: z.array(Skill).max(7).default([]),
          area_code: AreaCode,
          person_id: Id.optional(),
          team_id: Id.optional(),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const b = req.body;
      return db.transaction(async (tx) => {
        const out = await createWorker(
          tx,
          clock,
          {
            key: b.key,
            name: b.name,
            role: b.role,
            skills: b.skills,
            areaCode: b.area_code,
            personId: b.person_id,
            teamId: b.team_id,
          },
          p.name,
          scopeOf(p),
        );
        if (!out.duplicate)
          await appendAudit(tx, clock, p, {
            action: 'forces.worker_registered',
            subjectType: 'worker',
            subjectId: out.worker.id,
            areaCode: out.worker.area_code,
            details: { role: out.worker.role, team_id: out.worker.team_id, person_id: out.worker.person_id },
          });
        return out;
      });
    },
  );

  r.post(
    '/forces/workers/:id/status',
    {
      config: { permission: 'forces.plan' },
      schema: {
        tags: ['forces'],
        summary:
          'Set a worker’s status: on duty, resting, in quarantine, left (quarantined or left: no more shifts)',
        params: z.object({ id: Id }),
        body: z.object({ status: z.enum(WORKER_STATUSES) }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const { before, after } = await setWorkerStatus(
          tx,
          clock,
          req.params.id,
          req.body.status,
          scopeOf(p),
        );
        if (before.status !== after.status)
          await appendAudit(tx, clock, p, {
            action: 'forces.worker_status',
            subjectType: 'worker',
            subjectId: after.id,
            areaCode: after.area_code,
            details: { status: [before.status, after.status] },
          });
        return after;
      });
    },
  );

  r.get(
    '/forces/teams',
    {
      config: { permission: 'forces.read' },
      schema: { tags: ['forces'], summary: 'Support teams (外地支援队) working in my jurisdiction' },
    },
    async (req) => ({ items: await listTeams(db, scopeOf(principalOf(req))) }),
  );

  r.post(
    '/forces/teams',
    {
      config: { permission: 'forces.plan' },
      schema: {
        tags: ['forces'],
        summary:
          'Record a support team from another city: where it works, its size, arrival and leaving days',
        body: z.object({
          name: Text(100),
          origin_city: Text(50),
          area_code: AreaCode,
          size: z.number().int().min(1).max(100_000),
          arrives_on: Day,
          leaves_on: Day,
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const b = req.body;
      return db.transaction(async (tx) => {
        const t = await createTeam(
          tx,
          clock,
          {
            name: b.name,
            originCity: b.origin_city,
            areaCode: b.area_code,
            size: b.size,
            arrivesOn: b.arrives_on,
            leavesOn: b.leaves_on,
          },
          p.name,
          scopeOf(p),
        );
        await appendAudit(tx, clock, p, {
          action: 'forces.team_created',
          subjectType: 'support_team',
          subjectId: t.id,
          areaCode: t.area_code,
          details: {
            size: t.size,
            origin_city: t.origin_city,
            arrives_on: t.arrives_on,
            leaves_on: t.leaves_on,
          },
        });
        return t;
      });
    },
  );

  r.get(
    '/forces/demand',
    {
      config: { permission: 'forces.read' },
      schema: {
        tags: ['forces'],
        summary:
          'The day’s demand for people in an area of my jurisdiction (today by default), per street, skill and shift, with its source',
        querystring: z.object({ area: AreaCode.optional(), day: Day.optional() }),
      },
    },
    async (req) => {
      const scope = narrowOrRefuse(scopeOf(principalOf(req)), req.query.area);
      const day = req.query.day ?? beijingToday(clock.now());
      if (!scope) return { day, items: [] };
      const items = await dayDemand(db, scope.prefix, day);
      return {
        day,
        items: items.map((d) => ({
          area_code: d.area,
          skill: d.skill,
          shift: d.shift,
          need: d.need,
          source: d.source,
          starts_at: new Date(d.starts).toISOString(),
          ends_at: new Date(d.ends).toISOString(),
        })),
      };
    },
  );

  r.get(
    '/forces/board',
    {
      config: { permission: 'forces.read' },
      schema: {
        tags: ['forces'],
        summary:
          'The roster board of a day (today by default): my jurisdiction’s rosters, coverage per area, skill and shift (demand, assigned, short and why), and who works where',
        querystring: z.object({ day: Day.optional(), area: AreaCode.optional() }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const day = req.query.day ?? beijingToday(clock.now());
      const scope = narrowOrRefuse(scopeOf(p), req.query.area);
      if (!scope) return { day, rosters: [] };
      const rosters = await rosterBoard(db, scope, day);
      const n = rosters.reduce((a, x) => a + x.shifts.length, 0);
      await auditPeopleListed(db, clock, p, {
        list: 'roster_board',
        subjectType: 'roster',
        areaCode: scope.prefix,
        count: n,
      });
      return { day, rosters };
    },
  );

  r.post(
    '/forces/rosters',
    {
      config: { permission: 'forces.plan' },
      schema: {
        tags: ['forces'],
        summary:
          'Propose a roster for an area of my jurisdiction and a day from the day’s demand: a draft for a person to confirm, with its shortfalls',
        body: z.object({
          area_code: AreaCode,
          day: Day,
          rules: z
            .object({
              max_hours_in_24: z.number().int().min(4).max(24),
              min_rest_hours: z.number().int().min(0).max(24),
              rest_day_every: z.number().int().min(2).max(31),
            })
            .optional(),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const b = req.body;
      return db.transaction(async (tx) => {
        const roster = await proposeAreaRoster(
          tx,
          clock,
          {
            areaCode: b.area_code,
            day: b.day,
            rules: b.rules && {
              maxHoursIn24: b.rules.max_hours_in_24,
              minRestHours: b.rules.min_rest_hours,
              restDayEvery: b.rules.rest_day_every,
            },
          },
          p.name,
          scopeOf(p),
        );
        await appendAudit(tx, clock, p, {
          action: 'forces.roster_proposed',
          subjectType: 'roster',
          subjectId: roster.id,
          areaCode: roster.area_code,
          details: { day: roster.day, rules: roster.rules },
        });
        const [board] = await rosterBoard(tx, { prefix: roster.area_code }, roster.day).then((all) =>
          all.filter((x) => x.id === roster.id),
        );
        return board;
      });
    },
  );

  r.post(
    '/forces/rosters/:id/confirm',
    {
      config: { permission: 'forces.plan' },
      schema: {
        tags: ['forces'],
        summary:
          'Confirm a roster of my jurisdiction (or the replacements proposed on it): 409 worker_double_booked / rest_rule_broken and nothing written when the plan breaks a rule',
        params: z.object({ id: Id }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const out = await confirmRoster(tx, clock, req.params.id, p.name, scopeOf(p));
        if (!out.already)
          await appendAudit(tx, clock, p, {
            action: 'forces.roster_confirmed',
            subjectType: 'roster',
            subjectId: out.roster.id,
            areaCode: out.roster.area_code,
            details: { day: out.roster.day, shifts: out.confirmed },
          });
        const { demand: _d, ...roster } = out.roster;
        return { already: out.already, confirmed: out.confirmed, roster };
      });
    },
  );

  r.post(
    '/forces/rosters/:id/shifts',
    {
      config: { permission: 'forces.plan' },
      schema: {
        tags: ['forces'],
        summary:
          'Put a worker on a shift of a roster by hand, checked like a confirmation (409 on a broken rule)',
        params: z.object({ id: Id }),
        body: z.object({ worker_id: Id, area_code: AreaCode, skill: Skill, shift: ShiftCode }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const b = req.body;
      return db.transaction(async (tx) => {
        const out = await addShift(
          tx,
          clock,
          req.params.id,
          { workerId: b.worker_id, areaCode: b.area_code, skill: b.skill, shift: b.shift },
          scopeOf(p),
        );
        await appendAudit(tx, clock, p, {
          action: 'forces.shift_added',
          subjectType: 'roster',
          subjectId: out.roster.id,
          areaCode: out.roster.area_code,
          details: { shift_id: out.shift_id, worker_id: b.worker_id, skill: b.skill, shift: b.shift },
        });
        return { shift_id: out.shift_id, roster_id: out.roster.id, status: out.roster.status };
      });
    },
  );

  r.post(
    '/forces/rosters/:id/shifts/:shift/remove',
    {
      config: { permission: 'forces.plan' },
      schema: {
        tags: ['forces'],
        summary: 'Take a worker off a shift of a roster, with the reason (the slot may become short)',
        params: z.object({ id: Id, shift: Id }),
        body: z.object({ reason: z.string().trim().min(2).max(200) }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const out = await removeShift(
          tx,
          clock,
          req.params.id,
          req.params.shift,
          req.body.reason,
          scopeOf(p),
        );
        if (!out.already)
          await appendAudit(tx, clock, p, {
            action: 'forces.shift_removed',
            subjectType: 'roster',
            subjectId: out.roster.id,
            areaCode: out.roster.area_code,
            details: { shift_id: req.params.shift, worker_id: out.worker_id },
            reason: req.body.reason,
          });
        return { already: out.already, roster_id: out.roster.id };
      });
    },
  );

  r.get(
    '/forces/loops',
    {
      config: { permission: 'forces.read' },
      schema: {
        tags: ['forces'],
        summary:
          'Closed loops of my jurisdiction (lodging, post, transport) with their workers’ test schedule of a day: met, gap, pending',
        querystring: z.object({ day: Day.optional() }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const day = req.query.day ?? beijingToday(clock.now());
      const items = await loopSchedule(db, scopeOf(p), day, clock.now());
      const n = items.reduce((a, l) => a + l.schedule.length, 0);
      await auditPeopleListed(db, clock, p, {
        list: 'loop_schedule',
        subjectType: 'closed_loop',
        areaCode: p.jurisdiction,
        count: n,
      });
      return { day, items };
    },
  );

  r.post(
    '/forces/loops',
    {
      config: { permission: 'forces.plan' },
      schema: {
        tags: ['forces'],
        summary:
          'Set up a closed loop (闭环) of a post in my jurisdiction: lodging, post, transport, the hour its daily test is due',
        body: z.object({
          name: Text(100),
          area_code: AreaCode,
          site_id: Id.optional(),
          lodging: Text(200),
          post: Text(200),
          transport: Text(200),
          test_hour: z.number().int().min(0).max(23).default(10),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const b = req.body;
      return db.transaction(async (tx) => {
        const l = await createLoop(
          tx,
          clock,
          {
            name: b.name,
            areaCode: b.area_code,
            siteId: b.site_id,
            lodging: b.lodging,
            post: b.post,
            transport: b.transport,
            testHour: b.test_hour,
          },
          p.name,
          scopeOf(p),
        );
        await appendAudit(tx, clock, p, {
          action: 'forces.loop_created',
          subjectType: 'closed_loop',
          subjectId: l.id,
          areaCode: l.area_code,
          details: { site_id: l.site_id, test_hour: l.test_hour },
        });
        return l;
      });
    },
  );

  r.post(
    '/forces/loops/:id/workers',
    {
      config: { permission: 'forces.plan' },
      schema: {
        tags: ['forces'],
        summary: 'Put workers of my jurisdiction into a closed loop (all or none); their daily tests start',
        params: z.object({ id: Id }),
        body: z.object({
          worker_ids: z.array(Id).min(1).max(500),
          joined_at: Instant.optional().describe(
            'when they entered the loop, if earlier than now (recorded after the fact, up to 72 hours back)',
          ),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const out = await joinLoop(
          tx,
          clock,
          req.params.id,
          req.body.worker_ids,
          scopeOf(p),
          req.body.joined_at,
        );
        if (out.joined.length > 0)
          await appendAudit(tx, clock, p, {
            action: 'forces.loop_joined',
            subjectType: 'closed_loop',
            subjectId: out.loop.id,
            areaCode: out.loop.area_code,
            details: { workers: out.joined, joined_at: req.body.joined_at?.toISOString() ?? null },
          });
        return { loop_id: out.loop.id, joined: out.joined, already: out.already };
      });
    },
  );

  r.post(
    '/forces/tests',
    {
      config: { permission: 'forces.plan' },
      schema: {
        tags: ['forces'],
        summary:
          'Record a worker’s test (idempotent by key). Positive: the worker becomes a case, the loop is traced, the worker is quarantined and replaced on the rosters',
        body: z.object({
          key: z.string().min(8).max(64),
          worker_id: Id,
          taken_at: z.coerce.date(),
          result: z.enum(['negative', 'positive']),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const b = req.body;
      return db.transaction(async (tx) => {
        const out = await recordLoopTest(
          tx,
          clock,
          { key: b.key, workerId: b.worker_id, takenAt: b.taken_at, result: b.result },
          p.name,
          scopeOf(p),
        );
        if (!out.duplicate) {
          const area = (
            await tx.query<{ area_code: string }>('SELECT area_code FROM workers WHERE id = $1', [
              out.worker_id,
            ])
          ).rows[0]?.area_code;
          await appendAudit(tx, clock, p, {
            action: 'forces.test_recorded',
            subjectType: 'worker',
            subjectId: out.worker_id,
            areaCode: area,
            details: {
              result: out.result,
              case_id: out.case_id,
              contacts: out.contacts,
              removed_shifts: out.removed_shifts,
              replacements: out.replacements,
            },
          });
        }
        return out;
      });
    },
  );

  r.get(
    '/forces/figures',
    {
      config: { permission: 'forces.read' },
      schema: {
        tags: ['forces'],
        summary:
          'The module’s figures for a day of my jurisdiction (the dashboard’s and the daily report’s definitions)',
        querystring: z.object({ day: Day.optional() }),
      },
    },
    async (req) => {
      const now = clock.now();
      const day = req.query.day ?? beijingToday(now);
      const from = new Date(`${day}T00:00:00+08:00`);
      const to = new Date(from.getTime() + 86_400_000);
      return { day, figures: await forcesFigures(db, scopeOf(principalOf(req)), from, to, now) };
    },
  );
};
