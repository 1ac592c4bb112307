/**
 * The contract between server and web: the types of what the API answers, taken from the server's own types
 * (type-only imports, erased by Vite: nothing of the server is bundled). A change of a server row that breaks a
 * page breaks `npx tsc --noEmit -p web`.
 *
 * `Wire<T>` is what JSON makes of a server value: a Date becomes its ISO string, everything else stays (the
 * database layer already gives int8 and counts as numbers, dates as 'YYYY-MM-DD' strings and numeric as strings:
 * src/db/type-parsers.ts). Where a route handler wraps a server function's rows (`{ items, total }`, added fields),
 * the envelope is written here from the server types, with the route named.
 */

import type { NewSession, TokenRow, UserRow } from '../../src/modules/access/accounts.ts';
import type { AuditRow as ServerAuditRow, VerifyResult } from '../../src/modules/access/audit.ts';
import type { Principal } from '../../src/modules/access/principal.ts';
import type { UserOutRow } from '../../src/modules/access/routes.ts';
import type { DailyReport as ServerDailyReport } from '../../src/modules/command/daily-report.ts';
import type { funnel, Figures as ServerFigures, Snapshot } from '../../src/modules/command/dashboard.ts';
import type { DashboardAreaFigures, DashboardHead } from '../../src/modules/command/dashboard-routes.ts';
import type { IssuedEntry as ServerIssuedEntry } from '../../src/modules/command/issued-reports.ts';
import type { ListItem, Leader as ServerLeader } from '../../src/modules/command/responsibility.ts';
import type {
  liftReadiness,
  ZoneSuggestion as ServerZoneSuggestion,
  ZoneRow,
} from '../../src/modules/command/zones.ts';
import type { DisinfectionRecord } from '../../src/modules/disinfection/completion.ts';
import type { DisinfectionFigures, DueItem } from '../../src/modules/disinfection/lists.ts';
import type { PlaceListItem, PlaceRow } from '../../src/modules/disinfection/places.ts';
import type { forcesFigures } from '../../src/modules/forces/figures.ts';
import type { LoopScheduleItem, TestOutcome } from '../../src/modules/forces/loops.ts';
import type { confirmRoster, rosterBoard } from '../../src/modules/forces/rosters.ts';
import type { listTeams, listWorkers } from '../../src/modules/forces/workers.ts';
import type {
  SiteOccupancy as ServerSiteOccupancy,
  StuckUnit as ServerStuckUnit,
  turnoverBoard,
} from '../../src/modules/isolation/board.ts';
import type {
  listSites,
  moveSite,
  openTier,
  forecast as siteForecast,
  stockAndIncrement,
} from '../../src/modules/isolation/capacity.ts';
import type { recordHealthCheck } from '../../src/modules/isolation/health.ts';
import type { endDueHomeStays } from '../../src/modules/isolation/home.ts';
import type { HomeStayRow } from '../../src/modules/isolation/home-list.ts';
import type { MoveResult } from '../../src/modules/isolation/move.ts';
import type { PlacementRun } from '../../src/modules/isolation/place-backlog.ts';
import type {
  AutoPlacementState as ServerAutoPlacementState,
  PlacementRunRow as ServerPlacementRunRow,
} from '../../src/modules/isolation/placement-runs.ts';
import type {
  issueSelfReportLink,
  SelfReportView,
  submitSelfReport,
} from '../../src/modules/isolation/self-report.ts';
import type { StayListRow } from '../../src/modules/isolation/stay-list.ts';
import type { PlacementRow } from '../../src/modules/isolation/stay-scope.ts';
import type { discharge, disinfection, release } from '../../src/modules/isolation/stays.ts';
import type { EmergencyClockItem } from '../../src/modules/medical/emergency-clock.ts';
import type { HospitalView } from '../../src/modules/medical/hospitals.ts';
import type {
  RequestView as MedicalRequestView,
  RefusalView,
} from '../../src/modules/medical/request-list.ts';
import type { FleetVehicle } from '../../src/modules/medical/transport.ts';
import type { CheckpointRow } from '../../src/modules/passes/checkpoints.ts';
import type { CheckResult } from '../../src/modules/passes/checks.ts';
import type { PublicKeyInfo } from '../../src/modules/passes/keys.ts';
import type { getPass, PassView, revocations, SuspectView } from '../../src/modules/passes/pass-list.ts';
import type { presentPerson } from '../../src/modules/registry/presenters.ts';
import type { AreaChild, AreaName, AreaRow } from '../../src/modules/registry/queries.ts';
import type { DeliveryRow } from '../../src/modules/supplies/deliveries.ts';
import type { listDepots } from '../../src/modules/supplies/depots.ts';
import type { SupplyFigures, shortfalls } from '../../src/modules/supplies/figures.ts';
import type { DeliveryView, RequestView as SupplyRequestView } from '../../src/modules/supplies/lists.ts';
import type { proposePlan } from '../../src/modules/supplies/planning.ts';
import type {
  AreaCoverage as ServerAreaCoverage,
  UnsampledHousehold,
} from '../../src/modules/testing/coverage.ts';
import type { FhirIngestReport } from '../../src/modules/testing/fhir/ingest.ts';
import type { FollowUpSummary } from '../../src/modules/testing/follow-up.ts';
import type {
  BoxRow,
  LabRow,
  listBoxes,
  PendingTube,
  pendingTubes,
} from '../../src/modules/testing/lab-desk.ts';
import type { planFromRegistry } from '../../src/modules/testing/plan-from-registry.ts';
import type { PointPool } from '../../src/modules/testing/point-pools.ts';
import type { ResultOutcome } from '../../src/modules/testing/results.ts';
import type { FileRowProblem, ResultsFileReport } from '../../src/modules/testing/results-file.ts';
import type { RoundListRow, RoundRow } from '../../src/modules/testing/rounds.ts';
import type { ScanImportReport } from '../../src/modules/testing/scan-import.ts';
import type { ScanOutcome } from '../../src/modules/testing/scans.ts';
import type { StageClock as ServerStageClock } from '../../src/modules/testing/stage-clocks.ts';
import type { TaskRow } from '../../src/modules/testing/task-list.ts';
import type { packBox, receiveBox, TubeOutcome } from '../../src/modules/testing/transport.ts';
import type { CaseListRow } from '../../src/modules/tracing/case-list.ts';
import type { Cluster, ChainCase as ServerChainCase } from '../../src/modules/tracing/chains.ts';
import type { GeneralContactRow } from '../../src/modules/tracing/general-contacts.ts';
import type { CaseContactRow } from '../../src/modules/tracing/routes.ts';
import type { RulesVersion } from '../../src/modules/tracing/rules.ts';
import type { runTracing } from '../../src/modules/tracing/run-tracing.ts';
import type { CaseRow } from '../../src/modules/tracing/trace-case.ts';
import type { TripRow, VehicleRow } from '../../src/modules/transfer/trip-list.ts';
import type { PlanOutcome, transferClocks } from '../../src/modules/transfer/trips.ts';
import type { DeadLetter, QueueFigures } from '../../src/server/jobs.ts';
import type { WEB_LIMITS } from '../../src/twin/jobs/routes.ts';
import type { getRun, listRuns, RunRow } from '../../src/twin/jobs/runs.ts';
import type { Scenario, STRATEGIES } from '../../src/twin/loop/scenario.ts';
import type { BANDED } from '../../src/twin/loop/simulate.ts';

