/**
 * The closed loop (in-process driver): each simulated day the twin does what the field does, through the
 * modules' own services, on the platform's injected clock — and the platform's decisions feed back into the
 * epidemic model.
 *
 * One day d (Beijing time):
 *   05:00  the platform's state → each agent free, held at home (pool hold, case or contact not yet moved) or
 *          isolated (arrived at a site); zones → each community's level. The model steps the day.
 *   06:00– the trips planned last night run at their planned times (depart, pick up, deliver → arrival, vehicle
 *          disinfection), interleaved with the rest of the day by time.
 *   07:00– a city-wide round on round days: free residents come with the response's compliance (door to door in
 *          lockdown zones), swabs go into the pools of their sampling point (pool size by zone, as the testing
 *          module says), registered by the scan-file import; every day a single-tube round for re-tests of pool
 *          holds, quarantine and home tests due today, and fever-clinic visits on the day symptoms start.
 *   20:00  tubes closed, boxed, shipped and received; 22:00 results from the hidden truth (each swab's Ct on the
 *          day it was taken, the pool's dilution) through the results service, whose follow-up holds pools,
 *          confirms positives and writes the events tracing reads.
 *   22:08  the day's feeds for tracing, through its own ingest services: venue check-ins (场所码) — every visit,
 *          with the response's check-in share, to each venue an infectious person visited today (the people it
 *          met there checked in within minutes of it, the others at their own time of day) — and co-location
 *          records (时空伴随) of the community contacts of infectious people, with the co-location share.
 *   22:10  tracing (cases, contacts), a clinician's classification of each new case (severity, onset);
 *   22:30  releases of stays whose term is over, discharges on two Ct ≥ 35 tests, terminal disinfection, home
 *          stays ended; 23:10 zones set on the platform's suggestions, lifted when ready; 23:20 placement;
 *          23:30 tomorrow's trips planned; 23:50 the dashboard refreshed and the invariants checked.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedMaintenance } from '../../db/maintenance.ts';
import type { Db, Queryable } from '../../db/types.ts';
import { ManualClock } from '../../domain/clock.ts';
import type { PoolingPolicy } from '../../domain/pooling.ts';
import { TERMS } from '../../domain/terms.ts';
import { UNSCOPED } from '../../modules/access/scope.ts';
import {
  liftReadiness,
  liftZone,
  setZone,
  type ZoneRow,
  zoneReadinessFacts,
  zoneSuggestions,
} from '../../modules/command/zones.ts';
import { endDueHomeStays } from '../../modules/isolation/home.ts';
import { placeBacklog } from '../../modules/isolation/place-backlog.ts';
import { discharge, disinfection, release } from '../../modules/isolation/stays.ts';
import { siteTakesPeople } from '../../modules/isolation/waiting.ts';
import { type AntigenInput, recordAntigenReports } from '../../modules/testing/antigen.ts';
import { pointPools } from '../../modules/testing/point-pools.ts';
import { ingestResults, type ResultInput } from '../../modules/testing/results.ts';
import { createRound } from '../../modules/testing/rounds.ts';
import { importScanFile } from '../../modules/testing/scan-import.ts';
import { completeTasks } from '../../modules/testing/tasks.ts';
import { closeTubes, packBox, receiveBox, shipBox } from '../../modules/testing/transport.ts';
import { ingestCheckins, ingestColocations } from '../../modules/tracing/ingest.ts';
import { ensureFeedPartitions } from '../../modules/tracing/partitions.ts';
import { runTracing } from '../../modules/tracing/run-tracing.ts';
import { classifyCase } from '../../modules/tracing/trace-case.ts';
import { deliver, depart, disinfectVehicle, pickUp, planPendingTrips } from '../../modules/transfer/trips.ts';
import {
  AGENT_STATUS,
  type createModel,
  INFECTION_SOURCES,
  type InfectionSource,
  type Model,
  zoneLevelCode,
} from '../model.ts';
import { type Population, VENUE_KINDS } from '../population.ts';
import { crossCheckFigures } from './figures.ts';
import { type CheckFrom, checkInvariants, checkpoint, type InvariantFailure } from './invariants.ts';
import { LOCKDOWN_COMPLIANCE, type Response, scenarioModel } from './scenario.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BY = 'twin';
const TUBES_PER_BOX = 100;
/** Boxes a courier carries from the sampling points to the lab in one run. */
const BOXES_PER_RUN = 20;
const RESULT_BATCH = 5000;
/** Salts of the loop's own draws from the model's test stream (common random numbers across strategies). */
const SALT = {
  comply: 11,
  fever: 12,
  tube: 13,
  ct: 14,
  dischargeA: 15,
  dischargeB: 16,
  antigen: 17,
  antigenResult: 18,
  /**
   * a venue visit's time of day (+ venue kind), whether it was checked in (+ kind), a met person's minutes; past
   * the tube's salts (13 + the pool's size, up to 33)
   */
  visitTime: 40,
  checkin: 44,
  metTime: 48,
  colocation: 52,
  colocationTime: 53,
} as const;
/** Venues are visited between 08:00 and 21:00 (minutes of the Beijing day); co-locations between 07:00 and 21:00. */
const VISIT_FROM = 8 * 60;
const VISIT_TO = 21 * 60;
const MET_WITHIN_MINUTES = 10;
const COLOCATION_FROM = 7 * 60;
const COLOCATION_MINUTES = 30;
/** The feeds' batch (the ingest routes take at most 5,000 items a request). */
const FEED_BATCH = 5000;
const COMMUNITY = INFECTION_SOURCES.indexOf('community');
const VENUE_SETTING = VENUE_KINDS.map((k) => INFECTION_SOURCES.indexOf(k as InfectionSource));
/** A case in hospital is tested for discharge from this many days after arrival. */
const DISCHARGE_TESTS_FROM_DAY = 5;

