/**
 * The `qingcang` command line. Exit codes: 0 done; 1 unexpected error; 2 bad usage or input;
 * 3 import rejected (rows listed); 4 conflict with what the database holds; 5 database unreachable or locked;
 * 6 the audit log failed verification.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DataDirLockedError } from '../db/lock.ts';
import { migrate } from '../db/migrate.ts';
import { ConfigError, openDb, optionsFromEnv } from '../db/open.ts';
import type { Db } from '../db/types.ts';
import { systemClock } from '../domain/clock.ts';
import { AppError, isDatabaseUnavailable } from '../lib/errors.ts';
import { PlausibleDate } from '../lib/instant.ts';
import { createLogger } from '../lib/logger.ts';
import { countUsers, createToken, createUser } from '../modules/access/accounts.ts';
import {
  appendAudit,
  auditHead,
  formatHead,
  parseHead,
  signedCheckpoint,
  verifyAudit,
} from '../modules/access/audit.ts';
import { generatePassword } from '../modules/access/passwords.ts';
import { cliPrincipal } from '../modules/access/principal.ts';
import { purgePersons } from '../modules/access/purge.ts';
import { ROLES } from '../modules/access/roles.ts';
import { UNSCOPED } from '../modules/access/scope.ts';
import {
  beijingToday,
  dailyReport,
  reportHtml,
  reportMarkdown,
  reportXlsx,
} from '../modules/command/daily-report.ts';
import { seedDemoDay } from '../modules/command/demo-day.ts';
import { seedDemoOutbreak } from '../modules/command/demo-outbreak.ts';
import { turnoverBoard } from '../modules/isolation/board.ts';
import { forecast } from '../modules/isolation/capacity.ts';
import { placeBacklog } from '../modules/isolation/place-backlog.ts';
import { UnknownAreaError } from '../modules/registry/divisions.ts';
import { ImportFileError, importPersons } from '../modules/registry/import/index.ts';
import { cityInfo, registryStats } from '../modules/registry/queries.ts';
import {
  DEFAULT_AS_OF,
  loadCityAreas,
  registryIsEmpty,
  SeedConflictError,
  seedCity,
} from '../modules/registry/seed-city.ts';
import { roundCoverage } from '../modules/testing/coverage.ts';
import { FhirBundleRefused, fhirOptionsFromEnv, ingestFhirBundle } from '../modules/testing/fhir/ingest.ts';
import { parseFhirResults } from '../modules/testing/fhir/parse-results.ts';
import { planFromRegistry } from '../modules/testing/plan-from-registry.ts';
import { importResultsFile, ResultsFileRejected } from '../modules/testing/results-file.ts';
import { createRound, getRound } from '../modules/testing/rounds.ts';
import { importScanFile } from '../modules/testing/scan-import.ts';
import { stageClocks } from '../modules/testing/stage-clocks.ts';
import { closeTubes, packBox, receiveBox, shipBox } from '../modules/testing/transport.ts';
import { buildApp } from '../server/app.ts';
import { markProcess, metricsTokenFromEnv } from '../server/metrics.ts';
import {
  buildWorkerApp,
  clusterChildRole,
  listenWithShutdown,
  type Role,
  reportReady,
  SERVE_ROLES,
  startCluster,
  stopOnSignals,
} from '../server/serve.ts';
import { VERSION } from '../server/version.ts';
import { loadScenario, SCENARIOS, STRATEGIES, strategyResponse } from '../twin/loop/scenario.ts';
import { bandsCsv, fitCommand, simulate } from '../twin/loop/simulate.ts';
import { progressBar, progressCounter } from './progress.ts';

/** `qingcang results import bundle.json`: a lab's FHIR bundle, as the API takes it (docs/FHIR.md). */
async function importFhirFile(file: string, json: boolean): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(
      EXIT.usage,
      `cannot read ${file} as JSON (${(e as Error).message}): a FHIR bundle file must be UTF-8 JSON`,
    );
  }
  const parsed = parseFhirResults(body, fhirOptionsFromEnv());
  try {
    const report = await withDb((db) =>
      db.transaction(async (tx) => {
        const r = await ingestFhirBundle(tx, systemClock, parsed, '');
        await appendAudit(tx, systemClock, cliPrincipal(), {
          action: 'testing.results_recorded',
          subjectType: 'tube_results',
          details: {
            file,
            fhir: true,
            bundle_type: r.bundle_type,
            items: r.items.length,
            antigen: r.antigen.length,
            ...r.follow_up,
          },
        });
        return r;
      }),
    );
    if (json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return;
    }
    const by = new Map<string, number>();
    for (const x of [...report.items, ...report.antigen]) by.set(x.status, (by.get(x.status) ?? 0) + 1);
    process.stdout.write(
      `${file}: ${report.bundle_type} bundle, ${report.items.length} tube result(s), ${report.antigen.length} antigen result(s): ` +
        `${[...by].map(([k, v]) => `${v} ${k}`).join(', ') || 'nothing'}; follow-up: ${report.follow_up.positivePools} positive pools, ` +
        `${report.follow_up.positivePersons} confirmed positives\n`,
    );
    for (const w of report.warnings) process.stdout.write(`  warning ${w.code} (${w.path}): ${w.message}\n`);
  } catch (e) {
    if (!(e instanceof FhirBundleRefused)) throw e;
    const lines = e.problems.slice(0, 100).map((x) => `  ${x.path}: ${x.code}: ${x.message}`);
    if (e.problems.length > 100) lines.push(`  … and ${e.problems.length - 100} more`);
    throw new CliError(EXIT.rejected, `${e.message}\n${lines.join('\n')}`);
  }
}

export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  rejected: 3,
  conflict: 4,
  unavailable: 5,
  integrity: 6,
} as const;

export class CliError extends Error {
  readonly exitCode: number;
  constructor(exitCode: number, message: string) {
    super(message);
    this.exitCode = exitCode;
  }
}

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v.replaceAll('_', '').replaceAll(',', ''));
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
  return n;
};

const DEFAULT_CITY = { city: '2202', people: 200_000, seed: 42 };

async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDb(optionsFromEnv());
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function runSeed(
  db: Db,
  o: { city: string; people: number; seed: number; asOf?: string; reset?: boolean },
) {
  const bar = progressBar(`seeding ${o.city}`, o.people);
  try {
    const summary = await seedCity(db, { ...o, clock: systemClock, onProgress: (n) => bar.update(n) });
    bar.stop();
    await db.transaction((tx) =>
      appendAudit(tx, systemClock, cliPrincipal(), {
        action: 'registry.seeded',
        subjectType: 'city',
        subjectId: summary.city,
        areaCode: summary.city,
        details: { people: summary.people, seed: o.seed, reset: o.reset ?? false },
      }),
    );
    return summary;
  } catch (err) {
    bar.stop();
    throw err;
  }
}