/** What JSON makes of a server value: Date → ISO string, recursively; null and undefined kept. */
export type Wire<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? T extends unknown[]
      ? Wire<U>[]
      : readonly Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

/** camelCase → snake_case of one key, as src/lib/snake-keys.ts renames them. */
type SnakeKey<S extends string> = S extends `${infer C}${infer R}`
  ? `${C extends Lowercase<C> ? C : `_${Lowercase<C>}`}${SnakeKey<R>}`
  : S;
/** What `snakeKeys` (src/lib/snake-keys.ts) makes of a value: every key renamed, recursively (Dates kept). */
export type Snake<T> = T extends Date
  ? T
  : T extends readonly (infer U)[]
    ? Snake<U>[]
    : T extends object
      ? { [K in keyof T as K extends string ? SnakeKey<K> : K]: Snake<T[K]> }
      : T;

/** The resolved value of an async server function. */
type Answer<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

/**
 * A keyset page (`after` the last id, `next_after`): the first page carries the list's size (`total`, null on the
 * pages after it). Medical and supplies requests and refusals, deliveries.
 */
export interface KeysetPage<T> {
  items: T[];
  next_after: number | null;
  total: number | null;
}

// ---- The session and the registry (src/modules/access/routes.ts, src/modules/registry) ----

/**
 * GET /api/auth/me. `permissions` are the server's Permission names, kept as strings here: pages ask
 * `permissions.includes(name)` with names they hold as strings.
 */
