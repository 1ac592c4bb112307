/** `qingcang report`: the daily report (每日通报) of a day as Markdown, HTML, XLSX or JSON. */

import { writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { systemClock } from '../../domain/clock.ts';
import { UNSCOPED } from '../../modules/access/scope.ts';
import { beijingToday, reportHtml, reportMarkdown, reportXlsx } from '../../modules/command/daily-report.ts';
import { reportOfDay } from '../../modules/command/issued-reports.ts';
import { CliError, EXIT, withDb } from '../shared.ts';

export function addReportCommand(program: Command): void {
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
    .option('--live', "a past day: compute it now instead of showing the report issued at that day's close")
    .action(async (o) => {
      const now = systemClock.now();
      const date = o.date ?? beijingToday(now);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
        throw new CliError(EXIT.usage, `--date must be YYYY-MM-DD, got ${date}`);
      if (o.format === 'xlsx' && !o.out) throw new CliError(EXIT.usage, 'an XLSX report needs --out FILE');
      const r = await withDb((db) => reportOfDay(db, UNSCOPED, date, now, o.live ? 'live' : 'issued'));
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
}