/** Production refuses to start without accounts; the demo creates its first accounts with one-time passwords. */
async function bootstrapAccounts(db: Db, production: boolean): Promise<string> {
  if ((await countUsers(db)) > 0) return '';
  if (production) {
    throw new CliError(
      EXIT.conflict,
      "no accounts exist and this is production: load your city's areas (`qingcang areas load --city CODE`), " +
        'then create the first administrator with `qingcang user create --username NAME --role admin --jurisdiction AREA_CODE` (the password is read from standard input), then start again',
    );
  }
  const city = await cityInfo(db);
  if (!city) return '';
  const lines: string[] = [];
  await db.transaction(async (tx) => {
    for (const [username, role, displayName] of [
      ['admin', 'admin', '系统管理员'],
      ['commander', 'commander', '指挥长'],
    ] as const) {
      const password = generatePassword();
      const u = await createUser(tx, {
        username,
        displayName,
        password,
        role,
        jurisdiction: city.code,
        mustChangePassword: true,
      });
      await appendAudit(tx, systemClock, cliPrincipal(), {
        action: 'user.created',
        subjectType: 'user',
        subjectId: u.id,
        areaCode: city.code,
        details: { username, role, demo: true },
      });
      lines.push(`  ${username.padEnd(10)} ${password}   (${role}, ${city.name}; change it at first login)`);
    }
  });
  return `demo accounts created, one-time passwords shown only now:\n${lines.join('\n')}\n`;
}

/** Logins a minute per client address (QINGCANG_LOGIN_RATE_LIMIT): a site behind one NAT address may need more. */
function loginRateLimitFromEnv(): number {
  const raw = process.env.QINGCANG_LOGIN_RATE_LIMIT;
  if (raw === undefined || raw === '') return 10;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100_000)
    throw new CliError(
      EXIT.usage,
      `QINGCANG_LOGIN_RATE_LIMIT must be a whole number from 1 to 100000, got "${raw}"`,
    );
  return n;
}

/**
 * How long the server keeps a costly whole list per jurisdiction (QINGCANG_LIST_CACHE_MS, default 5,000 ms; 0: off).
 * Changes made through the same process show at once; others within this time (src/server/list-cache.ts).
 */
function listCacheMsFromEnv(): number {
  const raw = process.env.QINGCANG_LIST_CACHE_MS;
  if (raw === undefined || raw === '') return 5000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 60_000)
    throw new CliError(
      EXIT.usage,
      `QINGCANG_LIST_CACHE_MS must be a whole number of ms from 0 to 60000, got "${raw}"`,
    );
  return n;
}

interface ServeOptions {
  host: string;
  port: number;
  seedIfEmpty: boolean;
  production: boolean;
  /** API processes sharing the port (1: this process serves). */
  processes: number;
  role: Role;
}

/**
 * QINGCANG_TRUST_PROXY: unset or `false` — the client is the TCP peer; `true` — believe X-Forwarded-For whoever
 * sent it; a number — the proxies in front (hops); else addresses or CIDR ranges of the proxies, comma-separated.
 */
export function trustProxyFromEnv(raw = process.env.QINGCANG_TRUST_PROXY): boolean | number | string {
  const v = (raw ?? '').trim();
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  if (!/^[0-9a-fA-F.:/, ]+$/.test(v))
    throw new CliError(
      EXIT.usage,
      `QINGCANG_TRUST_PROXY must be true, false, a number of proxies or addresses/CIDR ranges separated by commas, got "${v}"`,
    );
  return v;
}

/** Settings read from the environment, checked before any process starts (a child would only loop on them). */
function serverSettings() {
  try {
    return {
      loginRateLimit: loginRateLimitFromEnv(),
      listCacheMs: listCacheMsFromEnv(),
      metricsToken: metricsTokenFromEnv(),
      trustProxy: trustProxyFromEnv(),
    };
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(EXIT.usage, (err as Error).message);
  }
}

/** A child of `serve --processes N`: an API process on the shared port, or the one background worker. */
async function serveClusterChild(role: 'api' | 'worker', o: ServeOptions) {
  const log = createLogger().child({ pid: process.pid, role });
  const settings = serverSettings();
  // The primary has migrated.
  const db = await openDb({ ...optionsFromEnv(), migrate: false });
  try {
    if (role === 'worker') {
      const app = await buildWorkerApp({
        db,
        clock: systemClock,
        logger: log,
        metricsToken: settings.metricsToken,
      });
      await app.ready();
      stopOnSignals(app, db, log);
      reportReady(null);
      return;
    }
    const app = await buildApp({
      db,
      clock: systemClock,
      logger: log,
      production: o.production,
      workers: false,
      loginRateLimit: settings.loginRateLimit,
      metricsToken: settings.metricsToken,
      trustProxy: settings.trustProxy,
      listCacheMs: settings.listCacheMs,
    });
    markProcess('api');
    reportReady(await listenWithShutdown(app, db, log, o.host, o.port));
  } catch (err) {
    await db.close();
    throw err;
  }
}