export type Me = Pick<Principal, 'kind' | 'name' | 'role' | 'jurisdiction'> & {
  permissions: string[];
  must_change_password: boolean;
  csrf_token: string | null;
};
/**
 * POST /api/auth/login (routes.ts): the account, the session's CSRF token and when the session ends. POST
 * /api/auth/password answers `{ ok, csrf_token, expires_at }` of the new session.
 */
export type LoginAnswer = Wire<
  Pick<UserRow, 'username' | 'display_name' | 'role' | 'jurisdiction' | 'must_change_password'> & {
    csrf_token: NewSession['csrfToken'];
    expires_at: NewSession['expiresAt'];
  }
>;
export type PasswordChanged = Wire<{
  ok: true;
  csrf_token: NewSession['csrfToken'];
  expires_at: NewSession['expiresAt'];
}>;
/** An area of GET /api/areas (`{ items }`): the children of ?parent= with their resident counts. */
export type Area = Wire<AreaChild>;
/** GET /api/areas/:code: one area with its path from the province down (no resident count). */
export type AreaDetail = Wire<AreaRow & { path: AreaRow[] }>;
/** GET /api/areas/names and /api/areas/search (`{ items }`): areas with their paths of names. */
export type AreaNameItem = Wire<AreaName>;
/**
 * GET /api/persons/names (`{ items }`): the names of people of the reader's jurisdiction by id, built in
 * src/modules/registry/routes.ts from the persons row.
 */
export interface PersonName {
  id: number;
  name: string;
  area_code: string;
}
/** A person as GET /api/persons lists them (masked). */
export type Person = Wire<ReturnType<typeof presentPerson>>;
/** GET /api/persons: a keyset page, the total on the first page (routes.ts). */
export interface PersonsAnswer {
  items: Person[];
  next_after: number | null;
  total: number | null;
  total_more: boolean | null;
  can: string[];
}

// ---- The dashboard (src/modules/command/dashboard-routes.ts) ----

export type DashboardFigures = ServerFigures;
/** GET /api/dashboard/kpis. */
export type DashboardKpis = Wire<DashboardHead & { figures: ServerFigures }>;
/** One child area of GET /api/dashboard/areas. */
export type DashboardAreaItem = Wire<DashboardAreaFigures>;
/** GET /api/dashboard/areas. */
export type DashboardAreas = Wire<DashboardHead & { items: DashboardAreaFigures[] }>;
type SeriesDay = Snapshot['series'] extends ReadonlyMap<string, (infer D)[]> ? D : never;
/** GET /api/dashboard/series. */
export type DashboardSeries = Wire<DashboardHead & { items: SeriesDay[] }>;
/** GET /api/dashboard/funnel. */
export type DashboardFunnel = Wire<DashboardHead & ReturnType<typeof funnel>>;

