/** Isolation (清仓): `qingcang isolation place|board|forecast`. */

import { type Command, Option } from 'commander';
import { systemClock } from '../../domain/clock.ts';
import { cliPrincipal } from '../../modules/access/principal.ts';
import { UNSCOPED } from '../../modules/access/scope.ts';
import { beijingToday } from '../../modules/command/daily-report.ts';
import { turnoverBoard } from '../../modules/isolation/board.ts';
import { forecast } from '../../modules/isolation/capacity.ts';
import { runPlacement } from '../../modules/isolation/placement-runs.ts';
import { withDb } from '../shared.ts';

export function addIsolationCommands(program: Command): void {
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
        runPlacement(db, systemClock, cliPrincipal(), UNSCOPED, o.edition, 'manual'),
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
}