async function serve(o: ServeOptions) {
  const child = clusterChildRole();
  if (child)
    // A child that cannot start exits (its IPC channel would keep it alive): the primary sees it and stops.
    return serveClusterChild(child, o).catch((err: unknown) => {
      const { code, message } = explain(err);
      process.stderr.write(`qingcang: ${message}\n`);
      process.exit(code || EXIT.error);
    });
  if (o.processes > 1) {
    if (!optionsFromEnv().databaseUrl)
      throw new CliError(
        EXIT.usage,
        '--processes above 1 needs PostgreSQL (set DATABASE_URL): the embedded database (PGlite) is opened by one process only',
      );
    if (o.role === 'worker')
      throw new CliError(EXIT.usage, '--role worker runs the background work once: it takes no --processes');
  }
  const settings = serverSettings();
  const log =
    o.role === 'all' && o.processes === 1
      ? createLogger()
      : createLogger().child({ pid: process.pid, role: o.processes > 1 ? 'primary' : o.role });
  const db = await openDb(optionsFromEnv());
  try {
    if (o.seedIfEmpty && !o.production && (await registryIsEmpty(db))) {
      process.stderr.write(
        `empty database: seeding the demo city (${DEFAULT_CITY.city}, ${DEFAULT_CITY.people.toLocaleString('en')} people, seed ${DEFAULT_CITY.seed})\n`,
      );
      const s = await runSeed(db, DEFAULT_CITY);
      process.stderr.write(
        `seeded ${s.cityName}: ${s.people} people in ${s.households} households, ${s.seconds.toFixed(1)} s\n`,
      );
      const outbreak = await seedDemoOutbreak(db, systemClock.now());
      process.stderr.write(
        `demo outbreak: ${outbreak.days
          .map((d) => `${d.day} ${d.positives} positives, ${d.placed} placed, ${d.arrived} arrived`)
          .join('; ')}; today ${outbreak.today} positives for the tracing worker\n`,
      );
      const day = await seedDemoDay(db, systemClock.now());
      process.stderr.write(
        `demo day: ${day.leaders} leaders with patches; round "${day.round.name}" in progress, ${day.round.sampled.toLocaleString('en')} of ${day.round.people.toLocaleString('en')} residents sampled in ${day.round.tubes.toLocaleString('en')} tubes; ${day.trips.planned} trips planned, ${day.trips.departed} on the road\n`,
      );
    }
    const accounts = o.role === 'worker' ? '' : await bootstrapAccounts(db, o.production);
    const where = `${db.describe().kind}, ${db.describe().location}${o.production ? ', production' : ''}`;
    if (o.processes > 1) {
      // The primary only forks and watches: the children open their own connections.
      await db.close();
      const address = await startCluster({ processes: o.processes, background: o.role === 'all', log }).catch(
        (err: Error) => {
          throw new CliError(EXIT.error, err.message);
        },
      );
      const url = address.replace('127.0.0.1', 'localhost');
      process.stdout.write(
        `\nqingcang ${VERSION} is serving on ${url} with ${o.processes} API processes${o.role === 'all' ? ' and 1 background worker' : ''}  (database: ${where})\n  API docs: ${url}/api/docs\n${accounts}\n`,
      );
      return;
    }
    if (o.role === 'worker') {
      const app = await buildWorkerApp({
        db,
        clock: systemClock,
        logger: log,
        metricsToken: settings.metricsToken,
      });
      const address = await listenWithShutdown(app, db, log, o.host, o.port);
      process.stdout.write(
        `\nqingcang ${VERSION} background worker running (database: ${where}); health and metrics on ${address}\n`,
      );
      return;
    }
    const app = await buildApp({
      db,
      clock: systemClock,
      logger: log,
      production: o.production,
      workers: o.role === 'all',
      loginRateLimit: settings.loginRateLimit,
      metricsToken: settings.metricsToken,
      trustProxy: settings.trustProxy,
      listCacheMs: settings.listCacheMs,
    });
    markProcess(o.role === 'api' ? 'api' : 'all');
    const address = await listenWithShutdown(app, db, log, o.host, o.port);
    const url = address.replace('127.0.0.1', 'localhost');
    process.stdout.write(
      `\nqingcang ${VERSION} is serving on ${url}${o.role === 'api' ? ' (API only: run the background work with `qingcang worker`)' : ''}  (database: ${where})\n  API docs: ${url}/api/docs\n${accounts}\n`,
    );
  } catch (err) {
    await db.close();
    throw err;
  }
}