// ---- Command (src/modules/command) ----

export type ZoneLevel = ZoneRow['level'];
export type ReadinessCheck = Wire<Answer<typeof liftReadiness>['checks'][number]>;
/** GET /api/zones: each active zone with its lifting readiness (routes.ts adds `readiness`). */
export type Zone = Wire<ZoneRow & { readiness: Answer<typeof liftReadiness> }>;
/** POST /api/zones, POST /api/zones/:id/lift, and the zone of GET /api/zones/effective. */
export type ZoneOnly = Wire<ZoneRow>;
/** GET /api/zones/effective. */
export type EffectiveZone = { area_code: string; zone: ZoneOnly | null };
export type ZoneSuggestion = Wire<ServerZoneSuggestion>;
/** GET /api/leaders, POST /api/leaders. */
export type Leader = Wire<ServerLeader>;
/** One item of GET /api/responsibility: the list item with the person's name (null without person.read). */
export type ResponsibilityItem = Wire<ListItem & { person_name: string | null }>;
/** GET /api/responsibility: a page of the list and the figures of the whole list. */
export interface ResponsibilityAnswer {
  items: ResponsibilityItem[];
  total: number;
  overdue: number;
  per_owner: Record<string, number>;
  by_kind: Record<string, { total: number; overdue: number }>;
  /** When the server worked the list out (it keeps it a few seconds). */
  as_of: string;
}
/** GET /api/reports/daily (format=json). */
export type DailyReport = Wire<ServerDailyReport>;
/** GET /api/reports/daily/issued (items). */
export type IssuedReport = Wire<ServerIssuedEntry>;
/** GET /api/tasks: tasks of a status with `total` (routes.ts in testing). */
export type Task = Wire<TaskRow>;
export interface TasksAnswer {
  items: Task[];
  total: number;
}

// ---- Testing and the lab (src/modules/testing) ----

/** GET /api/testing/rounds. */
export type TestingRound = Wire<RoundListRow>;
/** POST /api/testing/rounds/:id/close. */
export type ClosedRound = Wire<RoundRow & { closed_at: Date }>;
/** POST /api/testing/rounds: the round and how many sampling points it got. */
export type CreatedRound = Wire<RoundRow & { sampling_points: number }>;
/** POST /api/testing/rounds/plan. */
export type RoundPlan = Wire<Answer<typeof planFromRegistry>>;
export type StageClock = Wire<ServerStageClock>;
/** One child area of GET /api/testing/rounds/:id/coverage, with its stage clocks (added in routes.ts). */
export type AreaCoverage = Wire<ServerAreaCoverage & { stages: ServerStageClock[] }>;
/** GET /api/testing/rounds/:id/coverage. */
export interface Coverage {
  round: Wire<Pick<RoundRow, 'id' | 'name' | 'deadline_at'>> & { hours_left: number };
  items: AreaCoverage[];
}
/** One scan's answer of POST /api/testing/rounds/:id/scans (`{ items }`, in the order sent, each with its key). */
export type ScanAnswer = Wire<ScanOutcome>;
/**
 * One tube's answer of POST /api/testing/tubes/close (`{ items }`) and POST /api/testing/boxes: `already` when the
 * step was done before (a retried request whose answer was lost).
 */