export interface DayRow {
  date: string;
  day: number;
  true_infections: number;
  true_new: number;
  infectious: number;
  detected: number;
  detected_total: number;
  /** cases found today who were free in the community when found (not held at home, not in quarantine): 社会面 */
  detected_community: number;
  cases_by_severity: Record<string, number>;
  contacts_found: number;
  /** people linked to today's traced cases, by the source of the link (household, building_floor, venue, colocation, manual), any level */
  contacts_by_source: Record<string, number>;
  /** venue check-ins and co-location records fed to tracing today (accepted by its ingest services) */
  checkins: number;
  colocations: number;
  isolated: number;
  at_home_held: number;
  rooms_needed: number;
  rooms_free: number;
  beds_needed: number;
  beds_free: number;
  backlog: number;
  backlog_oldest_hours: number;
  person_tests: number;
  /** antigen self-tests taken today, and the positive ones reported (0 unless the strategy has them) */
  antigen_tests: number;
  antigen_positive: number;
  tubes: number;
  released: number;
  discharged: number;
  zones_lockdown: number;
  round: boolean;
  /** why people wait: the placement engine's and the trip planner's reasons, counted */
  waiting: Record<string, number>;
  seconds: Record<string, number>;
}

export interface LoopOptions {
  db: Db;
  population: Population;
  response: Response;
  /** first simulated day, YYYY-MM-DD (Beijing) */
  start: string;
  days: number;
  seed: number;
  /** infections seeded on day `seedDay` (negative: that many lead-in days before `start`, no response) */
  seedInfections: number;
  seedDay: number;
  params?: Parameters<typeof createModel>[1];
  invariants?: boolean;
  /**
   * A profile, added up over the run in seconds: each invariant, each place the figures are read from, and each
   * step of sampling and testing (scan file, closing, boxes, receipt, results) of rounds and single tubes.
   */
  profile?: Record<string, number>;
  onDay?: (row: DayRow, failures: InvariantFailure[]) => void;
}

export interface LoopResult {
  rows: DayRow[];
  failures: InvariantFailure[];
  model: Model;
}

interface Sample {
  agent: number;
  personId: number;
  /** sampling point and the pool size its tubes take */
  point: number;
  pool: number;
}

interface TubeTruth {
  agents: number[];
  pool: number;
}

/** Beijing midnight of a day, as a UTC instant. */
function beijingMidnight(date: string): number {
  return Date.parse(`${date}T00:00:00+08:00`);
}

function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}

