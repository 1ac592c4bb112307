/**
 * Dispatch benchmark (pure planner, one process): N placed people (default 20,000) in households across the real
 * Jilin-city communities, heading to 400 sites, with 500 vehicles (buses, vans, ambulances), each running a
 * schedule of trips over one working window (default 16 h from 06:00). Reports the planning time, the hard-rule
 * violations (checkTrips, schedules included), the trips, the people moved and those left with their reasons,
 * the vehicle-km and vehicle-hours, and the vehicle-km of a naive baseline in the same run (one trip per
 * household, from a depot in the household's own street). Distances are schematic (area hierarchy; no road
 * network exists here). Target (transfer issue): < 5 s with 0 violations.
 *
 *   npm run bench -- dispatch [--people N] [--vehicles N] [--hours H] [--speed KMH]
 */
import {
  AreaKm,
  checkTrips,
  DEFAULT_SCHEDULE,
  type Passenger,
  planTrips,
  routeKm,
  type ScheduleOptions,
  type Vehicle,
} from '../src/domain/dispatch.ts';
import { Prng } from '../src/domain/prng.ts';
import { loadCityDivisions } from '../src/modules/registry/divisions.ts';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function main(args: string[]): Promise<void> {
  const people = Number(arg(args, '--people') ?? 20_000);
  const fleet = Number(arg(args, '--vehicles') ?? 500);
  const schedule: ScheduleOptions = {
    ...DEFAULT_SCHEDULE,
    shiftStart: Date.parse('2022-03-14T06:00:00+08:00'),
    windowHours: Number(arg(args, '--hours') ?? DEFAULT_SCHEDULE.windowHours),
    speedKmh: Number(arg(args, '--speed') ?? DEFAULT_SCHEDULE.speedKmh),
  };
  const rng = new Prng(314);
  const div = await loadCityDivisions('2202');
  const communities = div.communities.map((c) => c.code);
  const siteArea = new Map<number, string>();
  for (let s = 1; s <= 400; s++) siteArea.set(s, rng.pick(communities));
  const vehicles: Vehicle[] = [];
  for (let i = 1; i <= fleet; i++) {
    const r = rng.next();
    const kind: Vehicle['kind'] =
      r < 0.55 ? 'bus' : r < 0.85 ? 'van' : r < 0.95 ? 'ambulance' : 'negative_pressure_ambulance';
    const seats =
      kind === 'bus' ? rng.int(30, 45) : kind === 'van' ? rng.int(7, 14) : kind === 'ambulance' ? 2 : 1;
    const depotArea = rng.pick(communities);
    vehicles.push({ id: i, kind, seats, plate: `吉B${String(i).padStart(5, '0')}`, depotArea });
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
        siteArea: siteArea.get(siteId) as string,
      });
    }
  }
  const t0 = performance.now();
  const plan = planTrips(passengers, vehicles, schedule);
  const seconds = (performance.now() - t0) / 1000;
  const violations = checkTrips(passengers, vehicles, plan, schedule);
  const dist = new AreaKm();
  let vehicleKm = 0;
  let busyMs = 0;
  const carried = new Set<number>();
  const used = new Set<number>();
  for (const t of plan.trips) {
    vehicleKm += t.km;
    busyMs += t.end - t.start;
    used.add(t.vehicleId);
    for (const id of t.placementIds) carried.add(id);
  }
  const maxTrips = Math.max(0, ...[...used].map((v) => plan.trips.filter((t) => t.vehicleId === v).length));
  const lastEnd = Math.max(...plan.trips.map((t) => t.end));
  // Baseline: the same people carried, one trip per household, from a depot in the same street as the household.
  let baselineKm = 0;
  const households = new Map<number, Passenger>();
  for (const p of passengers)
    if (carried.has(p.placementId) && !households.has(p.householdId)) households.set(p.householdId, p);
  for (const p of households.values())
    baselineKm += routeKm(dist, p.areaCode.slice(0, 9), [p.areaCode], p.siteArea);
  const reasons = new Map<string, number>();
  for (const w of plan.waiting) reasons.set(w.reason, (reasons.get(w.reason) ?? 0) + 1);
  const vehicleHours = busyMs / 3_600_000;
  console.log(
    `people              ${people.toLocaleString('en')} in ${household.toLocaleString('en')} households, 400 sites`,
  );
  console.log(
    `vehicles            ${fleet} (buses, vans, ambulances); ${used.size} drove, up to ${maxTrips} trips each`,
  );
  console.log(
    `schedule            ${schedule.windowHours} h from 06:00, ${schedule.speedKmh} km/h, ${schedule.stopMinutes} min per stop, ${schedule.unloadMinutes} min unloading, ${schedule.disinfectionMinutes} min disinfection after cases; last trip ends ${new Date(lastEnd + 8 * 3_600_000).toISOString().slice(11, 16)}`,
  );
  console.log(
    `trips               ${plan.trips.length.toLocaleString('en')} moving ${carried.size.toLocaleString('en')}; not moved ${plan.waiting.length.toLocaleString('en')}`,
  );
  for (const [reason, n] of reasons) console.log(`  not moved: ${n} — ${reason}`);
  console.log(`seconds             ${seconds.toFixed(3)}`);
  console.log(`violations          ${violations.length}`);
  for (const v of violations.slice(0, 5)) console.log(`  ${v.rule}: ${v.detail}`);
  console.log(`vehicle-km          ${vehicleKm.toFixed(0)} (schematic)`);
  console.log(`vehicle-hours       ${vehicleHours.toFixed(0)} on trips (driving, loading, unloading)`);
  console.log(`baseline vehicle-km ${baselineKm.toFixed(0)} (one trip per household for the same people)`);
  console.log(`ratio               ${(vehicleKm / Math.max(1, baselineKm)).toFixed(3)}`);
  console.log(
    JSON.stringify({
      bench: 'dispatch',
      people,
      vehicles: fleet,
      seconds: Number(seconds.toFixed(3)),
      violations: violations.length,
      trips: plan.trips.length,
      people_moved: carried.size,
      not_moved: plan.waiting.length,
      vehicle_km: Math.round(vehicleKm),
      vehicle_hours: Math.round(vehicleHours),
      baseline_vehicle_km: Math.round(baselineKm),
    }),
  );
}