export type TubeAnswer = Wire<TubeOutcome>;
/** POST /api/testing/boxes: the box's barcode and each tube's answer (routes.ts). */
export interface BoxPacked {
  box: Answer<typeof packBox>['box']['barcode'];
  items: TubeAnswer[];
}
/** POST /api/testing/rounds/:id/scans/file. */
export type ScanFileReport = Wire<ScanImportReport>;
/** GET /api/testing/rounds/:id/unsampled: the door-knocking list by household. */
export type Household = Wire<UnsampledHousehold>;
/** GET /api/testing/rounds/:id/points. */
export type SamplingPoint = Wire<PointPool>;
/** GET /api/testing/labs. */
export type Lab = Wire<LabRow>;
/** GET /api/testing/boxes: `{ items, total }`. */
export type Box = Wire<BoxRow>;
export type BoxesAnswer = Wire<Answer<typeof listBoxes>>;
/** POST /api/testing/boxes/:box/receive. */
export type BoxReceived = Wire<Answer<typeof receiveBox>>;
/** GET /api/testing/tubes/pending: `{ items, total, budget_hours }`. */
export type PendingTubeItem = Wire<PendingTube>;
export type PendingAnswer = Wire<Answer<typeof pendingTubes>>;
/** One result's outcome (POST /api/testing/results, …/fhir, …/file). */
export type ResultOutcomeItem = Wire<ResultOutcome>;
export type FollowUp = Wire<FollowUpSummary>;
/** POST /api/testing/results: `{ items: outcomes, follow_up }` (routes.ts). */
export interface ResultsAnswer {
  items: ResultOutcomeItem[];
  follow_up: FollowUp;
}
/** POST /api/testing/results/fhir (JSON clients). */
export type FhirResultsAnswer = Wire<FhirIngestReport>;
/** POST /api/testing/results/file. */
export type ResultsFileAnswer = Wire<ResultsFileReport>;
/** The rows a refused results file cannot be read at: `details` of its 422 `results_file_rejected`. */
export type ResultsFileProblem = Wire<FileRowProblem>;

// ---- Isolation sites (src/modules/isolation/capacity.ts) ----

/** GET /api/isolation/sites. */
export type Site = Wire<Answer<typeof listSites>[number]>;
/** POST /api/isolation/sites/:id/:step. */
export type SiteStepAnswer = Wire<Answer<typeof moveSite>>;
/** POST /api/isolation/tiers/:tier/open. */
export type TierOpened = Wire<Answer<typeof openTier>>;
/** GET /api/isolation/forecast. */
export type SiteForecast = Wire<Answer<typeof siteForecast>>;

// ---- Isolation: placing, the board, stays, at home (src/modules/isolation) ----

/** POST /api/isolation/place (routes.ts: the run's `homeIsolated` as `home_isolated`). */
export type PlaceRun = Wire<Pick<PlacementRun, 'placed' | 'waiting'> & { home_isolated: number }>;
/** GET and PUT /api/isolation/auto-placement. */
export type AutoPlacementState = Wire<ServerAutoPlacementState>;
/** GET /api/isolation/placement-runs (items). */
export type PlacementRunRow = Wire<ServerPlacementRunRow>;
/** GET /api/isolation/board. */
export type Board = Wire<Answer<typeof turnoverBoard>>;
export type SiteOccupancy = Wire<ServerSiteOccupancy>;
export type StuckUnit = Wire<ServerStuckUnit>;
/** GET /api/isolation/stock. */
export type IsolationStock = Wire<Answer<typeof stockAndIncrement>>;
/** GET /api/isolation/stays: `{ items, total }`. */
export type Stay = Wire<StayListRow>;
export interface StaysAnswer {
  items: Stay[];
  /** The next page's cursor (`after`), null on the last page. */
  next_after: number | null;
  /** How many in all, on the first page (null on later pages). */
  total: number | null;
}
/** POST /api/isolation/stays/:id/arrive. */
export type StayArrived = Wire<PlacementRow>;
/** POST /api/isolation/stays/:id/release. */
export type StayReleased = Wire<Answer<typeof release>>;
/** POST /api/isolation/stays/:id/discharge. */
export type StayDischarged = Wire<Answer<typeof discharge>>;
/** POST /api/isolation/:kind/:id/disinfection. */
export type UnitDisinfection = Wire<Answer<typeof disinfection>>;
/** POST /api/isolation/stays/:id/health. */
export type HealthCheckRecorded = Wire<Answer<typeof recordHealthCheck>>;
/** POST /api/isolation/stays/:id/self-report-link (routes.ts leaves the site's area out). */
export type SelfReportLink = Wire<
  Pick<Answer<typeof issueSelfReportLink>, 'path' | 'placement_id' | 'revoked_previous'>