export function buildProgram(): Command {
  const program = new Command('qingcang')
    .description('qingcang (清仓): outbreak-response command platform')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  const hostOpt = () =>
    new Option('--host <host>', 'address to listen on').default(process.env.HOST ?? '127.0.0.1');
  const portOpt = () =>
    new Option('--port <port>', 'port to listen on')
      .default(Number(process.env.PORT ?? 3000))
      .argParser(int('port', 0, 65535));
  const processesOpt = () =>
    new Option(
      '--processes <n>',
      'API processes sharing the port (node:cluster; above 1 needs PostgreSQL); with --role all one more process runs the background work',
    )
      .default(Number(process.env.QINGCANG_PROCESSES ?? 1))
      .argParser(int('processes', 1, 64));
  const roleOpt = () =>
    new Option(
      '--role <role>',
      'api: HTTP only; worker: background work only (health and metrics over HTTP); all: both',
    )
      .choices(SERVE_ROLES)
      .default('all');

  program
    .command('start')
    .description('migrate, seed the demo city if the database is empty, and serve (what `npm start` runs)')
    .addOption(hostOpt())
    .addOption(portOpt())
    .addOption(processesOpt())
    .addOption(roleOpt())
    .option(
      '--production',
      'production mode (also NODE_ENV=production): no demo city, no demo accounts, secure cookies',
    )
    .action(async (o) =>
      serve({
        host: o.host,
        port: o.port,
        seedIfEmpty: true,
        production: o.production || process.env.NODE_ENV === 'production',
        processes: o.processes,
        role: o.role,
      }),
    );

  program
    .command('serve')
    .description('migrate and serve the API (never seeds)')
    .addOption(hostOpt())
    .addOption(portOpt())
    .addOption(processesOpt())
    .addOption(roleOpt())
    .option(
      '--production',
      'production mode (also NODE_ENV=production): refuse to start without accounts, secure cookies',
    )
    .action(async (o) =>
      serve({
        host: o.host,
        port: o.port,
        seedIfEmpty: false,
        production: o.production || process.env.NODE_ENV === 'production',
        processes: o.processes,
        role: o.role,
      }),
    );

  program
    .command('worker')
    .description(
      'migrate and run the background work only (tracing, dashboard refresh, checks, 推演 runs); serves its health and metrics',
    )
    .addOption(hostOpt())
    .addOption(portOpt())
    .action(async (o) =>
      serve({
        host: o.host,
        port: o.port,
        seedIfEmpty: false,
        production: process.env.NODE_ENV === 'production',
        processes: 1,
        role: 'worker',
      }),
    );

  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async () => {
      const db = await openDb({ ...optionsFromEnv(), migrate: false });
      try {
        const r = await migrate(db);
        process.stdout.write(
          r.applied.length
            ? `applied ${r.applied.join(', ')}; schema at ${r.current}\n`
            : `nothing to apply; schema at ${r.current}\n`,
        );
      } finally {
        await db.close();
      }
    });

  program
    .command('seed')
    .description(
      'generate the demo city: real communities of a city, a population, and the response resources',
    )
    .option(
      '--city <code>',
      '4-digit GB/T 2260 city code (2202 = Jilin city, 2201 = Changchun)',
      DEFAULT_CITY.city,
    )
    .option('--people <n>', 'how many residents', int('people', 1, 20_000_000), DEFAULT_CITY.people)
    .option(
      '--seed <n>',
      'random seed (same seed, same city)',
      int('seed', 0, 2 ** 31 - 1),
      DEFAULT_CITY.seed,
    )
    .option('--as-of <date>', 'reference day for ages (YYYY-MM-DD)', DEFAULT_AS_OF)
    .option('--reset', 'replace a city already in the database (deletes its people)')
    .option('--json', 'print the summary as JSON')
    .action(async (o) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(o.asOf))
        throw new CliError(EXIT.usage, `--as-of must be YYYY-MM-DD, got ${o.asOf}`);
      await withDb(async (db) => {
        const s = await runSeed(db, {
          city: o.city,
          people: o.people,
          seed: o.seed,
          asOf: o.asOf,
          reset: o.reset,
        });
        if (o.json) process.stdout.write(`${JSON.stringify(s)}\n`);
        else {
          process.stdout.write(
            `seeded ${s.cityName} (${s.city}): ${s.people} people, ${s.households} households, ${s.buildings} buildings, ${s.areas} areas, ` +
              `${s.venues} venues, ${s.sites} sites, ${s.rooms} rooms, ${s.beds} beds, ${s.labs} labs, ${s.vehicles} vehicles in ${s.seconds.toFixed(1)} s\n`,
          );
        }
      });
    });

  program
    .command('simulate')
    .description(
      'run a scenario through the platform (a fresh database per run) for each strategy and seed, and compare (推演)',
    )
    .option('--scenario <name>', `scenario: ${SCENARIOS.join(', ')}`, 'jilin-city-2022')
    .option(
      '--strategy <names>',
      `comma-separated strategies: ${Object.keys(STRATEGIES).join(', ')}`,
      'as-it-happened',
    )
    .option('--days <n>', 'simulated days', int('days', 1, 400), 60)
    .option('--seeds <n>', 'seeds per strategy (bands over seeds: median, 10–90 %)', int('seeds', 1, 100), 1)
    .option(
      '--people <n>',
      "residents of the simulated city (default: the scenario's city, scaled resources with it)",
      int('people', 1000, 20_000_000),
    )
    .option('--json', 'print the result as JSON: the per-day bands, the summary per strategy and every run')
    .option('--csv', 'print the per-day bands as CSV')
    .option(
      '--fit',
      "fit the scenario's seeding and contact scale on the model with a detection proxy (default a tenth of the city, 3 seeds), write them into its file, and run it forward",
    )
    .action(async (o, cmd) => {
      if (o.fit) {
        const given = (k: string) => cmd.getOptionValueSource(k) === 'cli';
        // The fit runs synchronously (a timer-drawn bar would not redraw): a line every few points instead.
        const started = performance.now();
        const r = await fitCommand({
          scenario: o.scenario,
          people: o.people,
          seeds: given('seeds') ? o.seeds : undefined,
          onProgress: (p) => {
            if (p.done % 10 !== 0 && p.done !== p.total) return;
            const b = p.best;
            process.stderr.write(
              `fit, ${p.stage} grid: ${p.done}/${p.total} points, ${((performance.now() - started) / 1000).toFixed(0)} s; best so far: lead-in ${b.leadInDays} d, ${b.seedPerMillion} per million, contact scale ${b.contactScale}, loss ${b.loss.toFixed(3)}\n`,
            );
          },
        });
        process.stdout.write(`${JSON.stringify(o.json ? r : { fit: r.block, best: r.fit.best }, null, 2)}\n`);
        if (!o.json)
          for (const d of r.forward.filter((x) => x.day % 7 === 6 || x.day === 13))
            process.stdout.write(
              `${d.date}: infected ${d.trueTotal}, new ${d.trueNew}, found ${d.detected} (total ${d.detectedTotal}), isolated ${d.isolated}, lockdown communities ${d.lockdownAreas}\n`,
            );
        return;
      }
      const strategies = String(o.strategy)
        .split(',')
        .map((x: string) => x.trim())
        .filter(Boolean);
      try {
        const sc = loadScenario(o.scenario);
        for (const s of strategies) strategyResponse(sc, s);
      } catch (err) {
        throw new CliError(EXIT.usage, (err as Error).message);
      }
      const total = strategies.length * o.seeds * o.days;
      const bar = progressBar('simulating (days)', total);
      let done = 0;
      const r = await simulate({
        scenario: o.scenario,
        strategies,
        days: o.days,
        seeds: o.seeds,
        people: o.people,
        databaseUrl: process.env.DATABASE_URL,
        onProgress: () => bar.update(++done),
      });
      bar.stop();
      if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else if (o.csv) process.stdout.write(bandsCsv(r.bands));
      else {
        process.stdout.write(
          `${r.scenario.title_zh} / ${r.scenario.title_en}: ${r.people.toLocaleString('en')} people, ${r.days} days, ${r.seeds} seed(s)\n`,
        );
        for (const s of r.summary) {
          process.stdout.write(
            `${s.strategy}: infections ${Math.round(s.total_infections)} (10–90 %: ${Math.round(s.total_infections_p10)}–${Math.round(s.total_infections_p90)}), ` +
              `detected ${Math.round(s.detected)}, peak rooms needed ${Math.round(s.peak_rooms_needed)}, peak beds needed ${Math.round(s.peak_beds_needed)}, ` +
              `person-tests ${Math.round(s.person_tests)}, community zero ${s.community_zero_date ?? 'not reached'} (${s.community_zero_reached}/${s.seeds} seeds), ` +
              `invariant failures ${s.invariant_failures}\n`,
          );
        }
      }
      const failures = r.runs.flatMap((x) => x.failures);
      if (failures.length > 0) {
        process.stderr.write(
          `${failures.length} invariant failure(s), first: ${JSON.stringify(failures[0])}\n`,
        );
        process.exitCode = EXIT.conflict;
      }
    });

  program
    .command('stats')
    .description('counts of areas, persons, households, sites, rooms, beds, labs and vehicles')
    .option('--json', 'print JSON')
    .action(async (o) => {
      await withDb(async (db) => {
        const s = await registryStats(db, UNSCOPED);
        const out = { database: db.describe().kind, ...s };
        if (o.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        else {
          process.stdout.write(
            `database ${out.database}\nareas: ${Object.entries(s.areas)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}\n` +
              `persons ${s.persons}, households ${s.households}, buildings ${s.buildings}, venues ${s.venues}\n` +
              `sites: ${
                Object.entries(s.sites)
                  .map(([k, v]) => `${k} ${v}`)
                  .join(', ') || 'none'
              }\n` +
              `rooms ${s.rooms} (${s.room_places} places), beds ${s.beds}, labs ${s.labs} (${s.lab_daily_capacity_tubes} tubes/day)\n` +
              `vehicles: ${
                Object.entries(s.vehicles)
                  .map(([k, v]) => `${k} ${v}`)
                  .join(', ') || 'none'
              }\n`,
          );
        }
      });
    });

  const imp = program.command('import').description('bulk imports from CSV or XLSX files');
  imp
    .command('persons')
    .description(
      'import persons from a CSV or XLSX file (streamed). All or nothing by default: any bad row rejects the file, ' +
        'and every bad row is listed. Re-importing the same file changes nothing.',
    )
    .argument('<file>', 'a .csv, .tsv or .xlsx file with a header row (Chinese or English column names)')
    .option('--valid-rows', 'write the good rows and report the bad ones, instead of all or nothing')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, o) => {
      await withDb(async (db) => {
        const counter = progressCounter('importing');
        let rows = 0;
        const report = await importPersons(db, file, {
          fileName: file,
          mode: o.validRows ? 'valid_rows' : 'all_or_nothing',
          clock: systemClock,
          onProgress: (n) => {
            rows = n;
            counter.update(n);
          },
        });
        counter.stop(Math.max(rows, report.rowsRead));
        await db.transaction((tx) =>
          appendAudit(tx, systemClock, cliPrincipal(), {
            action: 'person.import',
            subjectType: 'import_run',
            subjectId: report.runId,
            details: {
              status: report.status,
              inserted: report.inserted,
              updated: report.updated,
              rejected: report.rejected,
              households_closed: report.householdsClosed,
            },
          }),
        );
        if (o.json) process.stdout.write(`${JSON.stringify(report)}\n`);
        else {
          process.stdout.write(
            `${report.status}: ${report.rowsRead} rows read, ${report.inserted} inserted, ${report.updated} updated, ` +
              `${report.unchanged} unchanged, ${report.rejected} rejected (run ${report.runId})` +
              (report.householdsClosed + report.householdsReopened > 0
                ? `; households: ${report.householdsClosed} left empty by moves and closed, ${report.householdsReopened} reopened`
                : '') +
              '\n',
          );
          for (const r of report.rejections.slice(0, 200)) {
            process.stdout.write(`  line ${r.line}: ${r.field} ${r.code}: ${r.message}\n`);
          }
          if (report.rejections.length > 200) {
            process.stdout.write(`  … ${report.rejections.length - 200} more (use --json for all)\n`);
          }
        }
        if (report.status === 'rejected') {
          throw new CliError(
            EXIT.rejected,
            `nothing was imported: ${report.rejected} row(s) rejected. Fix them and import the file again, or use --valid-rows to import the good rows.`,
          );
        }
      });
    });

  imp
    .command('scans')
    .description(
      'register a file of sampling scans for a round in one transaction (COPY speed). Each row is accepted, a ' +
        'duplicate (its key was recorded before: sending a file again counts nothing twice) or rejected with its line; ' +
        'a file that cannot be read is refused whole.',
    )
    .argument(
      '<file>',
      '.csv, .tsv or .xlsx with 试管条码/tube, 人员编号/person_id or 身份证号/id_number, 采样点编号/point_id, ' +
        '采样时间/scanned_at, optional 采样记录号/key, 混采数/pool_size, 采样人员/sampler',
    )
    .requiredOption('--round <id>', 'the round the scans belong to', int('round', 1, Number.MAX_SAFE_INTEGER))
    .option('--json', 'print the report as JSON')
    .action(async (file: string, o) => {
      const report = await withDb(async (db) => {
        let bar: ReturnType<typeof progressBar> | undefined;
        let phase = '';
        const r = await importScanFile(db, systemClock, file, {
          roundId: o.round,
          fileName: file,
          uploader: `${cliPrincipal().kind}:${cliPrincipal().name}`,
          scopePrefix: '',
          listLimit: 200,
          onProgress: (p) => {
            if (phase !== p.phase) {
              bar?.stop();
              phase = p.phase;
              bar = progressBar(p.phase === 'check' ? 'checking (bytes)' : 'writing (bytes)', p.totalBytes);
            }
            bar?.update(p.bytes);
          },
        });
        bar?.stop();
        await db.transaction((tx) =>
          appendAudit(tx, systemClock, cliPrincipal(), {
            action: 'testing.scans_imported',
            subjectType: 'round',
            subjectId: o.round,
            details: {
              file,
              rows: r.rows,
              accepted: r.accepted,
              duplicates: r.duplicates,
              rejected: r.rejected,
            },
          }),
        );
        return r;
      });
      if (o.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        const flags = Object.entries(report.flags).map(([k, v]) => `${v} ${k}`);
        process.stdout.write(
          `${report.rows} rows: ${report.accepted} accepted${flags.length ? ` (flagged: ${flags.join(', ')})` : ''}, ` +
            `${report.duplicates} duplicates, ${report.rejected} rejected; ${report.tubes_opened} tubes opened, ${report.tubes_closed} closed\n`,
        );
        for (const x of report.problems) process.stdout.write(`  line ${x.line}: ${x.code}: ${x.message}\n`);
        if (report.truncated) process.stdout.write('  … more not listed (counts above are complete)\n');
      }
      if (report.rejected > 0)
        throw new CliError(
          EXIT.rejected,
          `${report.rejected} row(s) were rejected and not recorded; fix them and send those rows again (the accepted rows are recorded)`,
        );
    });

  program
    .command('areas')
    .description('the administrative hierarchy')
    .command('load')
    .description(
      'load the real areas of a city (province → community, GB/T 2260) without any people: production set-up',
    )
    .requiredOption('--city <code>', '4-digit city code (2202 = Jilin city)')
    .action(async (o) => {
      const r = await withDb((db) => loadCityAreas(db, o.city));
      process.stdout.write(`loaded ${r.areas} new areas of ${r.cityName} (${r.city})\n`);
    });

  const user = program.command('user').description('accounts');
  user
    .command('create')
    .description(
      'create an account; the password is read from standard input (or generated with --generate-password)',
    )
    .requiredOption('--username <name>', 'user name (3–40 characters: a-z 0-9 _ . -)')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .requiredOption(
      '--jurisdiction <code>',
      'area code the account answers for (e.g. 2202 for the whole city)',
    )
    .option('--display-name <name>', 'name shown in the UI')
    .option(
      '--generate-password',
      'generate a one-time password and print it (must be changed at first login)',
    )
    .action(async (o) => {
      const generated = o.generatePassword ? generatePassword() : undefined;
      const password = generated ?? (await readStdin()).replace(/\r?\n$/, '');
      await withDb(async (db) => {
        await db.transaction(async (tx) => {
          const u = await createUser(tx, {
            username: o.username,
            displayName: o.displayName ?? o.username,
            password,
            role: o.role,
            jurisdiction: o.jurisdiction,
            mustChangePassword: Boolean(generated),
          });
          await appendAudit(tx, systemClock, cliPrincipal(), {
            action: 'user.created',
            subjectType: 'user',
            subjectId: u.id,
            areaCode: u.jurisdiction,
            details: { username: u.username, role: u.role },
          });
        });
      });
      process.stdout.write(
        `created ${o.username} (${o.role}, ${o.jurisdiction})${generated ? `; one-time password: ${generated}` : ''}\n`,
      );
    });

  const token = program.command('token').description('API tokens for devices, labs and data feeds');
  token
    .command('create')
    .description('create an API token; the secret is printed once')
    .requiredOption('--name <name>', 'what the token is for (e.g. "lab 3 LIS feed")')
    .requiredOption('--role <role>', 'the role it acts with (not admin or auditor)')
    .requiredOption('--jurisdiction <code>', 'area code it may act in')
    .option('--days <n>', 'lifetime in days', int('days', 1, 366), 30)
    .action(async (o) => {
      const t = await withDb((db) =>
        db.transaction(async (tx) => {
          const created = await createToken(tx, systemClock, {
            name: o.name,
            role: o.role,
            jurisdiction: o.jurisdiction,
            days: o.days,
            createdBy: null,
          });
          await appendAudit(tx, systemClock, cliPrincipal(), {
            action: 'token.created',
            subjectType: 'api_token',
            subjectId: created.row.id,
            areaCode: created.row.jurisdiction,
            details: { name: o.name, role: o.role },
          });
          return created;
        }),
      );
      process.stdout.write(`${t.token}\n`);
      process.stderr.write(
        `token ${t.row.id} "${t.row.name}" (${t.row.role}, ${t.row.jurisdiction}) expires ${t.row.expires_at.toISOString()}; it is not shown again\n`,
      );
    });

  const round = program.command('round').description('mass-testing rounds');
  const areasOpt = (v: string) => {
    const list = v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    if (list.length === 0 || list.some((a) => !/^\d{2,15}$/.test(a)))
      throw new InvalidArgumentError('a comma-separated list of area codes');
    return list;
  };
  round
    .command('plan')
    .description(
      'plan a round from the registry: points, samplers, tubes, labs, and whether it can finish in time',
    )
    .requiredOption('--areas <codes>', 'comma-separated area codes (e.g. 2202 or 220202,220203)', areasOpt)
    .option('--deadline-hours <h>', 'hours from start to deadline', int('deadline-hours', 1, 168), 24)
    .option('--samplers <n>', 'samplers available', int('samplers', 1, 1_000_000))
    .option('--json', 'print the whole plan as JSON')
    .action(async (o) => {
      const plan = await withDb((db) =>
        planFromRegistry(db, UNSCOPED, {
          areas: o.areas,
          startsAt: systemClock.now(),
          deadlineHours: o.deadlineHours,
          samplersAvailable: o.samplers,
        }),
      );
      if (o.json) {
        process.stdout.write(`${JSON.stringify(plan)}\n`);
        return;
      }
      const t = plan.totals;
      process.stdout.write(
        `${t.population} residents in ${plan.areas.length} communities: ${t.points} sampling points, ${t.samplers} samplers, ` +
          `${t.tubes.total} tubes; labs: ${plan.labs.map((l) => `${l.name} ${l.tubes}`).join(', ')}\n` +
          `${plan.verdict.feasible ? 'feasible' : 'NOT feasible'}: finishes ${plan.verdict.finishesAt.toISOString()}\n` +
          plan.verdict.shortfalls.map((x) => `  short: ${x.message}\n`).join(''),
      );
      if (!plan.verdict.feasible) process.exitCode = EXIT.conflict;
    });
  round
    .command('start')
    .description('start a round on areas; sampling points are created from the registry')
    .requiredOption('--name <name>', 'e.g. 第8轮全员核酸')
    .requiredOption('--areas <codes>', 'comma-separated area codes', areasOpt)
    .option('--deadline-hours <h>', 'hours from start to deadline', int('deadline-hours', 1, 168), 24)
    .action(async (o) => {
      const r = await withDb((db) =>
        db.transaction(async (tx) => {
          const created = await createRound(
            tx,
            systemClock,
            { name: o.name, areas: o.areas, deadlineHours: o.deadlineHours, createdBy: cliPrincipal().name },
            '',
          );
          await appendAudit(tx, systemClock, cliPrincipal(), {
            action: 'testing.round_created',
            subjectType: 'round',
            subjectId: created.round.id,
            details: { areas: o.areas, points: created.points },
          });
          return created;
        }),
      );
      process.stdout.write(
        `round ${r.round.id} "${r.round.name}" started with ${r.points} sampling points; deadline ${r.round.deadline_at.toISOString()}\n`,
      );
    });
  round
    .command('coverage')
    .description('residents vs sampled vs resulted and the four stage clocks per child area')
    .argument('<round>', 'round id')
    .requiredOption('--area <code>', 'the area whose children to show (e.g. 2202)')
    .option('--json', 'print JSON')
    .action(async (id: string, o) => {
      const roundId = int('round', 1, Number.MAX_SAFE_INTEGER)(id);
      const out = await withDb(async (db) => {
        const r = await getRound(db, roundId);
        if (!r) throw new CliError(EXIT.usage, `no round ${roundId}`);
        const now = systemClock.now();
        return (await roundCoverage(db, UNSCOPED, roundId, o.area)).map((a) => ({
          ...a,
          stages: stageClocks(r, a, now),
        }));
      });
      if (o.json) process.stdout.write(`${JSON.stringify(out)}\n`);
      else {
        for (const a of out) {
          const late = a.stages.filter((x) => x.status === 'late').map((x) => x.stage);
          process.stdout.write(
            `${a.code} ${a.name}: ${a.sampled}/${a.residents} sampled, ${a.resulted} resulted, ${a.tubes} tubes (${a.positive_tubes} positive)${late.length ? `; LATE: ${late.join(', ')}` : ''}\n`,
          );
        }
      }
    });

  const transport = program
    .command('tubes')
    .description('tubes and transport boxes (送): close, pack, ship, receive');
  const tubeList = (v: string) => {
    const list = v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    if (list.length === 0 || list.some((x) => !/^[A-Za-z0-9_-]{4,40}$/.test(x)))
      throw new InvalidArgumentError(
        'give tube barcodes (4–40 letters, digits, _ or -), separated by commas',
      );
    return list;
  };
  /** Prints the per-tube answers; refused tubes make the exit code 3. */
  const reportTubes = (items: { tube: string; status: string; code?: string; message?: string }[]) => {
    for (const i of items)
      process.stdout.write(`${i.tube}: ${i.status}${i.code ? ` (${i.code}: ${i.message})` : ''}\n`);
    const refused = items.filter((i) => i.status === 'rejected').length;
    if (refused > 0) throw new CliError(EXIT.rejected, `${refused} tube(s) refused; see above`);
  };
  transport
    .command('close')
    .description('close open tubes by hand (a retry answers "already")')
    .argument('<tubes>', 'tube barcodes, comma-separated', tubeList)
    .action(async (tubes: string[]) => {
      reportTubes(await withDb((db) => db.transaction((tx) => closeTubes(tx, systemClock, tubes, ''))));
    });
  transport
    .command('pack')
    .description('pack closed tubes of a round into a transport box (created on first use)')
    .argument('<box>', 'box barcode')
    .argument('<tubes>', 'tube barcodes, comma-separated', tubeList)
    .requiredOption('--round <id>', 'the round', int('round', 1, Number.MAX_SAFE_INTEGER))
    .action(async (box: string, tubes: string[], o) => {
      const r = await withDb((db) =>
        db.transaction((tx) => packBox(tx, systemClock, { roundId: o.round, box, tubes, scopePrefix: '' })),
      );
      process.stdout.write(`box ${r.box.barcode} (${r.box.status})\n`);
      reportTubes(r.tubes);
    });
  transport
    .command('ship')
    .description('the box leaves the sampling point with its tubes')
    .argument('<box>', 'box barcode')
    .action(async (box: string) => {
      const r = await withDb((db) => db.transaction((tx) => shipBox(tx, systemClock, box, '')));
      process.stdout.write(`box ${box} shipped with ${r.tubes} tube(s)\n`);
    });
  transport
    .command('receive')
    .description('the lab receives the box and its tubes')
    .argument('<box>', 'box barcode')
    .requiredOption('--lab <id>', 'the receiving lab', int('lab', 1, Number.MAX_SAFE_INTEGER))
    .action(async (box: string, o) => {
      const r = await withDb((db) => db.transaction((tx) => receiveBox(tx, systemClock, box, o.lab, '')));
      process.stdout.write(`box ${box} received by lab ${o.lab} with ${r.tubes} tube(s)\n`);
    });

  program
    .command('results')
    .description('lab results')
    .command('import')
    .description(
      'record tube results from a CSV or XLSX export (unreadable rows reject the file) or a FHIR R4 Bundle (.json; one unit, all or nothing)',
    )
    .argument(
      '<file>',
      '.csv or .xlsx with 试管条码/tube, 检测结果/result, 检测时间/tested_at, optional Ct columns; or .json holding a FHIR R4 Bundle',
    )
    .option('--json', 'print the report as JSON')
    .action(async (file: string, o) => {
      if (/\.(json|fhir)$/i.test(file)) return importFhirFile(file, Boolean(o.json));
      const report = await withDb(async (db) => {
        const r = await importResultsFile(db, systemClock, file, { fileName: file, scopePrefix: '' });
        await db.transaction((tx) =>
          appendAudit(tx, systemClock, cliPrincipal(), {
            action: 'testing.results_recorded',
            subjectType: 'tube_results',
            details: { file, rows: r.rows, ...r.followUp },
          }),
        );
        return r;
      });
      if (o.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        const by = new Map<string, number>();
        for (const x of report.outcomes) by.set(x.status, (by.get(x.status) ?? 0) + 1);
        process.stdout.write(
          `${report.rows} rows: ${[...by].map(([k, v]) => `${v} ${k}`).join(', ')}; follow-up: ${report.followUp.positivePools} positive pools, ` +
            `${report.followUp.retestTasks} re-test tasks, ${report.followUp.positivePersons} confirmed positives\n`,
        );
        for (const x of report.outcomes
          .filter((y) => y.status === 'rejected' || y.status === 'conflict')
          .slice(0, 100)) {
          process.stdout.write(
            `  line ${x.line}: ${x.tube} ${x.status}: ${'message' in x ? x.message : ''}\n`,
          );
        }
      }
    });

  program
    .command('report')
    .description(
      'the daily report (每日通报) of a day, as Markdown, HTML, XLSX or JSON, in Chinese or English',
    )
    .option('--date <date>', 'YYYY-MM-DD (Beijing time; default today)')
    .addOption(
      new Option('--format <format>', 'output format').choices(['md', 'html', 'xlsx', 'json']).default('md'),
    )
    .addOption(new Option('--lang <lang>', 'language').choices(['zh', 'en']).default('zh'))
    .option('--out <file>', 'write to a file (required for xlsx)')
    .action(async (o) => {
      const now = systemClock.now();
      const date = o.date ?? beijingToday(now);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
        throw new CliError(EXIT.usage, `--date must be YYYY-MM-DD, got ${date}`);
      if (o.format === 'xlsx' && !o.out) throw new CliError(EXIT.usage, 'an XLSX report needs --out FILE');
      const r = await withDb((db) => dailyReport(db, UNSCOPED, date, now));
      const body =
        o.format === 'xlsx'
          ? await reportXlsx(r, o.lang)
          : o.format === 'html'
            ? reportHtml(r, o.lang)
            : o.format === 'json'
              ? `${JSON.stringify(r, null, 2)}\n`
              : reportMarkdown(r, o.lang);
      if (o.out) {
        writeFileSync(o.out, body);
        process.stderr.write(`wrote ${o.out}\n`);
      } else process.stdout.write(body);
    });

  const iso = program.command('isolation').description('quarantine sites, rooms, beds and stays (清仓)');
  iso
    .command('place')
    .description(
      'place everyone waiting (cases to hospital beds, contacts to rooms); lists who still waits and why',
    )
    .addOption(new Option('--edition <edition>', 'protocol edition').choices(['8th', '9th']).default('8th'))
    .option('--json', 'print JSON')
    .action(async (o) => {
      const run = await withDb((db) =>
        db.transaction(async (tx) => {
          const r = await placeBacklog(tx, systemClock, UNSCOPED, o.edition);
          await appendAudit(tx, systemClock, cliPrincipal(), {
            action: 'isolation.placed',
            subjectType: 'placement',
            details: { placed: r.placed, waiting: r.waiting.length },
          });
          return r;
        }),
      );
      if (o.json) process.stdout.write(`${JSON.stringify(run)}\n`);
      else {
        process.stdout.write(`placed ${run.placed}; waiting ${run.waiting.length}\n`);
        for (const w of run.waiting.slice(0, 50))
          process.stdout.write(`  person ${w.personId}: ${w.reason}\n`);
      }
    });
  iso
    .command('board')
    .description('the 清仓 board of a day: due, released, rooms freed and turnover, stuck rooms, occupancy')
    .option('--date <date>', 'YYYY-MM-DD (Beijing time; default today)')
    .action(async (o) => {
      const now = systemClock.now();
      const b = await withDb((db) => turnoverBoard(db, UNSCOPED, o.date ?? beijingToday(now), now));
      process.stdout.write(`${JSON.stringify(b, null, 2)}\n`);
    });
  iso
    .command('forecast')
    .description(
      'rooms and beds needed in the next 3 days against free capacity, and reserve tiers to activate',
    )
    .action(async () => {
      const f = await withDb((db) => forecast(db, UNSCOPED, systemClock.now()));
      process.stdout.write(`${JSON.stringify(f, null, 2)}\n`);
    });

  const audit = program.command('audit').description('the audit log');
  audit
    .command('verify')
    .description(
      'recompute the hash chain of the whole audit log; exit 6 if any entry was changed or removed',
    )
    .option('--json', 'print JSON')
    .option(
      '--expect-head <COUNT:HASH>',
      'a head published earlier (by this command or `audit head`): fail if the log no longer contains it',
    )
    .action(async (o) => {
      let expected: ReturnType<typeof parseHead> | undefined;
      try {
        expected = o.expectHead ? parseHead(o.expectHead) : undefined;
      } catch (err) {
        throw new CliError(EXIT.usage, (err as Error).message);
      }
      const counter = progressCounter('verifying');
      const r = await withDb((db) => verifyAudit(db, (n) => counter.update(n), expected));
      counter.stop(r.checked);
      if (o.json) process.stdout.write(`${JSON.stringify({ ...r, head: formatHead(r.head) })}\n`);
      else if (r.ok)
        process.stdout.write(
          `audit log intact: ${r.checked} entries verified\nhead ${formatHead(r.head)}  (keep it outside the system; check later with --expect-head)\n`,
        );
      if (!r.ok)
        throw new CliError(
          EXIT.integrity,
          `audit log broken${r.brokenAt ? ` at entry ${r.brokenAt}` : ''}: ${r.problem}`,
        );
    });
  audit
    .command('head')
    .description(
      'print the head of the audit chain (count and last hash), signed with QINGCANG_AUDIT_KEY when set',
    )
    .action(async () => {
      const head = await withDb((db) => auditHead(db));
      const c = signedCheckpoint(head, new Date(), process.env.QINGCANG_AUDIT_KEY || undefined);
      process.stdout.write(`${JSON.stringify(c)}\n`);
    });

  program
    .command('purge')
    .description('anonymise the personal data of people whose records closed before a day (keeps statistics)')
    .requiredOption('--before <date>', 'YYYY-MM-DD: records closed before this day')
    .requiredOption('--reason <text>', 'why (recorded in the audit log)')
    .option('--dry-run', 'count only')
    .action(async (o) => {
      if (!PlausibleDate.safeParse(o.before).success) {
        throw new CliError(
          EXIT.usage,
          `--before must be a date YYYY-MM-DD from 2019-12-01 on, got ${o.before}`,
        );
      }
      const r = await withDb((db) =>
        purgePersons(db, systemClock, cliPrincipal(), UNSCOPED, {
          before: new Date(`${o.before}T00:00:00Z`),
          reason: o.reason,
          dryRun: o.dryRun,
        }),
      );
      process.stdout.write(
        `${r.dryRun ? 'would anonymise' : 'anonymised'} ${r.anonymised} person(s) whose records closed before ${o.before}` +
          ` and the ID numbers of ${r.travellerScans} scan(s) of travellers not in the registry\n`,
      );
    });

  return program;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw new CliError(EXIT.usage, 'pipe the password on standard input, or use --generate-password');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Maps an error to its exit code and a message that says what to do next. */
