/**
 * Running the platform: `qingcang start`, `serve`, `worker` and `migrate`, the server settings read from the
 * environment, and the demo accounts of a first start.
 */

import { type Command, Option } from 'commander';
import type { Logger } from 'pino';
import { migrate } from '../../db/migrate.ts';
import { openDb, optionsFromEnv, serverDbOptions } from '../../db/open.ts';
import type { Db } from '../../db/types.ts';
import { systemClock } from '../../domain/clock.ts';
import { createLogger } from '../../lib/logger.ts';
import { countUsers, createUser } from '../../modules/access/accounts.ts';
import { appendAudit } from '../../modules/access/audit.ts';
import { generatePassword } from '../../modules/access/passwords.ts';
import { cliPrincipal } from '../../modules/access/principal.ts';
import { seedDemoDay } from '../../modules/command/demo-day.ts';
import { seedDemoOutbreak } from '../../modules/command/demo-outbreak.ts';
import { cityInfo } from '../../modules/registry/queries.ts';
import { registryIsEmpty } from '../../modules/registry/seed-city.ts';
import { buildApp } from '../../server/app.ts';
import { markProcess, metricsTokenFromEnv } from '../../server/metrics.ts';
import {
  buildWorkerApp,
  clusterChildRole,
  listenWithShutdown,
  type Role,
  reportReady,
  SERVE_ROLES,
  startCluster,
  stopOnSignals,
} from '../../server/serve.ts';
import { VERSION } from '../../server/version.ts';
import { CliError, EXIT, explain, int } from '../shared.ts';
import { DEFAULT_CITY, runSeed } from './registry.ts';

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
/** A whole number of milliseconds from 0 to `max` in the environment variable `name`, or `fallback`. */
function msFromEnv(name: string, fallback: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new CliError(EXIT.usage, `${name} must be a whole number of ms from 0 to ${max}, got "${raw}"`);
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
      listCacheMs: msFromEnv('QINGCANG_LIST_CACHE_MS', 5000, 60_000),
      replicaStickyMs: msFromEnv('QINGCANG_REPLICA_STICKY_MS', 5000, 600_000),
      metricsToken: metricsTokenFromEnv(),
      trustProxy: trustProxyFromEnv(),
    };
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(EXIT.usage, (err as Error).message);
  }
}

/** Logs the read replica going out of service (warning) and back (info). */
function replicaLogger(log: Logger) {
  return (up: boolean, why: string) =>
    up
      ? log.info({ replica: 'up', why }, 'read replica in service: GET reads go to it')
      : log.warn({ replica: 'down', why }, 'read replica out of service: every read goes to the primary');
}

/** A child of `serve --processes N`: an API process on the shared port, or the one background worker. */
async function serveClusterChild(role: 'api' | 'worker', o: ServeOptions) {
  const log = createLogger().child({ pid: process.pid, role });
  const settings = serverSettings();
  // The primary has migrated. API processes read from the replica when one is configured; the worker never does.
  const db = await openDb(
    role === 'api'
      ? { ...serverDbOptions(), migrate: false, onReplicaChange: replicaLogger(log) }
      : { ...optionsFromEnv(), migrate: false },
  );
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
      replicaStickyMs: settings.replicaStickyMs,
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
  const db = await openDb(
    o.role === 'worker' ? optionsFromEnv() : { ...serverDbOptions(), onReplicaChange: replicaLogger(log) },
  );
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
      replicaStickyMs: settings.replicaStickyMs,
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

/** `start`, `serve`, `worker` and `migrate`: running the platform on its database. */
export function addServeCommands(program: Command): void {
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
}