>;
/** GET /api/self-report/:secret: the public page of a personal link (masked name, no ID number). */
export type SelfReportPage = Wire<SelfReportView>;
/** POST /api/self-report/:secret. */
export type SelfReportSent = Wire<Answer<typeof submitSelfReport>>;
/** POST /api/isolation/stays/:id/move. */
export type StayMoved = Wire<MoveResult>;
/** GET /api/isolation/home: `{ items, total }`. */
export type HomeStay = Wire<HomeStayRow>;
export interface HomeStaysAnswer {
  items: HomeStay[];
  /** The next page's cursor (`after`), null on the last page. */
  next_after: number | null;
  /** How many in all, on the first page (null on later pages). */
  total: number | null;
}
/** POST /api/isolation/home/end-due. */
export type HomeStaysEnded = Wire<Answer<typeof endDueHomeStays>>;

// ---- Transfer (src/modules/transfer) ----

/** POST /api/transfer/plan (without `urgent`): the plan, keys in snake_case (routes.ts `snakeKeys`). */
export type TransferPlan = Wire<Snake<PlanOutcome>>;
export type PlannedTrip = TransferPlan['trips'][number];
/** GET /api/transfer/trips: `{ items, total }`. */
export type Trip = Wire<TripRow>;
export interface TripsAnswer {
  items: Trip[];
  total: number;
}
/** GET /api/transfer/vehicles. */
export type Vehicle = Wire<VehicleRow>;
/** GET /api/transfer/clocks. */
export type TransferClocks = Wire<Answer<typeof transferClocks>>;

// ---- Forces (src/modules/forces) ----

/** A roster of the day's board (GET /api/forces/board `{ day, rosters }`; POST /api/forces/rosters answers one). */
export type Roster = Wire<Answer<typeof rosterBoard>[number]>;
export interface ForcesBoard {
  day: string;
  rosters: Roster[];
}
/** POST /api/forces/rosters/:id/confirm: the roster without its demand (routes.ts). */
export type RosterConfirmed = Wire<
  Omit<Answer<typeof confirmRoster>, 'roster'> & {
    roster: Omit<Answer<typeof confirmRoster>['roster'], 'demand'>;
  }
>;
/** GET /api/forces/workers: `{ items, total }`. */
export type WorkersAnswer = Wire<Answer<typeof listWorkers>>;
export type ForceWorker = WorkersAnswer['items'][number];
/** GET /api/forces/teams: `{ items }`. */
export type Team = Wire<Answer<typeof listTeams>[number]>;
/** GET /api/forces/loops: `{ day, items }`. */
export type LoopItem = Wire<LoopScheduleItem>;
export interface LoopsAnswer {
  day: string;
  items: LoopItem[];
}
/** POST /api/forces/tests. */
export type LoopTestOutcome = Wire<TestOutcome>;
/** GET /api/forces/figures: `{ day, figures }`. */
export interface ForcesFiguresAnswer {
  day: string;
  figures: Wire<Answer<typeof forcesFigures>>;
}

// ---- Passes (src/modules/passes) ----

/** A pass as GET /api/passes lists it (`{ items, total }`); POST /api/passes answers it with its `token`. */
export type Pass = Wire<PassView>;
export type IssuedPass = Wire<PassView & { token: string }>;
export interface PassesAnswer {
  items: Pass[];
  total: number;
}
/** GET /api/passes/:id: the pass with its token and its checks. */
export type PassDetail = Wire<Answer<typeof getPass>>;
/** GET /api/checkpoints (`{ items }`), POST /api/checkpoints. */
export type Checkpoint = Wire<CheckpointRow>;
/** GET /api/passes/keys (`{ keys }`). */
export type PassKey = Wire<PublicKeyInfo>;
export interface PassKeysAnswer {
  keys: PassKey[];
}
/** GET /api/passes/revocations. */
export type Revocations = Wire<Answer<typeof revocations>>;
/** POST /api/checkpoints/:id/scans: the server's verdict and any speed flag. */
export type CheckpointScan = Wire<CheckResult>;
/** GET /api/passes/suspects (`{ items }`). */
export type Suspect = Wire<SuspectView>;