export function explain(err: unknown): { code: number; message: string } {
  if (err instanceof CliError) return { code: err.exitCode, message: err.message };
  if (err instanceof CommanderError) return { code: err.exitCode === 0 ? 0 : EXIT.usage, message: '' };
  if (err instanceof ResultsFileRejected) {
    const rows = (err.details as { line: number; code: string; message: string }[]).slice(0, 100);
    return {
      code: EXIT.rejected,
      message: `${err.message}\n${rows.map((r) => `  line ${r.line}: ${r.code}: ${r.message}`).join('\n')}`,
    };
  }
  if (err instanceof AppError)
    return { code: err.status === 409 ? EXIT.conflict : EXIT.usage, message: `${err.message} (${err.code})` };
  if (err instanceof ImportFileError) return { code: EXIT.usage, message: `${err.message} (${err.code})` };
  if (err instanceof DataDirLockedError) return { code: EXIT.unavailable, message: err.message };
  if (err instanceof SeedConflictError) return { code: EXIT.conflict, message: err.message };
  if (err instanceof UnknownAreaError || err instanceof RangeError || err instanceof ConfigError)
    return { code: EXIT.usage, message: err.message };
  const e = err as { code?: string; message?: string };
  if (isDatabaseUnavailable(err) || /password authentication|does not exist/.test(e?.message ?? '')) {
    return {
      code: EXIT.unavailable,
      message:
        e?.code === '57P03'
          ? `the database is starting up or recovering (${e.message}). Start again in a few seconds.`
          : `cannot reach the database (${e.message}). Check DATABASE_URL, or unset it to use the embedded database.`,
    };
  }
  return { code: EXIT.error, message: `unexpected error: ${(err as Error)?.stack ?? String(err)}` };
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    const { code, message } = explain(err);
    if (message) process.stderr.write(`qingcang: ${message}\n`);
    process.exitCode = code;
  }
}
