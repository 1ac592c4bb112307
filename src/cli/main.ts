/**
 * The `qingcang` command line. Exit codes: 0 done; 1 unexpected error; 2 bad usage or input;
 * 3 import rejected (rows listed); 4 conflict with what the database holds; 5 database unreachable or locked.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DataDirLockedError } from '../db/lock.ts';
import { migrate } from '../db/migrate.ts';
import { ConfigError, openDb, optionsFromEnv } from '../db/open.ts';
import type { Db } from '../db/types.ts';
import { systemClock } from '../domain/clock.ts';
import { createLogger } from '../lib/logger.ts';
import { UnknownAreaError } from '../modules/registry/divisions.ts';
import { ImportFileError, importPersons } from '../modules/registry/import/index.ts';
import { registryStats } from '../modules/registry/queries.ts';
import {
  DEFAULT_AS_OF,
  registryIsEmpty,
  SeedConflictError,
  seedCity,
} from '../modules/registry/seed-city.ts';
import { buildApp } from '../server/app.ts';
import { listenWithShutdown } from '../server/serve.ts';
import { VERSION } from '../server/version.ts';
import { progressBar, progressCounter } from './progress.ts';

export const EXIT = { ok: 0, error: 1, usage: 2, rejected: 3, conflict: 4, unavailable: 5 } as const;

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
    return summary;
  } catch (err) {
    bar.stop();
    throw err;
  }
}

async function serve(o: { host: string; port: number; seedIfEmpty: boolean }) {
  const log = createLogger();
  const db = await openDb(optionsFromEnv());
  try {
    if (o.seedIfEmpty && (await registryIsEmpty(db))) {
      process.stderr.write(
        `empty database: seeding the demo city (${DEFAULT_CITY.city}, ${DEFAULT_CITY.people.toLocaleString('en')} people, seed ${DEFAULT_CITY.seed})\n`,
      );
      const s = await runSeed(db, DEFAULT_CITY);
      process.stderr.write(
        `seeded ${s.cityName}: ${s.people} people in ${s.households} households, ${s.seconds.toFixed(1)} s\n`,
      );
    }
    const app = await buildApp({ db, clock: systemClock, logger: log });
    const address = await listenWithShutdown(app, db, log, o.host, o.port);
    const url = address.replace('127.0.0.1', 'localhost');
    process.stdout.write(
      `\nqingcang ${VERSION} is serving on ${url}  (database: ${db.describe().kind}, ${db.describe().location})\n  API docs: ${url}/api/docs\n\n`,
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

  program
    .command('start')
    .description('migrate, seed the demo city if the database is empty, and serve (what `npm start` runs)')
    .addOption(hostOpt())
    .addOption(portOpt())
    .action(async (o) => serve({ host: o.host, port: o.port, seedIfEmpty: true }));

  program
    .command('serve')
    .description('migrate and serve the API (never seeds)')
    .addOption(hostOpt())
    .addOption(portOpt())
    .action(async (o) => serve({ host: o.host, port: o.port, seedIfEmpty: false }));

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
    .command('stats')
    .description('counts of areas, persons, households, sites, rooms, beds, labs and vehicles')
    .option('--json', 'print JSON')
    .action(async (o) => {
      await withDb(async (db) => {
        const s = await registryStats(db);
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
        if (o.json) process.stdout.write(`${JSON.stringify(report)}\n`);
        else {
          process.stdout.write(
            `${report.status}: ${report.rowsRead} rows read, ${report.inserted} inserted, ${report.updated} updated, ` +
              `${report.unchanged} unchanged, ${report.rejected} rejected (run ${report.runId})\n`,
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

  return program;
}

/** Maps an error to its exit code and a message that says what to do next. */
export function explain(err: unknown): { code: number; message: string } {
  if (err instanceof CliError) return { code: err.exitCode, message: err.message };
  if (err instanceof CommanderError) return { code: err.exitCode === 0 ? 0 : EXIT.usage, message: '' };
  if (err instanceof ImportFileError) return { code: EXIT.usage, message: `${err.message} (${err.code})` };
  if (err instanceof DataDirLockedError) return { code: EXIT.unavailable, message: err.message };
  if (err instanceof SeedConflictError) return { code: EXIT.conflict, message: err.message };
  if (err instanceof UnknownAreaError || err instanceof RangeError || err instanceof ConfigError)
    return { code: EXIT.usage, message: err.message };
  const e = err as { code?: string; message?: string };
  if (
    e?.code === 'ECONNREFUSED' ||
    e?.code === 'ENOTFOUND' ||
    /password authentication|does not exist|timeout exceeded when trying to connect/.test(e?.message ?? '')
  ) {
    return {
      code: EXIT.unavailable,
      message: `cannot reach the database (${e.message}). Check DATABASE_URL, or unset it to use the embedded database.`,
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
