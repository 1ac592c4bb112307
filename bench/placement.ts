/**
 * Placement benchmark (pure engine, one process): N waiting people (default 20,000: households of 1–6, special
 * groups, close and secondary contacts, cases by severity) into ~50,000 rooms and beds across 400 sites of the real
 * Jilin-city communities. Reports the time, the hard-rule violations (checkPlacement), and the mean schematic
 * distance against a greedy baseline in the same run (first free adequate unit, ignoring distance and priority).
 * Target (isolation issue): < 5 s, 0 violations.
 *
 *   npm run bench -- placement [--people N]
 */

import {
  checkPlacement,
  placeAll,
  schematicKm,
  type Unit,
  type WaitingPerson,
} from '../src/domain/placement.ts';
import { Prng } from '../src/domain/prng.ts';
import { loadCityDivisions } from '../src/modules/registry/divisions.ts';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function main(args: string[]): Promise<void> {
  const people = Number(arg(args, '--people') ?? 20_000);
  const rng = new Prng(2022);
  const div = await loadCityDivisions('2202');
  const grids = div.communities.map((c) => `${c.code}001`);
  // Sites: 400 of them — 300 hotels and large sites (rooms), 80 shelter hospitals, 20 designated hospitals.
  const units: Unit[] = [];
  let unitId = 0;
  for (let s = 1; s <= 400; s++) {
    const area = rng.pick(div.communities).code;
    const kind =
      s <= 300
        ? s % 3 === 0
          ? 'training_centre'
          : 'hotel'
        : s <= 380
          ? 'shelter_hospital'
          : 'designated_hospital';
    const n = kind === 'designated_hospital' ? 60 : kind === 'shelter_hospital' ? 150 : 125;
    for (let i = 0; i < n; i++) {
      unitId++;
      const bed = kind.endsWith('hospital');
      units.push({
        id: unitId,
        kind: bed ? 'bed' : 'room',
        siteId: s,
        siteKind: kind,
        siteAreaCode: area,
        capacity: bed ? 1 : rng.bool(0.15) ? rng.int(2, 4) : 1,
        floor: 1 + Math.floor(i / 20),
        quality: rng.int(0, 2),
        accessible: rng.bool(0.05),
      });
    }
  }
  // Waiting people: households of contacts, plus cases.
  const waiting: WaitingPerson[] = [];
  let personId = 0;
  let household = 0;
  const t0 = new Date('2022-03-14T00:00:00Z');
  while (personId < people) {
    household++;
    const area = rng.pick(grids);
    const isCase = rng.bool(0.25);
    const size = isCase ? 1 : rng.weighted([30, 30, 22, 12, 4, 2]) + 1;
    const category = isCase ? 'case' : rng.bool(0.7) ? 'close' : 'secondary';
    for (let m = 0; m < size && personId < people; m++) {
      personId++;
      const age = rng.bool(0.2) ? rng.int(60, 90) : rng.bool(0.15) ? rng.int(0, 13) : rng.int(18, 59);
      waiting.push({
        id: personId,
        category,
        severity: isCase
          ? (['asymptomatic', 'mild', 'mild', 'mild', 'moderate', 'severe'] as const)[rng.int(0, 5)]
          : undefined,
        householdId: household,
        age,
        sex: rng.bool(0.5) ? 'M' : 'F',
        pregnant: age >= 20 && age <= 40 && rng.bool(0.03),
        disabled: rng.bool(0.03),
        chronicIllness: age >= 60 && rng.bool(0.4),
        areaCode: area,
        waitingSince: new Date(t0.getTime() + rng.int(0, 86_400_000)),
      });
    }
  }
  const started = performance.now();
  const result = placeAll(waiting, units, { now: new Date('2022-03-15T00:00:00Z') });
  const seconds = (performance.now() - started) / 1000;
  const violations = checkPlacement(waiting, units, result);
  const byUnit = new Map(units.map((u) => [u.id, u]));
  const byPerson = new Map(waiting.map((p) => [p.id, p]));
  let km = 0;
  let placed = 0;
  for (const a of result.assignments) {
    const u = byUnit.get(a.unitId) as Unit;
    for (const id of a.personIds) {
      km += schematicKm((byPerson.get(id) as WaitingPerson).areaCode, u.siteAreaCode);
      placed++;
    }
  }
  // Greedy baseline: each person, in id order, to the first free unit of an adequate kind (single occupancy).
  const g0 = performance.now();
  const used = new Set<number>();
  let gKm = 0;
  let gPlaced = 0;
  const pools = {
    shelter: units.filter((u) => u.siteKind === 'shelter_hospital'),
    designated: units.filter((u) => u.siteKind === 'designated_hospital'),
    rooms: units.filter((u) => u.kind === 'room'),
  };
  const cursor = { shelter: 0, designated: 0, rooms: 0 };
  for (const p of waiting) {
    const pool =
      p.category === 'case'
        ? p.severity === 'moderate' || p.severity === 'severe' || p.severity === 'critical'
          ? 'designated'
          : 'shelter'
        : 'rooms';
    const list = pools[pool];
    while (cursor[pool] < list.length && used.has((list[cursor[pool]] as Unit).id)) cursor[pool]++;
    const u = list[cursor[pool]];
    if (!u) continue;
    used.add(u.id);
    gKm += schematicKm(p.areaCode, u.siteAreaCode);
    gPlaced++;
  }
  const greedySeconds = (performance.now() - g0) / 1000;
  const mean = km / Math.max(1, placed);
  const gMean = gKm / Math.max(1, gPlaced);
  console.log(
    `people             ${waiting.length.toLocaleString('en')} in ${household.toLocaleString('en')} households`,
  );
  console.log(`units              ${units.length.toLocaleString('en')} (rooms and beds) across 400 sites`);
  console.log(
    `placed / waiting   ${placed.toLocaleString('en')} / ${result.waiting.length.toLocaleString('en')}`,
  );
  console.log(`seconds            ${seconds.toFixed(3)}`);
  console.log(`violations         ${violations.length}`);
  console.log(`mean km            ${mean.toFixed(2)} (schematic distance from the area hierarchy)`);
  console.log(
    `greedy mean km     ${gMean.toFixed(2)} (first free adequate unit; placed ${gPlaced.toLocaleString('en')} in ${greedySeconds.toFixed(3)} s)`,
  );
  console.log(`ratio              ${(mean / gMean).toFixed(3)}`);
  console.log(
    JSON.stringify({
      bench: 'placement',
      people: waiting.length,
      rooms: units.length,
      seconds: Number(seconds.toFixed(3)),
      violations: violations.length,
      placed,
      waiting: result.waiting.length,
      mean_km: Number(mean.toFixed(3)),
      greedy_mean_km: Number(gMean.toFixed(3)),
      ratio_to_greedy: Number((mean / gMean).toFixed(3)),
    }),
  );
}
