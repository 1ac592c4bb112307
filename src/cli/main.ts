/**
 * The `qingcang` command line. Exit codes: 0 done; 1 unexpected error; 2 bad usage or input;
 * 3 import rejected (rows listed); 4 conflict with what the database holds; 5 database unreachable or locked;
 * 6 the audit log failed verification.
 */

import { Command } from 'commander';
import { VERSION } from '../server/version.ts';
import { addTokenCommands, addUserCommands } from './commands/accounts.ts';
import { addAuditCommands, addPurgeCommand } from './commands/audit.ts';
import { addIsolationCommands } from './commands/isolation.ts';
import {
  addAreasCommand,
  addImportPersonsCommand,
  addSeedCommand,
  addStatsCommand,
} from './commands/registry.ts';
import { addReportCommand } from './commands/report.ts';
import { addServeCommands } from './commands/serve.ts';
import { addSimulateCommand } from './commands/simulate.ts';
import {
  addImportScansCommand,
  addResultsCommands,
  addRoundCommands,
  addTubesCommands,
} from './commands/testing.ts';
import { explain } from './shared.ts';

export { trustProxyFromEnv } from './commands/serve.ts';
export { CliError, EXIT, explain } from './shared.ts';

/** The command tree, in the order `qingcang --help` lists it; each family's commands live in ./commands/. */
export function buildProgram(): Command {
  const program = new Command('qingcang')
    .description('qingcang (清仓): outbreak-response command platform')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  addServeCommands(program);
  addSeedCommand(program);
  addSimulateCommand(program);
  addStatsCommand(program);
  const imp = program.command('import').description('bulk imports from CSV or XLSX files');
  addImportPersonsCommand(imp);
  addImportScansCommand(imp);
  addAreasCommand(program);
  addUserCommands(program);
  addTokenCommands(program);
  addRoundCommands(program);
  addTubesCommands(program);
  addResultsCommands(program);
  addReportCommand(program);
  addIsolationCommands(program);
  addAuditCommands(program);
  addPurgeCommand(program);
  return program;
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
