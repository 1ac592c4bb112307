/**
 * The twin's epidemic model at scale: N agents × 60 days with seeded infections and a simple daily intervention
 * (everyone tested every day in 10-in-1 pools: an infected agent whose pool is positive is isolated from the
 * next day on and its household held at home for 14 days).
 *
 * The population is the demo-city generator's (Jilin city, seed 42) for `--base` people spread over communities
 * of about 5,000 (so every setting exists), tiled `agents / base` times for larger N (copies share only random
 * city-wide contacts). "seconds" is the simulation (model creation, 60 steps and the daily testing pass over all
 * agents), not the population build, which is printed apart.
 *
 *   npm run bench -- twin-model [--agents 1000000] [--base 200000] [--days 60] [--seed 1] [--seeds 100] [--from 0]
 *
 * --from D starts the daily testing on day D (a heavier run: the epidemic grows freely until then).
 *   node bench/twin-model.ts --agents 1000000
 */
import { fileURLToPath } from 'node:url';
import { AGENT_STATUS, createModel } from '../src/twin/model.ts';
import { replicatePopulation } from '../src/twin/population.ts';
import { testCity } from '../src/twin/test-city.ts';

function arg(args: string[], name: string, def: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
}

export async function main(args: string[]): Promise<void> {
  const agents = arg(args, '--agents', 1_000_000);
  const base = Math.min(agents, arg(args, '--base', 200_000));
  const days = arg(args, '--days', 60);
  const seed = arg(args, '--seed', 1);
  const seeds = arg(args, '--seeds', 100);
  const from = arg(args, '--from', 0);
  const POOL = 10;

  let t0 = performance.now();
  const generated = await testCity(base, Math.max(1, Math.round(base / 5000)));
  const times = Math.max(1, Math.round(agents / base));
  const pop = times > 1 ? replicatePopulation(generated, times) : generated;
  const buildSeconds = (performance.now() - t0) / 1000;
  console.log(
    `population: ${pop.size.toLocaleString('en')} agents (${base.toLocaleString('en')} generated × ${times}), ` +
      `${pop.areaCodes.length} communities, ${pop.groupKind.length} groups, ${pop.venueKind.length} venues, built in ${buildSeconds.toFixed(1)} s`,
  );

  t0 = performance.now();
  const model = createModel(pop, {}, seed);
  model.seedInfections(seeds, 0);
  const N = pop.size;
  const status = new Uint8Array(N);
  const heldUntil = new Int16Array(N);
  const { infectedDay, householdStart, household } = { ...model, ...pop };
  let positives = 0;
  let peakInfectious = 0;
  for (let d = 0; d < days; d++) {
    const r = model.step(d, { agentStatus: status });
    peakInfectious = Math.max(peakInfectious, r.infectious);
    if (d < from) continue;
    // Everyone tested today: one pass over all agents; only the infected can be positive (specificity 1).
    for (let a = 0; a < N; a++) {
      if ((infectedDay[a] as number) < 0) continue;
      if (status[a] === AGENT_STATUS.home && (heldUntil[a] as number) <= d) status[a] = AGENT_STATUS.free;
      if (status[a] === AGENT_STATUS.isolated) continue;
      if (model.testUniform(a, d) < model.pcrPositiveProbability(a, d, POOL)) {
        positives++;
        status[a] = AGENT_STATUS.isolated;
        const h = household[a] as number;
        for (let m = householdStart[h] as number; m < (householdStart[h + 1] as number); m++) {
          if (status[m] === AGENT_STATUS.free) {
            status[m] = AGENT_STATUS.home;
            heldUntil[m] = d + 14;
          }
        }
      }
    }
    if (d % 10 === 9 || d === days - 1)
      console.log(
        `day ${d}: new ${r.newInfections}, infectious ${r.infectious}, cumulative ${r.cumulativeInfections}, positives found ${positives}`,
      );
  }
  const seconds = (performance.now() - t0) / 1000;
  const infected = model.infectedAgents().length;
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(
    `simulation: ${seconds.toFixed(2)} s; peak infectious ${peakInfectious}; peak RSS ${peakRssMb} MB`,
  );
  console.log(
    JSON.stringify({
      agents: N,
      days,
      testing_from: from,
      seconds: Number(seconds.toFixed(3)),
      build_seconds: Number(buildSeconds.toFixed(3)),
      peak_rss_mb: peakRssMb,
      infected,
      positives,
    }),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
