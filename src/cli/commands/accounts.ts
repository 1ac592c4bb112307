/** Accounts and API tokens: `qingcang user create` and `token create`. */

import type { Command } from 'commander';
import { systemClock } from '../../domain/clock.ts';
import { createToken, createUser } from '../../modules/access/accounts.ts';
import { appendAudit } from '../../modules/access/audit.ts';
import { generatePassword } from '../../modules/access/passwords.ts';
import { cliPrincipal } from '../../modules/access/principal.ts';
import { ROLES } from '../../modules/access/roles.ts';
import { CliError, EXIT, int, withDb } from '../shared.ts';

/** The password piped on standard input to `user create` (a terminal is refused). */
async function readStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw new CliError(EXIT.usage, 'pipe the password on standard input, or use --generate-password');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `qingcang user create`. */
export function addUserCommands(program: Command): void {
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
}

/** `qingcang token create`. */
export function addTokenCommands(program: Command): void {
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
}