export async function runLoop(o: LoopOptions): Promise<LoopResult> {
  const { db, population: pop, response } = o;
  // Scenario days: a seed day before the start runs its lead-in here first (scenario.ts: scenarioModel).
  const share = { checkin: response.checkin_share ?? 0, colocation: response.colocation_share ?? 0 };
  const model = scenarioModel(
    pop,
    o.params ?? {},
    o.seed,
    { day: o.seedDay, infections: o.seedInfections },
    { recordContacts: share.checkin > 0 || share.colocation > 0 },
  );
  const N = pop.size;
  let maxId = 0;
  for (let a = 0; a < N; a++) maxId = Math.max(maxId, pop.personId[a] as number);
  const agentOf = new Int32Array(maxId + 1).fill(-1);
  for (let a = 0; a < N; a++) agentOf[pop.personId[a] as number] = a;
  const communityIndex = new Map(pop.areaCodes.map((c, i) => [c, i]));
  const status = new Uint8Array(N);
  const statusAtDawn = new Uint8Array(N);
  const areaLevel = new Uint8Array(pop.areaCodes.length);
  const clock = new ManualClock(new Date(beijingMidnight(o.start)));
  const rows: DayRow[] = [];
  const failures: InvariantFailure[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'qingcang-twin-'));
  let detectedTotal = 0;
  let tubeSeq = 0;
  let boxSeq = 0;
  let tubeCount = 0;
  let scansAcknowledged = 0;
  // the scans counted by the last check, up to which id, and when it ran (see the invariants below)
  let scansCounted = 0;
  let scansCountedTo = 0;
  let lastCheck: CheckFrom | undefined;
  const labs = (await db.query<{ id: number }>('SELECT id FROM labs ORDER BY id')).rows.map((r) => r.id);
  if (labs.length === 0) throw new Error('the seeded city has no lab');
  const venueCodes = share.checkin > 0 ? await visitVenueCodes(db, pop) : [];

  try {
    for (let d = 0; d < o.days; d++) {
      const date = addDays(o.start, d);
      const midnight = beijingMidnight(date);
      const at = (h: number) => new Date(midnight + h * HOUR);
      const secs: Record<string, number> = {};
      let lap = performance.now();
      const time = (name: string) => {
        const t = performance.now();
        secs[name] = Math.round(((secs[name] ?? 0) + (t - lap) / 1000) * 1000) / 1000;
        lap = t;
      };

      // 05:00 — the platform's state feeds the model; the model steps the day.
      clock.set(at(5));
      await readState(db, agentOf, status, areaLevel, communityIndex);
      const report = model.step(d, { agentStatus: status, areaLevel });
      statusAtDawn.set(status);
      time('model');

      // Trips planned last night, run at their planned times through the day.
      const trips = await loadTrips(db, date);
      const tripsUntil = async (t: Date) => {
        while (trips.length > 0 && (trips[0] as TripEvent).at <= t.getTime()) {
          const e = trips.shift() as TripEvent;
          clock.set(new Date(e.at));
          await db.transaction(async (tx) => {
            if (e.kind === 'depart') {
              await depart(tx, clock, e.trip, '');
              for (const p of e.people) await pickUp(tx, clock, e.trip, p, false, '');
            } else {
              await deliver(tx, clock, e.trip, e.site, '');
              if (e.disinfect) await disinfectVehicle(tx, clock, e.trip, '');
            }
          });
        }
      };
      await tripsUntil(at(19));
      time('transfer');

      // Sampling: the city-wide round on round days, the single-tube round every day.
      const samples: Sample[] = [];
      const isRoundDay =
        response.round_every_days > 0 &&
        d >= response.rounds_from_day &&
        (d - response.rounds_from_day) % response.round_every_days === 0;
      clock.set(at(7));
      if (isRoundDay) {
        const policy: Partial<PoolingPolicy> = {
          other: response.pool_size,
          prevention: response.pool_size,
          control: Math.min(response.pool_size, 10),
          lockdown: 'household',
        };
        const round = await db.transaction((tx) =>
          createRound(
            tx,
            clock,
            { name: `全员核酸 ${date}`, areas: [cityOf(pop)], policy, createdBy: BY },
            '',
          ),
        );
        const points = await pointPools(db, round.round.id, { ...round.round.policy }, '');
        const byCommunity = pointsByCommunity(points, communityIndex);
        for (let c = 0; c < pop.areaCodes.length; c++) {
          const pts = byCommunity[c];
          if (!pts || pts.length === 0) continue;
          const comply = (areaLevel[c] as number) >= 3 ? LOCKDOWN_COMPLIANCE : response.compliance;
          let h = -1;
          let k = 0;
          for (let a = pop.areaStart[c] as number; a < (pop.areaStart[c + 1] as number); a++) {
            if (status[a] !== AGENT_STATUS.free) continue;
            if (model.testUniform(a, d, SALT.comply) >= comply) continue;
            if (pop.household[a] !== h) {
              h = pop.household[a] as number;
              k++;
            }
            const p = pts[k % pts.length] as { id: number; pool: number };
            samples.push({ agent: a, personId: pop.personId[a] as number, point: p.id, pool: p.pool });
          }
        }
        await sampleAndTest(round.round.id, samples, at(7), at(18), 'round');
      }
      time('round');

      // Antigen self-tests (抗原自测) at 07:00 on antigen days: free residents who take one, their result from the
      // truth and the test's sensitivity; a positive one is reported through the platform (a pcr_confirm task).
      const isAntigenDay =
        (response.antigen_every_days ?? 0) > 0 &&
        d >= response.rounds_from_day &&
        (d - response.rounds_from_day) % response.antigen_every_days === 0;
      let antigenTests = 0;
      let antigenPositive = 0;
      if (isAntigenDay) {
        clock.set(at(7));
        const reports: AntigenInput[] = [];
        for (let a = 0; a < N; a++) {
          if (status[a] !== AGENT_STATUS.free) continue;
          if (model.testUniform(a, d, SALT.antigen) >= response.antigen_share) continue;
          antigenTests++;
          if (model.testUniform(a, d, SALT.antigenResult) >= model.antigenPositiveProbability(a, d)) continue;
          antigenPositive++;
          reports.push({
            key: `twin-antigen-${date}-${pop.personId[a]}`,
            personId: pop.personId[a] as number,
            result: 'positive' as const,
            reportedAt: at(7),
          });
        }
        if (reports.length > 0) await db.transaction((tx) => recordAntigenReports(tx, clock, reports, ''));
      }
      time('antigen');

      // The single-tube round: re-tests of pool holds, quarantine and home tests due today, fever clinics, PCR
      // confirmation of positive antigen tests. Made
      // only when someone is to be tested, over the communities of those people (its points are theirs).
      const due = await db.query<{ id: number; person_id: number; kind: string }>(
        `SELECT id, person_id, kind FROM tasks WHERE status = 'open' AND person_id IS NOT NULL
           AND ((kind IN ('retest_single_tube', 'pcr_confirm') AND created_at <= $1) OR (kind IN ('quarantine_test', 'home_test') AND due_at < $2))
         ORDER BY id`,
        [at(7), at(24)],
      );
      const tested = new Set<number>();
      const scheduledTests: { id: number; personId: number }[] = [];
      const toTest: number[] = [];
      for (const t of due.rows) {
        // A pool's re-test task ends with its result (the follow-up); the others are done once sampled.
        if (t.kind !== 'retest_single_tube') scheduledTests.push({ id: t.id, personId: t.person_id });
        if (tested.has(t.person_id)) continue;
        const a = agentOf[t.person_id] ?? -1;
        if (a < 0) continue;
        tested.add(t.person_id);
        toTest.push(a);
      }
      for (let a = 0; a < N; a++) {
        if (status[a] === AGENT_STATUS.isolated) continue;
        const onset = model.symptomOnsetDay(a);
        if (onset !== d || tested.has(pop.personId[a] as number)) continue;
        if (model.testUniform(a, d, SALT.fever) >= response.fever_clinic_share) continue;
        toTest.push(a);
      }
      const singles: Sample[] = [];
      const profiled = (key: string, t0: number) => {
        if (o.profile) o.profile[key] = (o.profile[key] ?? 0) + (performance.now() - t0) / 1000;
      };
      if (toTest.length > 0) {
        const t0 = performance.now();
        const areas = [...new Set(toTest.map((a) => pop.areaCodes[pop.area[a] as number] as string))].sort();
        const single = await db.transaction((tx) =>
          createRound(
            tx,
            clock,
            {
              name: `单管 ${date}`,
              areas,
              policy: { other: 1, prevention: 1, control: 1, lockdown: 'single' },
              createdBy: BY,
            },
            '',
          ),
        );
        const singlePoints = pointsByCommunity(
          await pointPools(db, single.round.id, single.round.policy, ''),
          communityIndex,
        );
        profiled('single_tubes.create_round', t0);
        for (const a of toTest) {
          const p = singlePoints[pop.area[a] as number]?.[0];
          if (p) singles.push({ agent: a, personId: pop.personId[a] as number, point: p.id, pool: 1 });
        }
        await sampleAndTest(single.round.id, singles, at(9), at(17), 'single_tubes');
      }
      // The scheduled tests were taken: their tasks are done (a positive one made the person a case).
      clock.set(at(22.05));
      const tasksAt = performance.now();
      if (scheduledTests.length > 0)
        await db.transaction((tx) =>
          completeTasks(
            tx,
            clock,
            scheduledTests.map((t) => t.id),
            { name: BY, scopePrefix: '' },
          ),
        );
      profiled('single_tubes.complete_tasks', tasksAt);
      time('single_tubes');

      // 22:08 — the day's check-ins and co-location records, through tracing's own feeds (into their day
      // partitions, made ahead as the platform's feed-partitions job makes them).
      clock.set(at(22.08));
      await ensureFeedPartitions(db, clock.now(), { back: 1, ahead: 7 });
      const fed = await feedTracing(d, midnight, { agentStatus: statusAtDawn, areaLevel });
      time('feeds');

      // 22:10 — tracing, and each new case classified by a clinician from the truth.
      clock.set(at(22.1));
      let contactsFound = 0;
      let newCases = 0;
      const tracedCases = new Set<number>();
      const drain = async () => {
        for (;;) {
          const r = await runTracing(db, clock, undefined, 1000);
          newCases += r.casesCreated;
          for (const t of r.traced) {
            contactsFound += t.close + t.secondary;
            tracedCases.add(t.caseId);
          }
          if (r.casesCreated === 0 && r.traced.length === 0) break;
        }
      };
      await drain();
      const unclassified = await db.query<{ id: number; person_id: number }>(
        "SELECT id, person_id FROM cases WHERE severity = 'unclassified' ORDER BY id",
      );
      if (unclassified.rows.length > 0) {
        await db.transaction(async (tx) => {
          for (const c of unclassified.rows) {
            const a = agentOf[c.person_id] ?? -1;
            const sev = a >= 0 ? model.severity(a) : null;
            const onset = a >= 0 ? model.symptomOnsetDay(a) : -1;
            await classifyCase(tx, clock, c.id, {
              severity: sev ?? 'asymptomatic',
              onsetDate: onset >= 0 && onset <= d ? addDays(o.start, onset) : undefined,
            });
          }
        });
        await drain(); // an onset date moves the exposure window: traced again
      }
      detectedTotal += newCases;
      const found = await db.query<{ person_id: number }>(
        'SELECT person_id FROM cases WHERE found_at >= $1',
        [at(5)],
      );
      let community = 0;
      for (const c of found.rows) {
        const a = agentOf[c.person_id] ?? -1;
        if (a >= 0 && statusAtDawn[a] === AGENT_STATUS.free) community++;
      }
      // Whom today's tracing found, by where the link came from (the venue check-ins among them).
      const bySource: Record<string, number> = {};
      if (tracedCases.size > 0) {
        const links = await db.query<{ source: string; n: number }>(
          `SELECT source, count(DISTINCT person_id)::int AS n FROM contact_links
            WHERE case_id = ANY($1::int8[]) AND found_at >= $2 GROUP BY source ORDER BY source`,
          [[...tracedCases], at(5)],
        );
        for (const l of links.rows) bySource[l.source] = l.n;
      }
      time('tracing');

      // 22:30 — turnover: releases, discharges, disinfection, home stays.
      clock.set(at(22.5));
      const turnover = await turn(db, clock, model, agentOf, d, o.start);
      time('turnover');
      await tripsUntil(at(23));

      // 23:10 — zones: set on the platform's suggestions, lifted when ready.
      clock.set(at(23 + 1 / 6));
      if (d >= response.zones_from_day) await zones(db, clock, response.zone_rules, o.profile);
      time('zones');

      // 23:20 — placement; 23:30 — tomorrow's trips.
      clock.set(at(23 + 1 / 3));
      const placed = await db.transaction((tx) => placeBacklog(tx, clock, UNSCOPED, response.edition));
      clock.set(at(23.5));
      const planned = await db.transaction((tx) => planPendingTrips(tx, clock, UNSCOPED));
      const waitingReasons: Record<string, number> = {};
      for (const w of placed.waiting) countReason(waitingReasons, 'placement', w.reason);
      for (const w of planned.waiting) countReason(waitingReasons, 'transfer', w.reason);
      time('placement');

      // 23:40 — on the embedded database, the upkeep its maintenance job does (no autovacuum there), once a
      // simulated week: at 200,000 people ANALYZE alone takes about 4 s (every partition is a table), VACUUM and
      // ANALYZE 5-8 s, and done nightly they cost more than the statistics saved (the round's lookups name their
      // indexes whatever the statistics).
      if (db.kind === 'pglite' && d % 7 === 6) await embeddedMaintenance(db, { vacuum: true });
      time('maintenance');

      // 23:50 — figures and invariants.
      clock.set(at(23 + 5 / 6));
      const day = await dayFigures(db, clock.now(), response.edition);
      // Everything once a week and on the last day; on other days the checks of tubes, results and scans read only
      // what changed since the last check (they cannot change afterwards), so the daily check does not grow with
      // the run.
      const whole = d % 7 === 6 || d === o.days - 1;
      const since = whole ? undefined : lastCheck;
      const broken =
        o.invariants === false
          ? []
          : await checkInvariants(
              db,
              [
                async () =>
                  (
                    await crossCheckFigures(db, clock, date, {
                      edition: response.edition,
                      timings: o.profile,
                    })
                  )
                    .filter((f) => !f.agree)
                    .map((f) => ({ name: `figure_${f.name}`, count: 1, examples: [f.values] })),
                async () => {
                  const n = await db.query<{ n: number; last: number | null }>(
                    'SELECT count(*)::int AS n, max(id) AS last FROM scans WHERE id > $1',
                    [since ? scansCountedTo : 0],
                  );
                  const held = (since ? scansCounted : 0) + (n.rows[0]?.n ?? 0);
                  scansCounted = held;
                  scansCountedTo = Math.max(since ? scansCountedTo : 0, Number(n.rows[0]?.last ?? 0));
                  return held === scansAcknowledged
                    ? []
                    : [
                        {
                          name: 'acknowledged_scans_there_once',
                          count: Math.abs(held - scansAcknowledged),
                          examples: [{ acknowledged: scansAcknowledged, held }],
                        },
                      ];
                },
              ],
              since,
              o.profile,
            );
      lastCheck = await checkpoint(db, clock.now(), lastCheck);
      for (const f of broken) failures.push({ ...f, date });
      time('invariants');
      const row: DayRow = {
        date,
        day: d,
        true_infections: report.cumulativeInfections,
        true_new: report.newInfections,
        infectious: report.infectious,
        detected: newCases,
        detected_total: detectedTotal,
        detected_community: community,
        cases_by_severity: day.severity,
        contacts_found: contactsFound,
        contacts_by_source: bySource,
        checkins: fed.checkins,
        colocations: fed.colocations,
        isolated: day.isolated,
        at_home_held: day.held,
        rooms_needed: day.roomsNeeded,
        rooms_free: day.roomsFree,
        beds_needed: day.bedsNeeded,
        beds_free: day.bedsFree,
        backlog: day.backlog,
        backlog_oldest_hours: day.backlogOldestHours,
        person_tests: samples.length + singles.length,
        antigen_tests: antigenTests,
        antigen_positive: antigenPositive,
        tubes: tubeCount,
        released: turnover.released,
        discharged: turnover.discharged,
        zones_lockdown: day.lockdownZones,
        round: isRoundDay,
        waiting: waitingReasons,
        seconds: secs,
      };
      tubeCount = 0;
      rows.push(row);
      o.onDay?.(row, broken);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { rows, failures, model };

  // ------------------------------------------------------------------------------------------ helpers

  /**
   * The day's venue check-ins and co-location records, fed through tracing's ingest services (what the check-in
   * and co-location routes call). Check-ins: at each venue an infectious person visited today, every visitor
   * (the model's own visit draws: O(the venue's patrons)) who scanned the code (`checkin_share`); an infectious
   * visitor at its time of day, the people it met there within minutes of it, the others at their own time. Venues
   * no infectious person visited are left out: tracing never asks about them. Co-location: each community contact
   * of an infectious person (whoever it reached, infected or not) in the feed with `colocation_share`: both phones
   * in the infector's community's cell for half an hour.
   */
  async function feedTracing(
    d: number,
    midnight: number,
    iv: { agentStatus: Uint8Array; areaLevel: Uint8Array },
  ): Promise<{ checkins: number; colocations: number }> {
    const minute = (m: number) => new Date(midnight + m * 60_000);
    const visitMinute = (a: number, k: number) =>
      VISIT_FROM + Math.floor(model.testUniform(a, d, SALT.visitTime + k) * (VISIT_TO - VISIT_FROM));
    const met = model.contactsMet();
    const checkins: { personId: number; venueCode: string; at: Date }[] = [];
    if (share.checkin > 0) {
      // venue → (visitor → minute) for the infectious visitors and the people they met
      const timed = new Map<number, Map<number, number>>();
      const visits = model.venueVisits();
      for (let i = 0; i < visits.length; i += 2) {
        const a = visits[i] as number;
        const v = visits[i + 1] as number;
        const at = timed.get(v) ?? new Map<number, number>();
        timed.set(v, at);
        at.set(a, visitMinute(a, pop.venueKind[v] as number));
      }
      for (let i = 0; i < met.length; i += 3) {
        const k = VENUE_SETTING.indexOf(met[i + 2] as number);
        if (k < 0) continue;
        const a = met[i] as number;
        const t = met[i + 1] as number;
        const at = timed.get(pop.venue[a * 3 + k] as number);
        const ma = at?.get(a);
        if (!at || ma === undefined || at.has(t)) continue;
        const off = Math.round((2 * model.testUniform(t, d, SALT.metTime + k) - 1) * MET_WITHIN_MINUTES);
        at.set(t, Math.min(VISIT_TO, Math.max(VISIT_FROM, ma + off)));
      }
      for (const [v, at] of timed) {
        const k = pop.venueKind[v] as number;
        const code = venueCodes[v] as string;
        for (let j = pop.venueStart[v] as number; j < (pop.venueStart[v + 1] as number); j++) {
          const m = pop.venueMembers[j] as number;
          let when = at.get(m);
          if (when === undefined) {
            if (!model.visitsVenue(m, k, d, iv)) continue;
            when = visitMinute(m, k);
          }
          if (model.testUniform(m, d, SALT.checkin + k) >= share.checkin) continue;
          checkins.push({ personId: pop.personId[m] as number, venueCode: code, at: minute(when) });
        }
      }
    }
    const colocations: { personId: number; cellId: string; startsAt: Date; endsAt: Date }[] = [];
    if (share.colocation > 0) {
      for (let i = 0; i < met.length; i += 3) {
        if (met[i + 2] !== COMMUNITY) continue;
        const a = met[i] as number;
        const t = met[i + 1] as number;
        if (model.testUniform(t, d, SALT.colocation) >= share.colocation) continue;
        const from =
          COLOCATION_FROM +
          Math.floor(
            model.testUniform(t, d, SALT.colocationTime) * (VISIT_TO - COLOCATION_MINUTES - COLOCATION_FROM),
          );
        const cellId = `C${pop.areaCodes[pop.area[a] as number]}`;
        for (const p of [a, t])
          colocations.push({
            personId: pop.personId[p] as number,
            cellId,
            startsAt: minute(from),
            endsAt: minute(from + COLOCATION_MINUTES),
          });
      }
    }
    // Accepted records (a person met twice at one minute in one cell is one record: a duplicate); none refused.
    const refused = (outcomes: readonly { status: string }[], what: string) => {
      const bad = outcomes.filter((x) => x.status === 'rejected');
      if (bad.length > 0) throw new Error(`${what} refused: ${JSON.stringify(bad.slice(0, 3))}`);
      return outcomes.filter((x) => x.status === 'accepted').length;
    };
    let nCheckins = 0;
    let nColocations = 0;
    for (let i = 0; i < checkins.length; i += FEED_BATCH) {
      const batch = checkins.slice(i, i + FEED_BATCH);
      nCheckins += refused(
        await db.transaction((tx) => ingestCheckins(tx, clock, batch, UNSCOPED)),
        'check-ins',
      );
    }
    for (let i = 0; i < colocations.length; i += FEED_BATCH) {
      const batch = colocations.slice(i, i + FEED_BATCH);
      nColocations += refused(
        await db.transaction((tx) => ingestColocations(tx, clock, batch, UNSCOPED)),
        'co-location records',
      );
    }
    return { checkins: nCheckins, colocations: nColocations };
  }

  /** Scans (scan-file import), tube transport and results from the truth, for one round's samples. */
  async function sampleAndTest(
    roundId: number,
    samples: readonly Sample[],
    from: Date,
    to: Date,
    /** the profile's key prefix (LoopOptions.profile) */
    stage: string,
  ): Promise<void> {
    if (samples.length === 0) return;
    let t0 = performance.now();
    const lap = (step: string) => {
      const now = performance.now();
      if (o.profile) {
        const key = `${stage}.${step}`;
        o.profile[key] = (o.profile[key] ?? 0) + (now - t0) / 1000;
      }
      t0 = now;
    };
    const d = Math.floor((from.getTime() - beijingMidnight(o.start)) / DAY);
    // Tubes fill in the order people come, per point; a household's members come together.
    const open = new Map<number, { barcode: string; n: number }>();
    const truth = new Map<string, TubeTruth>();
    const lines = ['key,tube,person_id,point_id,scanned_at,pool_size'];
    const span = to.getTime() - from.getTime();
    for (const [i, s] of samples.entries()) {
      let t = open.get(s.point);
      if (!t || t.n >= s.pool) {
        t = { barcode: `TW${roundId}T${++tubeSeq}`, n: 0 };
        open.set(s.point, t);
        truth.set(t.barcode, { agents: [], pool: s.pool });
      }
      t.n++;
      (truth.get(t.barcode) as TubeTruth).agents.push(s.agent);
      const when = new Date(from.getTime() + Math.floor((span * i) / samples.length)).toISOString();
      lines.push(`twin-r${roundId}-p${s.personId},${t.barcode},${s.personId},${s.point},${when},${s.pool}`);
    }
    const file = join(dir, `round-${roundId}.csv`);
    await writeFile(file, `${lines.join('\n')}\n`);
    clock.set(new Date(to.getTime() + HOUR));
    const report = await importScanFile(db, clock, file, {
      roundId,
      fileName: `round-${roundId}.csv`,
      uploader: BY,
      scopePrefix: '',
    });
    lap('scan_file');
    scansAcknowledged += report.accepted;
    if (report.accepted !== samples.length)
      throw new Error(
        `round ${roundId}: ${samples.length} scans sent, ${report.accepted} accepted: ${JSON.stringify(report.rejected_by_code)} ${JSON.stringify(report.problems.slice(0, 3))}`,
      );
    // 20:00 — the rest closed, boxed, shipped; 21:00 received by the labs in turn.
    const barcodes = [...truth.keys()];
    tubeCount += barcodes.length;
    clock.set(new Date(to.getTime() + 2 * HOUR));
    await db.transaction(async (tx) => {
      await closeTubes(tx, clock, barcodes, '');
    });
    lap('close_tubes');
    // A courier's run: the boxes of one run are packed and handed over together (one transaction), so a failed
    // run leaves none of its boxes half shipped.
    const boxes: string[] = [];
    for (let i = 0; i < barcodes.length; i += TUBES_PER_BOX * BOXES_PER_RUN) {
      const run = barcodes.slice(i, i + TUBES_PER_BOX * BOXES_PER_RUN);
      await db.transaction(async (tx) => {
        for (let j = 0; j < run.length; j += TUBES_PER_BOX) {
          const box = `TWB${++boxSeq}`;
          boxes.push(box);
          await packBox(tx, clock, { roundId, box, tubes: run.slice(j, j + TUBES_PER_BOX), scopePrefix: '' });
          await shipBox(tx, clock, box, '');
        }
      });
    }
    lap('pack_ship');
    clock.set(new Date(to.getTime() + 3 * HOUR));
    await db.transaction(async (tx) => {
      for (const [i, box] of boxes.entries())
        await receiveBox(tx, clock, box, labs[i % labs.length] as number, '');
    });
    lap('receive');
    // 22:00 — results: a pool is positive with the probability its swabs' Cts (on the day they were taken,
    // diluted by the pool) give; its Ct is the lowest measured Ct among its positive swabs.
    clock.set(new Date(to.getTime() + 4 * HOUR));
    const results: ResultInput[] = [];
    for (const [barcode, t] of truth) {
      const cts = t.agents.map((a) => model.ct(a, d));
      const p = model.poolPositiveProbability(cts, t.pool);
      const first = t.agents[0] as number;
      const positive = p > 0 && model.testUniform(first, d, SALT.tube + t.agents.length) < p;
      let ct = 50;
      if (positive)
        for (const a of t.agents)
          if (Number.isFinite(model.ct(a, d))) ct = Math.min(ct, model.measuredCt(a, d, SALT.ct));
      results.push({
        tube: barcode,
        result: positive ? 'positive' : 'negative',
        ct: positive
          ? { ORF1ab: Math.min(45, Math.max(10, ct)), N: Math.min(45, Math.max(10, ct - 1)) }
          : undefined,
        testedAt: new Date(to.getTime() + 3.5 * HOUR),
      });
    }
    for (let i = 0; i < results.length; i += RESULT_BATCH) {
      const batch = results.slice(i, i + RESULT_BATCH);
      const r = await db.transaction((tx) => ingestResults(tx, clock, batch, 'api', ''));
      const bad = r.outcomes.filter((x) => x.status !== 'recorded');
      if (bad.length > 0) throw new Error(`results refused: ${JSON.stringify(bad.slice(0, 3))}`);
    }
    lap('results');
  }
}

/** A reason without its particulars (ages, counts, waiting times), so reasons of many people count together. */
function countReason(into: Record<string, number>, stage: string, reason: string): void {
  const plain = reason.replace(/\([^)]*\)/g, '').replace(/[0-9]+/g, 'N');
  const colon = plain.indexOf(': ');
  const who = (colon >= 0 ? plain.slice(0, colon) : '').split(',')[0]?.trim();
  const why = (colon >= 0 ? plain.slice(colon + 2) : plain).split(/;| and /)[0]?.trim();
  const key = `${stage}: ${who ? `${who}: ` : ''}${why}`;
  into[key] = (into[key] ?? 0) + 1;
}

