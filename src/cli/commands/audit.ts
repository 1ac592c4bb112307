/** The audit log and data retention: `qingcang audit verify|head` and `purge`. */

import type { Command } from 'commander';
import { systemClock } from '../../domain/clock.ts';
import { PlausibleDate } from '../../lib/instant.ts';
import {
  auditHead,
  formatHead,
  parseHead,
  signedCheckpoint,
  verifyAudit,
} from '../../modules/access/audit.ts';
import { cliPrincipal } from '../../modules/access/principal.ts';
import { purgePersons } from '../../modules/access/purge.ts';
import { UNSCOPED } from '../../modules/access/scope.ts';
import { progressCounter } from '../progress.ts';
import { CliError, EXIT, withDb } from '../shared.ts';

/** `qingcang audit verify|head`: the hash chain of the audit log. */
export function addAuditCommands(program: Command): void {
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
}

/** `qingcang purge`: personal data of closed records anonymised. */
export function addPurgeCommand(program: Command): void {
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
}
