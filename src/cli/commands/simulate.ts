/**
 * `qingcang simulate`: a scenario run through the platform per strategy and seed, compared (推演); `--fit`
 * fits a scenario's seeding and contact scale first.
 */

import type { Command } from 'commander';
import { loadScenario, SCENARIOS, STRATEGIES, strategyResponse } from '../../twin/loop/scenario.ts';
import { bandsCsv, fitCommand, simulate } from '../../twin/loop/simulate.ts';
import { progressBar } from '../progress.ts';
import { CliError, EXIT, int } from '../shared.ts';

export function addSimulateCommand(program: Command): void {
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
}