function cityOf(pop: Population): string {
  return (pop.areaCodes[0] ?? '').slice(0, 4);
}

function pointsByCommunity(
  points: readonly { id: number; area_code: string; pool_size: number }[],
  communityIndex: ReadonlyMap<string, number>,
): { id: number; pool: number }[][] {
  const out: { id: number; pool: number }[][] = [];
  for (const p of points) {
    const c = communityIndex.get(p.area_code.slice(0, 12));
    if (c === undefined) continue;
    const list = out[c] ?? [];
    list.push({ id: p.id, pool: p.pool_size });
    out[c] = list;
  }
  return out;
}

/**
 * The registry's venue code (场所码) of each of the population's visit venues: the seeded city's market,
 * supermarket and restaurant venues in id order are the generator's order, the population's too (checked).
 */
async function visitVenueCodes(db: Queryable, pop: Population): Promise<string[]> {
  const { rows } = await db.query<{ venue_code: string; kind: string }>(
    'SELECT venue_code, kind FROM venues WHERE kind = ANY($1::text[]) ORDER BY id',
    [[...VENUE_KINDS]],
  );
  const V = pop.venueKind.length;
  const wrong = (why: string) =>
    new Error(
      `the seeded city's venues are not the population's (${why}): seed the world with the same city`,
    );
  if (rows.length !== V) throw wrong(`${rows.length} venues seeded, ${V} in the population`);
  return rows.map((r, v) => {
    if (r.kind !== VENUE_KINDS[pop.venueKind[v] as number])
      throw wrong(`venue ${r.venue_code} is a ${r.kind}`);
    const first = pop.venueMembers[pop.venueStart[v] as number];
    const s0 = pop.venueStart[v] as number;
    if ((pop.venueStart[v + 1] as number) > s0 && first !== undefined) {
      const area = pop.areaCodes[pop.area[first] as number] as string;
      if (!r.venue_code.startsWith(`V${area}`)) throw wrong(`venue ${r.venue_code} is not in ${area}`);
    }
    return r.venue_code;
  });
}

