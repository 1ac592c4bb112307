/**
 * Dispatch benchmark (pure planner, one process): N placed people (default 20,000) in households across the real
 * Jilin-city communities, heading to 400 sites, with 500 vehicles (buses, vans, ambulances). Reports the planning
 * time, the hard-rule violations (checkTrips), the trips, and the vehicle-km against a naive baseline in the same
 * run (one trip per household). Distances are schematic (area hierarchy; no road network exists here): a trip runs
 * depot → its pickups in area-code order → its site.
 * Target (transfer issue): < 5 s with 0 violations.
 *
 *   npm run bench -- dispatch [--people N] [--vehicles N]
 */
import { checkTrips, type Passenger, planTrips, type Vehicle } from '../src/domain/dispatch.ts';
import { schematicKm } from '../src/domain/placement.ts';
import { Prng } from '../src/domain/prng.ts';
import { loadCityDivisions } from '../src/modules/registry/divisions.ts';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function main(args: string[]): Promise<void> {
  const people = Number(arg(args, '--people') ?? 20_000);
  const fleet = Number(arg(args, '--vehicles') ?? 500);
  const rng = new Prng(314);
  const div = await loadCityDivisions('2202');
  const communities = div.communities.map((c) => c.code);
  const siteArea = new Map<number, string>();
  for (let s = 1; s <= 400; s++) siteArea.set(s, rng.pick(communities));
  const depot = new Map<number, string>();
  const vehicles: Vehicle[] = [];
  for (let i = 1; i <= fleet; i++) {
    const r = rng.next();
    const kind: Vehicle['kind'] =
      r < 0.55 ? 'bus' : r < 0.85 ? 'van' : r < 0.95 ? 'ambulance' : 'negative_pressure_ambulance';
    const seats =
      kind === 'bus' ? rng.int(30, 45) : kind === 'van' ? rng.int(7, 14) : kind === 'ambulance' ? 2 : 1;
    vehicles.push({ id: i, kind, seats, plate: `吉B${String(i).padStart(5, '0')}` });
    depot.set(i, rng.pick(communities));
  }
  const passengers: Passenger[] = [];
  let household = 0;
  while (passengers.length < people) {
    household++;
    const area = `${rng.pick(communities)}001`;
    const isCase = rng.bool(0.2);
    const size = isCase ? 1 : rng.weighted([30, 30, 22, 12, 4, 2]) + 1;
    const siteId = rng.int(1, 400);
    for (let m = 0; m < size && passengers.length < people; m++) {
      const id = passengers.length + 1;
      passengers.push({
        placementId: id,
        personId: id,
        householdId: household,
        isCase,
        severe: isCase && rng.bool(0.02),
        priority: rng.bool(0.3),
        areaCode: area,
        siteId,
      });
    }
  }
  const t0 = performance.now();
  const plan = planTrips(passengers, vehicles);
  const seconds = (performance.now() - t0) / 1000;
  const violations = checkTrips(passengers, vehicles, plan);
  const byId = new Map(passengers.map((p) => [p.placementId, p]));
  const route = (start: string, stops: string[], end: string) => {
    let km = 0;
    let at = start;
    for (const s of stops) {
      km += schematicKm(at, s);
      at = s;
    }
    return km + schematicKm(at, end);
  };
  let vehicleKm = 0;
  const carried = new Set<number>();
  for (const t of plan.trips) {
    const stops = [...new Set(t.placementIds.map((id) => (byId.get(id) as Passenger).areaCode))].sort();
    vehicleKm += route(depot.get(t.vehicleId) as string, stops, siteArea.get(t.siteId) as string);
    for (const id of t.placementIds) carried.add(id);
  }
  // Baseline: the same people carried, one trip per household, from a depot in the same street as the household.
  let baselineKm = 0;
  const households = new Map<number, Passenger>();
  for (const p of passengers)
    if (carried.has(p.placementId) && !households.has(p.householdId)) households.set(p.householdId, p);
  for (const p of households.values())
    baselineKm += route(p.areaCode.slice(0, 9), [p.areaCode], siteArea.get(p.siteId) as string);
  console.log(
    `people             ${people.toLocaleString('en')} in ${household.toLocaleString('en')} households, 400 sites`,
  );
  console.log(`vehicles           ${fleet} (buses, vans, ambulances)`);
  console.log(
    `trips              ${plan.trips.length} carrying ${carried.size.toLocaleString('en')}; waiting ${plan.waiting.length.toLocaleString('en')} (one trip per vehicle per plan)`,
  );
  console.log(`seconds            ${seconds.toFixed(3)}`);
  console.log(`violations         ${violations.length}`);
  console.log(`vehicle-km         ${vehicleKm.toFixed(0)} (schematic)`);
  console.log(`baseline vehicle-km ${baselineKm.toFixed(0)} (one trip per household for the same people)`);
  console.log(`ratio              ${(vehicleKm / Math.max(1, baselineKm)).toFixed(3)}`);
  console.log(
    JSON.stringify({
      bench: 'dispatch',
      people,
      vehicles: fleet,
      seconds: Number(seconds.toFixed(3)),
      violations: violations.length,
      trips: plan.trips.length,
      carried: carried.size,
      waiting: plan.waiting.length,
      vehicle_km: Math.round(vehicleKm),
      baseline_vehicle_km: Math.round(baselineKm),
    }),
  );
}