// ---- Disinfection (src/modules/disinfection) ----

export type DisinfectionDue = Wire<DueItem>;
/** GET /api/disinfection/due: the day's lists with its figures (routes.ts adds `date` and `figures`). */
export interface DisinfectionDueAnswer {
  date: string;
  due: DisinfectionDue[];
  late: DisinfectionDue[];
  truncated: boolean;
  figures: DisinfectionFigures;
}
/** GET /api/disinfection/places: `{ items, total }`. */
export type DisinfectionPlace = Wire<PlaceListItem>;
export interface DisinfectionPlacesAnswer {
  items: DisinfectionPlace[];
  total: number;
}
/** POST /api/disinfection/places: the new place (without the list's open/late figures). */
export type DisinfectionPlaceCreated = Wire<PlaceRow>;
/** POST /api/disinfection/records: the record and whether it was a resend. */
export type DisinfectionRecorded = Wire<DisinfectionRecord & { duplicate: boolean }>;

// ---- Accounts and the audit log (src/modules/access) ----

/** GET /api/users (`{ items }`, the route's response schema UserOut). */
export type User = Wire<UserOutRow>;
/** POST /api/users: the account and its one-time password (routes.ts). */
export type CreatedUser = Wire<
  Pick<UserRow, 'id' | 'username' | 'role' | 'jurisdiction'> & { one_time_password: string }
>;
/** GET /api/tokens (`{ items }`). */
export type Token = Wire<TokenRow>;
/** POST /api/tokens: the token, shown once (routes.ts). */
export type CreatedToken = Wire<Pick<TokenRow, 'id' | 'expires_at'> & { token: string }>;
/** GET /api/audit: a page and where the next one starts. */
export type AuditRow = Wire<ServerAuditRow>;
export interface AuditPage {
  items: AuditRow[];
  next_after: number | null;
}
/** GET /api/audit/verify: the verdict with the head as text (routes.ts). */
export type AuditVerdict = Wire<VerifyResult & { head: { text: string } }>;

// ---- Tracing (src/modules/tracing) ----

/** GET /api/tracing/cases: newest first, `total` on the first page only. */
export type TracingCase = Wire<CaseListRow>;
export interface TracingCasesAnswer {
  items: TracingCase[];
  total?: number;
}
/** POST /api/tracing/cases/:id/classify: the case row as it now is (no contact counts). */
export type ClassifiedCase = Wire<CaseRow>;
/** GET /api/tracing/cases/:id/contacts. */
export type CaseContact = Wire<CaseContactRow>;
export interface CaseContactsAnswer {
  case: Wire<Pick<CaseRow, 'id' | 'case_no'>>;
  items: CaseContact[];
}
/** GET /api/tracing/general-contacts: a keyset page by person id, the total on the first page. */
export type GeneralContact = Wire<GeneralContactRow>;
export interface GeneralContactsAnswer {
  items: GeneralContact[];
  next_after: number | null;
  total: number | null;
  total_more: boolean | null;
}
/** GET /api/tracing/chains (format=json): `{ clusters }`. */
export type ChainCase = Wire<ServerChainCase>;
export type ChainCluster = Wire<Cluster>;
export interface ChainsAnswer {
  clusters: ChainCluster[];
}
/** GET and PUT /api/tracing/rules. */
export type TracingRulesVersion = Wire<RulesVersion>;
/** POST /api/tracing/run (routes.ts renames the run's figures). */
export interface TracingRunAnswer {
  cases_created: Answer<typeof runTracing>['casesCreated'];
  traced: Answer<typeof runTracing>['traced'];
}