const HELD = ['pool_held', 'suspected', 'case', 'close_contact', 'secondary_contact'];

/** Each agent free, held at home or isolated at a site; each community's zone level. */
async function readState(
  db: Queryable,
  agentOf: Int32Array,
  status: Uint8Array,
  areaLevel: Uint8Array,
  communityIndex: ReadonlyMap<string, number>,
): Promise<void> {
  status.fill(AGENT_STATUS.free);
  const held = await db.query<{ id: number }>(
    'SELECT person_id AS id FROM person_risk WHERE risk_status = ANY($1::text[])',
    [HELD],
  );
  for (const r of held.rows) {
    const a = agentOf[r.id] ?? -1;
    if (a >= 0) status[a] = AGENT_STATUS.home;
  }
  const inside = await db.query<{ person_id: number }>(
    "SELECT person_id FROM placements WHERE status = 'arrived'",
  );
  for (const r of inside.rows) {
    const a = agentOf[r.person_id] ?? -1;
    if (a >= 0) status[a] = AGENT_STATUS.isolated;
  }
  areaLevel.fill(0);
  const zones = await db.query<{ area_code: string; level: string }>(
    "SELECT area_code, level FROM zones WHERE status = 'active'",
  );
  for (const [code, c] of communityIndex) {
    for (const z of zones.rows) {
      // A zone on a community or above cuts the whole community (a grid or building zone is not modelled).
      if (code.startsWith(z.area_code))
        areaLevel[c] = Math.max(areaLevel[c] as number, zoneLevelCode(z.level));
    }
  }
}

