/**
 * The twin's closed loop through the platform's services: a city of N people (default 200,000) for D days
 * (default 60), the scenario's response as it happened, one seed. Prints each module's time per day and the run's
 * figures; ends with one JSON line. The model alone is `npm run bench -- twin-model`.
 *
 *   npm run bench -- twin [--people N] [--days D] [--pglite] [--strategy S] [--keep]
 *   (--keep: on PostgreSQL, keep the run's database and print its URL)
 *
 * PostgreSQL when DATABASE_URL is set (a temporary database, dropped after), else PGlite in memory (or --pglite).
 */
import { fileURLToPath } from 'node:url';
import { runLoop } from '../src/twin/loop/driver.ts';
import {
  loadScenario,
  scenarioParams,
  scenarioSeeding,
  strategyResponse,
} from '../src/twin/loop/scenario.ts';
import { openTwinDb, populationOf, seedWorld } from '../src/twin/loop/world.ts';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

export async function main(args: string[]): Promise<void> {
  const people = arg(args, '--people', 200_000);
  const days = arg(args, '--days', 60);
  const i = args.indexOf('--strategy');
  const strategy = i >= 0 ? (args[i + 1] as string) : 'as-it-happened';
  const url = args.includes('--pglite') ? undefined : process.env.DATABASE_URL;
  const sc = loadScenario('jilin-city-2022');
  const response = strategyResponse(sc, strategy);
  const spec = { city: sc.city, people, citySeed: 42 };
  let t0 = performance.now();
  const opened = await openTwinDb(url);
  const res = await seedWorld(opened.db, spec, response, new Date(`${sc.start}T00:00:00+08:00`));
  const population = await populationOf(spec);
  const seedSeconds = (performance.now() - t0) / 1000;
  console.log(
    `${opened.backend}: ${people.toLocaleString('en')} people seeded with ${res.rooms} rooms, ${res.beds} beds, ${res.vehicles} vehicles in ${seedSeconds.toFixed(1)} s`,
  );
  const perModule: Record<string, number> = {};
  const steps: Record<string, number> = {};
  const slowest = (n: number) =>
    Object.entries(steps)
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${k} ${(v / days).toFixed(2)}`)
      .join(', ');
  t0 = performance.now();
  const run = await runLoop({
    db: opened.db,
    population,
    response,
    start: sc.start,
    days,
    seed: 1,
    seedInfections: scenarioSeeding(sc, people).infections,
    seedDay: scenarioSeeding(sc, people).day,
    params: scenarioParams(sc),
    profile: steps,
    onDay: (row, failures) => {
      for (const [k, v] of Object.entries(row.seconds)) perModule[k] = (perModule[k] ?? 0) + v;
      const total = Object.values(row.seconds).reduce((a, b) => a + b, 0);
      console.log(
        `${row.date}: ${total.toFixed(1)} s | infected ${row.true_infections}, found ${row.detected_total}, isolated ${row.isolated}, ` +
          `tests ${row.person_tests} | ${Object.entries(row.seconds)
            .map(([k, v]) => `${k} ${v.toFixed(2)}`)
            .join(
              ', ',
            )}${failures.length > 0 ? ` | INVARIANTS BROKEN: ${failures.map((f) => `${f.name} (${f.count}, e.g. ${JSON.stringify(f.examples.slice(0, 2))})`).join(', ')}` : ''}`,
      );
      if (row.day % 10 === 9) console.log(`  slowest steps so far (s a day over the run): ${slowest(8)}`);
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  if (args.includes('--keep') && opened.url) {
    // Kept for a look at the day's data (EXPLAIN the figures' queries); drop it by hand afterwards.
    await opened.db.close();
    console.log(`kept the database: ${opened.url}`);
  } else await opened.dispose();
  const last = run.rows.at(-1);
  console.log(
    `loop: ${seconds.toFixed(1)} s for ${days} days (${(seconds / days).toFixed(2)} s a day); per module, s a day: ${Object.entries(
      perModule,
    )
      .map(([k, v]) => `${k} ${(v / days).toFixed(2)}`)
      .join(', ')}; invariant failures ${run.failures.length}`,
  );
  console.log(`slowest steps, s a day: ${slowest(10)}`);
  const key = `loop_${people >= 1e6 ? `${people / 1e6}m` : `${people / 1e3}k`}_${opened.backend === 'pglite' ? 'pglite' : 'pg'}_seconds`;
  console.log(
    JSON.stringify({
      backend: opened.backend,
      people,
      days,
      strategy,
      [key]: Number(seconds.toFixed(1)),
      seed_seconds: Number(seedSeconds.toFixed(1)),
      seconds_per_day: Number((seconds / days).toFixed(2)),
      per_module_seconds_per_day: Object.fromEntries(
        Object.entries(perModule).map(([k, v]) => [k, Number((v / days).toFixed(3))]),
      ),
      step_seconds_per_day: Object.fromEntries(
        Object.entries(steps)
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => [k, Number((v / days).toFixed(3))]),
      ),
      infected: last?.true_infections ?? 0,
      detected: last?.detected_total ?? 0,
      invariant_failures: run.failures.length,
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
