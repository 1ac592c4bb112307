/**
 * HTTP API of passes (通行证) and checkpoints (卡口): issuers (`pass.issue`) issue, list and revoke passes and set up
 * checkpoints in their jurisdiction; checkers (`pass.check`) record checks at their checkpoints and fetch what a
 * phone needs to check offline: the public keys and the revocation list. docs/PASSES.md has the whole design.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AreaCode } from '../../lib/area-code.ts';
import { Instant } from '../../lib/instant.ts';
import { principalOf } from '../../server/auth.ts';
import { appendAudit, auditPeopleListed, recordRead } from '../access/audit.ts';
import { narrowOrRefuse, scopeOf } from '../access/scope.ts';
import { createCheckpoint, listCheckpoints } from './checkpoints.ts';
import { recordCheck } from './checks.ts';
import { issuePass, revokePass } from './issue.ts';
import { publicKeys } from './keys.ts';
import { countPasses, getPass, listPasses, presentPass, revocations, suspects } from './pass-list.ts';
import { MAX_PASS_AREAS, PASS_KINDS } from './token-format.ts';
import { PASS_STATUSES, VERDICTS } from './verdict.ts';

const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const Text = (max: number) => z.string().trim().min(1).max(max);

export const passRoutes: FastifyPluginAsync<{ db: Db; clock: Clock }> = async (app, { db, clock }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/passes',
    {
      config: { permission: 'pass.issue' },
      schema: {
        tags: ['passes'],
        summary:
          'Issue a pass (通行证) for a vehicle or a person, for areas of my jurisdiction (or a route through them), at most 7 days; answers its signed QR token',
        body: z.object({
          kind: z.enum(PASS_KINDS),
          holder_type: z.enum(['vehicle', 'person']),
          holder_name: Text(50),
          plate: z.string().max(20).optional(),
          id_number: z.string().max(40).optional(),
          organisation: Text(100),
          purpose: Text(200),
          valid_from: Instant,
          valid_to: Instant,
          areas: z.array(AreaCode).min(1).max(MAX_PASS_AREAS),
          route: z.boolean().default(false),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const b = req.body;
      return db.transaction(async (tx) => {
        const pass = await issuePass(
          tx,
          clock,
          {
            kind: b.kind,
            holderType: b.holder_type,
            holderName: b.holder_name,
            plate: b.plate,
            idNumber: b.id_number,
            organisation: b.organisation,
            purpose: b.purpose,
            validFrom: b.valid_from,
            validTo: b.valid_to,
            areas: b.areas,
            route: b.route,
          },
          p.name,
          p.jurisdiction,
        );
        await appendAudit(tx, clock, p, {
          action: 'pass.issued',
          subjectType: 'pass',
          subjectId: pass.id,
          areaCode: pass.area_code,
          details: { areas: pass.areas, route: pass.route },
        });
        return {
          ...presentPass({ ...pass, checks: 0, flagged: 0, last_check_at: null }, clock.now()),
          token: pass.token,
        };
      });
    },
  );

  r.get(
    '/passes',
    {
      config: { permission: 'pass.issue' },
      schema: {
        tags: ['passes'],
        summary:
          'Passes of my jurisdiction, newest first, with their status, checks and speed flags, and the total for the filters',
        querystring: z.object({
          status: z.enum(PASS_STATUSES).optional(),
          kind: z.enum(PASS_KINDS).optional(),
          holder_type: z.enum(['vehicle', 'person']).optional(),
          q: z.string().trim().max(50).optional(),
          flagged: z.enum(['true', 'false']).optional(),
          area: AreaCode.optional(),
          before: Id.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const q = req.query;
      const scope = narrowOrRefuse(scopeOf(p), q.area);
      if (!scope) return { items: [], total: 0 };
      const f = {
        status: q.status,
        kind: q.kind,
        holderType: q.holder_type,
        q: q.q || undefined,
        flagged: q.flagged === 'true',
      };
      const now = clock.now();
      const [items, total] = [
        await listPasses(db, scope, f, now, { before: q.before, limit: q.limit }),
        await countPasses(db, scope, f, now),
      ];
      // Holders are people: the list is a read of people, recorded like every other.
      await auditPeopleListed(db, clock, p, {
        list: 'passes',
        subjectType: 'pass',
        areaCode: scope.prefix,
        count: items.length,
      });
      return { items, total };
    },
  );

  r.get(
    '/passes/suspects',
    {
      config: { permission: 'pass.issue' },
      schema: {
        tags: ['passes'],
        summary:
          'Checks flagged by the speed rule (one pass at two checkpoints too far apart for the time between), of passes of my jurisdiction',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const items = await suspects(db, scopeOf(p), req.query.limit);
      await auditPeopleListed(db, clock, p, {
        list: 'pass_suspects',
        subjectType: 'pass',
        areaCode: p.jurisdiction,
        count: items.length,
      });
      return { items };
    },
  );

  r.get(
    '/passes/keys',
    {
      config: { permission: 'pass.check' },
      schema: {
        tags: ['passes'],
        summary:
          'The public keys that sign pass tokens (Ed25519: raw base64url and JWK), for checking offline; never a private key',
      },
    },
    async () => ({ keys: await publicKeys(db) }),
  );

  r.get(
    '/passes/revocations',
    {
      config: { permission: 'pass.check' },
      schema: {
        tags: ['passes'],
        summary:
          'Ids of revoked passes not yet ended that my checkpoints may see (since a time); ask again with next_since',
        querystring: z.object({ since: Instant.optional() }),
      },
    },
    async (req) => revocations(db, scopeOf(principalOf(req)), req.query.since, clock.now()),
  );

  r.get(
    '/passes/:id',
    {
      config: { permission: 'pass.issue' },
      schema: {
        tags: ['passes'],
        summary: 'One pass of my jurisdiction with its QR token and its checks (newest first)',
        params: z.object({ id: Id }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const pass = await getPass(db, scopeOf(p), req.params.id, clock.now());
      await recordRead(db, clock, p, {
        action: 'person.read',
        subjectType: 'pass',
        subjectId: pass.id,
        areaCode: pass.area_code,
      });
      return pass;
    },
  );

  r.post(
    '/passes/:id/revoke',
    {
      config: { permission: 'pass.issue' },
      schema: {
        tags: ['passes'],
        summary: 'Revoke a pass of my jurisdiction, with a reason (checkpoints refuse it from then on)',
        params: z.object({ id: Id }),
        body: z.object({ reason: z.string().trim().min(2).max(500) }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const pass = await revokePass(tx, clock, req.params.id, req.body.reason, p.name, scopeOf(p));
        await appendAudit(tx, clock, p, {
          action: 'pass.revoked',
          subjectType: 'pass',
          subjectId: pass.id,
          areaCode: pass.area_code,
          reason: req.body.reason,
        });
        return presentPass({ ...pass, checks: 0, flagged: 0, last_check_at: null }, clock.now());
      });
    },
  );

  r.post(
    '/checkpoints',
    {
      config: { permission: 'pass.issue' },
      schema: {
        tags: ['passes'],
        summary:
          'Set up a checkpoint (卡口) in an area of my jurisdiction (district or smaller), with its position',
        body: z.object({
          name: Text(100),
          area_code: z
            .string()
            .regex(
              /^(\d{6}|\d{9}|\d{12}|\d{15})$/,
              'a checkpoint is in a district, street, community or grid',
            ),
          latitude: z.number().min(-90).max(90),
          longitude: z.number().min(-180).max(180),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const cp = await createCheckpoint(
          tx,
          clock,
          {
            name: req.body.name,
            areaCode: req.body.area_code,
            latitude: req.body.latitude,
            longitude: req.body.longitude,
          },
          p.name,
          p.jurisdiction,
        );
        await appendAudit(tx, clock, p, {
          action: 'pass.checkpoint_created',
          subjectType: 'checkpoint',
          subjectId: cp.id,
          areaCode: cp.area_code,
          details: { name: cp.name },
        });
        return cp;
      });
    },
  );

  r.get(
    '/checkpoints',
    {
      config: { permission: 'pass.check' },
      schema: { tags: ['passes'], summary: 'Checkpoints of my jurisdiction' },
    },
    async (req) => ({ items: await listCheckpoints(db, scopeOf(principalOf(req))) }),
  );

  r.post(
    '/checkpoints/:id/scans',
    {
      config: { permission: 'pass.check' },
      schema: {
        tags: ['passes'],
        summary:
          "Record a check of a pass code at a checkpoint of my jurisdiction (idempotent by the phone's key); answers the verdict and any speed flag",
        params: z.object({ id: Id }),
        body: z.object({
          key: z.string().min(8).max(64),
          token: z.string().min(1).max(4000),
          checked_at: Instant,
          device_verdict: z.enum(VERDICTS).optional(),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction((tx) =>
        recordCheck(
          tx,
          clock,
          {
            checkpointId: req.params.id,
            key: req.body.key,
            token: req.body.token,
            checkedAt: req.body.checked_at,
            deviceVerdict: req.body.device_verdict,
          },
          p.name,
          scopeOf(p),
        ),
      );
    },
  );
};