interface TripEvent {
  at: number;
  kind: 'depart' | 'deliver';
  trip: number;
  site: number;
  people: number[];
  disinfect: boolean;
}

async function loadTrips(db: Queryable, day: string): Promise<TripEvent[]> {
  const { rows } = await db.query<{
    id: number;
    site_id: number;
    planned_start: Date;
    planned_end: Date;
    needs_disinfection: boolean;
    people: number[];
  }>(
    `SELECT t.id, t.site_id, t.planned_start, t.planned_end, t.needs_disinfection,
            array(SELECT tp.person_id FROM trip_passengers tp WHERE tp.trip_id = t.id AND tp.status = 'assigned' ORDER BY tp.id) AS people
       FROM trips t WHERE t.service_day = $1 AND t.status = 'planned' ORDER BY t.vehicle_id, t.sequence`,
    [day],
  );
  const events: TripEvent[] = [];
  for (const t of rows) {
    const base = {
      trip: t.id,
      site: t.site_id,
      people: t.people.map(Number),
      disinfect: t.needs_disinfection,
    };
    events.push({ ...base, at: t.planned_start.getTime(), kind: 'depart' });
    events.push({ ...base, at: t.planned_end.getTime(), kind: 'deliver' });
  }
  // Deliveries before departures at the same instant: a vehicle's next trip starts when its last one ends.
  return events.sort(
    (a, b) => a.at - b.at || (a.kind === 'deliver' ? -1 : 1) - (b.kind === 'deliver' ? -1 : 1),
  );
}

