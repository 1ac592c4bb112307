/**
 * The `qingcang` command line. Exit codes: 0 done; 1 unexpected error; 2 bad usage or input;
 * 3 import rejected (rows listed); 4 conflict with what the database holds; 5 database unreachable or locked;
 * 6 the audit log failed verification.
 */

import { Command } from 'commander';
import { VERSION } from '../server/version.ts';
import { explain } from './shared.ts';

export { CliError, EXIT, explain } from './shared.ts';

type Family = (program: Command) => void;

/**
 * The command families, in the order `qingcang --help` lists them. Each family's module (./commands/) is loaded
 * only when one of its commands runs: a command loads its own part of the platform (about 0.2-1 s of modules),
 * not the whole server's.
 */
const FAMILIES: { commands: string[]; load: () => Promise<Family> }[] = [
  {
    commands: ['start', 'serve', 'worker', 'migrate'],
    load: async () => (await import('./commands/serve.ts')).addServeCommands,
  },
  { commands: ['seed'], load: async () => (await import('./commands/registry.ts')).addSeedCommand },
  { commands: ['simulate'], load: async () => (await import('./commands/simulate.ts')).addSimulateCommand },
  { commands: ['stats'], load: async () => (await import('./commands/registry.ts')).addStatsCommand },
  {
    commands: ['import'],
    load: async () => {
      const [registry, testing] = await Promise.all([
        import('./commands/registry.ts'),
        import('./commands/testing.ts'),
      ]);
      return (program) => {
        const imp = program.command('import').description('bulk imports from CSV or XLSX files');
        registry.addImportPersonsCommand(imp);
        testing.addImportScansCommand(imp);
      };
    },
  },
  { commands: ['areas'], load: async () => (await import('./commands/registry.ts')).addAreasCommand },
  { commands: ['user'], load: async () => (await import('./commands/accounts.ts')).addUserCommands },
  { commands: ['token'], load: async () => (await import('./commands/accounts.ts')).addTokenCommands },
  { commands: ['round'], load: async () => (await import('./commands/testing.ts')).addRoundCommands },
  { commands: ['tubes'], load: async () => (await import('./commands/testing.ts')).addTubesCommands },
  { commands: ['results'], load: async () => (await import('./commands/testing.ts')).addResultsCommands },
  { commands: ['report'], load: async () => (await import('./commands/report.ts')).addReportCommand },
  {
    commands: ['isolation'],
    load: async () => (await import('./commands/isolation.ts')).addIsolationCommands,
  },
  { commands: ['audit'], load: async () => (await import('./commands/audit.ts')).addAuditCommands },
  { commands: ['purge'], load: async () => (await import('./commands/audit.ts')).addPurgeCommand },
];

/**
 * The command tree: with `only`, just the family of that command (what running it needs); with null, none (the
 * version); otherwise every family, in the order `qingcang --help` lists them.
 */
export async function buildProgram(only?: string | null): Promise<Command> {
  const program = new Command('qingcang')
    .description('qingcang (清仓): outbreak-response command platform')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  const one = only ? FAMILIES.find((f) => f.commands.includes(only)) : undefined;
  for (const family of one ? [one] : only === null ? [] : FAMILIES) (await family.load())(program);
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  try {
    // The first word that is not an option names the command (`--help`, `--version` and a mistyped command load
    // every family, so help and "did you mean" see them all).
    const words = argv.slice(2);
    const first = words.find((a) => !a.startsWith('-'));
    const versionOnly = first === undefined && words.some((a) => a === '-V' || a === '--version');
    await (await buildProgram(versionOnly ? null : first)).parseAsync(argv);
  } catch (err) {
    const { code, message } = explain(err);
    if (message) process.stderr.write(`qingcang: ${message}\n`);
    process.exitCode = code;
  }
}