// ---- Medical care (src/modules/medical) ----

/** A request as GET /api/medical/requests lists it (a keyset page) and every step answers it. */
export type MedicalRequest = Wire<MedicalRequestView>;
/** POST /api/medical/requests. */
export interface MedicalRequestFiled {
  duplicate: boolean;
  request: MedicalRequest;
}
/** POST /api/medical/requests/:id/{route,vehicle,at-hospital,treated,refuse}: the request as it now is. */
export interface MedicalStepAnswer {
  already: boolean;
  request: MedicalRequest;
}
/** GET /api/medical/emergencies: `{ now, items }`. */
export type EmergencyClockEntry = Wire<EmergencyClockItem>;
export interface EmergencyClockAnswer {
  now: string;
  items: EmergencyClockEntry[];
}
/** GET /api/medical/hospitals (`{ items }`). */
export type Hospital = Wire<HospitalView>;
/** GET /api/medical/vehicles (`{ items }`). */
export type MedicalVehicle = Wire<FleetVehicle>;
/** GET /api/medical/refusals: a keyset page. */
export type MedicalRefusal = Wire<RefusalView>;

// ---- Supplies (src/modules/supplies) ----

/** A request as GET /api/supplies/requests lists it (a keyset page). */
export type SupplyRequest = Wire<SupplyRequestView>;
/** POST /api/supplies/requests. */
export interface SupplyRequestFiled {
  duplicate: boolean;
  request: SupplyRequest;
}
/** GET /api/supplies/summary (routes.ts). */
export interface SupplySummary {
  now: string;
  figures: SupplyFigures;
  shortfalls: Wire<Answer<typeof shortfalls>>;
}
/** GET /api/supplies/plan. */
export type SupplyPlan = Wire<Answer<typeof proposePlan>>;
export type SupplyProposal = SupplyPlan['deliveries'][number];
/** GET /api/supplies/deliveries: a keyset page. */
export type SupplyDelivery = Wire<DeliveryView>;
/** POST /api/supplies/deliveries (routes.ts). */
export interface DeliveryConfirmed {
  duplicate: boolean;
  delivery_id: number;
  status: DeliveryRow['status'];
  request_ids: number[];
}
/** POST /api/supplies/depots/:id/receipts (routes.ts). */
export interface StockReceived {
  duplicate: boolean;
  depot_id: number;
}
/** GET /api/supplies/depots (`{ items }`). */
export type Depot = Wire<Answer<typeof listDepots>[number]>;

// ---- 推演 (src/twin/jobs) ----

/** GET /api/twin/options (routes.ts). */
export interface TwinOptions {
  scenarios: Pick<Scenario, 'name' | 'title_zh' | 'title_en' | 'start' | 'real_people'>[];
  strategies: {
    name: string;
    zh: (typeof STRATEGIES)[string]['zh'];
    en: (typeof STRATEGIES)[string]['en'];
  }[];
  figures: typeof BANDED;
  limits: typeof WEB_LIMITS;
}
/** POST /api/twin/runs (202), POST /api/twin/runs/:id/cancel. */
export type TwinRun = Wire<RunRow>;
/** GET /api/twin/runs (`{ items }`): each run with the asker's name. */
export type TwinRunListed = Wire<Answer<typeof listRuns>[number]>;
/** GET /api/twin/runs/:id: the run with its result once done. */
export type TwinRunDetail = Wire<NonNullable<Answer<typeof getRun>>>;
export type TwinResult = NonNullable<TwinRunDetail['result']>;

/** GET /api/system/jobs (src/server/jobs-routes.ts). */
export interface JobsView {
  queues: QueueFigures[];
  dead_letters: DeadLetter[];
}