/** Releases, discharges, terminal disinfection and home stays of the day. */
async function turn(
  db: Db,
  clock: ManualClock,
  model: Model,
  agentOf: Int32Array,
  d: number,
  start: string,
): Promise<{ released: number; discharged: number }> {
  const now = clock.now();
  let released = 0;
  let discharged = 0;
  const stays = await db.query<{ id: number; person_id: number; category: string; arrived_at: Date }>(
    `SELECT pl.id, pl.person_id, pl.category, pl.arrived_at FROM placements pl
      WHERE pl.status = 'arrived' AND (pl.category = 'case' OR pl.due_at <= $1)
        AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.kind = 'quarantine_test' AND t.status = 'open' AND (t.details->>'placement_id')::int8 = pl.id)
      ORDER BY pl.id`,
    [now],
  );
  const midnight = beijingMidnight(start) + d * DAY;
  await db.transaction(async (tx) => {
    for (const s of stays.rows) {
      if (s.category !== 'case') {
        await release(tx, clock, s.id, '');
        released++;
        continue;
      }
      const a = agentOf[s.person_id] ?? -1;
      if (a < 0 || now.getTime() - s.arrived_at.getTime() < DISCHARGE_TESTS_FROM_DAY * DAY) continue;
      const tests = [
        { at: new Date(midnight - DAY + 10 * HOUR), ct: model.measuredCt(a, d - 1, SALT.dischargeA) },
        { at: new Date(midnight + 10 * HOUR), ct: model.measuredCt(a, d, SALT.dischargeB) },
      ];
      if (tests.every((t) => t.ct >= 35)) {
        await discharge(tx, clock, s.id, tests, '');
        discharged++;
      }
    }
  });
  // Terminal disinfection of what was vacated: started now, finished 40 minutes later (back in service today).
  for (const kind of ['room', 'bed'] as const) {
    const table = kind === 'room' ? 'rooms' : 'beds';
    const units = await db.query<{ id: number }>(
      `SELECT id FROM ${table} WHERE status = 'awaiting_disinfection' ORDER BY id`,
    );
    if (units.rows.length === 0) continue;
    await db.transaction(async (tx) => {
      for (const u of units.rows) await disinfection(tx, clock, kind, u.id, 'start', '');
    });
    clock.set(new Date(now.getTime() + 40 * 60_000));
    await db.transaction(async (tx) => {
      for (const u of units.rows) await disinfection(tx, clock, kind, u.id, 'finish', '');
    });
    clock.set(now);
  }
  await db.transaction((tx) => endDueHomeStays(tx, clock, UNSCOPED));
  return { released, discharged };
}

