/** The registry: `qingcang seed` (the demo city), `stats`, `import persons` and `areas load`. */

import type { Command } from 'commander';
import type { Db } from '../../db/types.ts';
import { systemClock } from '../../domain/clock.ts';
import { appendAudit } from '../../modules/access/audit.ts';
import { cliPrincipal } from '../../modules/access/principal.ts';
import { UNSCOPED } from '../../modules/access/scope.ts';
import { importPersons } from '../../modules/registry/import/index.ts';
import { registryStats } from '../../modules/registry/queries.ts';
import { DEFAULT_AS_OF, loadCityAreas, seedCity } from '../../modules/registry/seed-city.ts';
import { progressBar, progressCounter } from '../progress.ts';
import { CliError, EXIT, int, withDb } from '../shared.ts';

/** The demo city: what `seed` makes by default and `start` seeds into an empty database. */
export const DEFAULT_CITY = { city: '2202', people: 200_000, seed: 42 };

/** Seeds a city with a progress bar on stderr, and records it in the audit log. */
export async function runSeed(
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

/** `qingcang seed`: the demo city. */
export function addSeedCommand(program: Command): void {
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
}

/** `qingcang stats`: what the registry holds. */
export function addStatsCommand(program: Command): void {
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
}

/** `qingcang import persons FILE`: the population register from a file. */
export function addImportPersonsCommand(imp: Command): void {
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
}

/** `qingcang areas load`: a city's real areas without people (production set-up). */
export function addAreasCommand(program: Command): void {
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
}