/** Zones on the platform's suggestions (a community with a case), and lifted when the rules say they may be. */
async function zones(
  db: Db,
  clock: ManualClock,
  rules: Response['zone_rules'],
  profile?: Record<string, number>,
): Promise<void> {
  let t0 = performance.now();
  const lap = (step: string) => {
    const t = performance.now();
    if (profile) profile[`zones.${step}`] = (profile[`zones.${step}`] ?? 0) + (t - t0) / 1000;
    t0 = t;
  };
  const now = clock.now();
  const active = await db.query<ZoneRow>("SELECT * FROM zones WHERE status = 'active' ORDER BY id");
  // In order, each zone's readiness seeing the lifts before it (a prevention zone waits for its district's).
  const facts = await zoneReadinessFacts(db, active.rows, now);
  for (const z of active.rows) {
    const r = await liftReadiness(db, z, now, facts);
    lap('readiness');
    if (r.ready) await db.transaction((tx) => liftZone(tx, clock, z.id, ''));
    lap('lift');
  }
  const suggestions = await zoneSuggestions(db, UNSCOPED, now, rules);
  lap('suggest');
  if (suggestions.length === 0) return;
  await db.transaction(async (tx) => {
    for (const s of suggestions)
      await setZone(tx, clock, { areaCode: s.area_code, level: s.suggested, reason: s.reason, by: BY }, '');
  });
  lap('set');
}

/** The day's figures as the platform holds them (the isolation and tracing tables), for the day's row. */
async function dayFigures(db: Queryable, now: Date, edition: Response['edition']) {
  // Who waits for a place: cases and the contacts this edition quarantines centrally (as placement.ts loads them).
  const centralised = [
    'case',
    'close_contact',
    ...(TERMS[edition].secondary.centralDays > 0 ? ['secondary_contact'] : []),
  ];
  const { rows } = await db.query<{
    isolated: number;
    held: number;
    rooms_free: number;
    beds_free: number;
    rooms_busy: number;
    beds_busy: number;
    backlog: number;
    backlog_contacts: number;
    oldest: Date | null;
    lockdown: number;
  }>(
    `SELECT (SELECT count(*) FROM placements WHERE status = 'arrived')::int AS isolated,
            (SELECT count(*) FROM person_risk r WHERE r.risk_status = ANY($1::text[])
                AND NOT EXISTS (SELECT 1 FROM placements pl WHERE pl.person_id = r.person_id AND pl.status = 'arrived'))::int AS held,
            (SELECT count(*) FROM rooms r JOIN sites s ON s.id = r.site_id WHERE ${siteTakesPeople('s')} AND r.status = 'available')::int AS rooms_free,
            (SELECT count(*) FROM beds b JOIN sites s ON s.id = b.site_id WHERE ${siteTakesPeople('s')} AND b.status = 'available')::int AS beds_free,
            (SELECT count(*) FROM rooms r WHERE r.status IN ('occupied', 'reserved'))::int AS rooms_busy,
            (SELECT count(*) FROM beds b WHERE b.status IN ('occupied', 'reserved'))::int AS beds_busy,
            (SELECT count(*) FROM person_risk r WHERE r.risk_status = ANY($2::text[])
                AND NOT EXISTS (SELECT 1 FROM placements pl WHERE pl.person_id = r.person_id AND pl.status IN ('placed', 'arrived')))::int AS backlog,
            (SELECT count(*) FROM person_risk r WHERE r.risk_status = ANY($2::text[]) AND r.risk_status <> 'case'
                AND NOT EXISTS (SELECT 1 FROM placements pl WHERE pl.person_id = r.person_id AND pl.status IN ('placed', 'arrived')))::int AS backlog_contacts,
            (SELECT min(r.risk_status_at) FROM person_risk r WHERE r.risk_status = ANY($2::text[])
                AND NOT EXISTS (SELECT 1 FROM placements pl WHERE pl.person_id = r.person_id AND pl.status IN ('placed', 'arrived'))) AS oldest,
            (SELECT count(*) FROM zones WHERE status = 'active' AND level IN ('lockdown', 'high'))::int AS lockdown`,
    [HELD, centralised],
  );
  const sev = await db.query<{ severity: string; n: number }>(
    'SELECT severity, count(*)::int AS n FROM cases GROUP BY 1',
  );
  const r = rows[0] as (typeof rows)[number];
  return {
    isolated: r.isolated,
    held: r.held,
    roomsFree: r.rooms_free,
    bedsFree: r.beds_free,
    // a contact waiting needs a room (households share one: an upper bound); a case waiting needs a bed
    roomsNeeded: r.rooms_busy + r.backlog_contacts,
    bedsNeeded: r.beds_busy + (r.backlog - r.backlog_contacts),
    backlog: r.backlog,
    backlogOldestHours: r.oldest ? Math.round((now.getTime() - r.oldest.getTime()) / HOUR) : 0,
    lockdownZones: r.lockdown,
    severity: Object.fromEntries(sev.rows.map((x) => [x.severity, x.n])),
  };
}
