/**
 * Trip planning (转运): from placed people to vehicle trips. Rules:
 * - never cases and contacts in one vehicle; a severe or critical case rides alone in an ambulance (a
 *   negative-pressure one first); other cases ride buses or vans carrying only cases;
 * - a household travels together (one trip), as a family is placed together;
 * - seats are never exceeded; one trip per vehicle per plan;
 * - special groups (elderly, children, pregnant, disabled) are fetched first;
 * - pickups of one trip are clustered by area code (people of the same street or community ride together),
 *   towards one destination site.
 * Deterministic for the same input; every trip explains itself.
 */
export interface Passenger {
  placementId: number;
  personId: number;
  householdId: number;
  isCase: boolean;
  severe: boolean; // moderate cases are not "severe" here: severe and critical need an ambulance
  priority: boolean;
  areaCode: string;
  siteId: number;
}

export interface Vehicle {
  id: number;
  kind: 'bus' | 'van' | 'car' | 'ambulance' | 'negative_pressure_ambulance';
  seats: number;
  plate: string;
}

export type TripClass = 'case_ambulance' | 'case' | 'contact';

export interface PlannedTrip {
  vehicleId: number;
  class: TripClass;
  siteId: number;
  placementIds: number[];
  reason: string;
}

export interface DispatchResult {
  trips: PlannedTrip[];
  waiting: { placementId: number; reason: string }[];
}

const AMBULANCES = new Set(['negative_pressure_ambulance', 'ambulance']);

interface Group {
  cls: TripClass;
  siteId: number;
  members: Passenger[];
  priority: boolean;
  areaCode: string;
}

export function planTrips(passengers: readonly Passenger[], vehicles: readonly Vehicle[]): DispatchResult {
  // Households (per class and site), then order: priority first, then by area code (clusters), then id.
  const groups = new Map<string, Group>();
  for (const p of [...passengers].sort((a, b) => a.placementId - b.placementId)) {
    const cls: TripClass = p.isCase ? (p.severe ? 'case_ambulance' : 'case') : 'contact';
    const key = cls === 'case_ambulance' ? `amb:${p.placementId}` : `${cls}:${p.siteId}:${p.householdId}`;
    const g = groups.get(key) ?? {
      cls,
      siteId: p.siteId,
      members: [],
      priority: false,
      areaCode: p.areaCode,
    };
    g.members.push(p);
    g.priority ||= p.priority;
    if (p.areaCode < g.areaCode) g.areaCode = p.areaCode;
    groups.set(key, g);
  }
  const ordered = [...groups.values()].sort(
    (a, b) =>
      Number(b.priority) - Number(a.priority) ||
      a.areaCode.localeCompare(b.areaCode) ||
      (a.members[0] as Passenger).placementId - (b.members[0] as Passenger).placementId,
  );
  const free = [...vehicles].sort((a, b) => a.id - b.id);
  const take = (
    pred: (v: Vehicle) => boolean,
    prefer?: (a: Vehicle, b: Vehicle) => number,
  ): Vehicle | undefined => {
    const cands = free.filter(pred);
    if (prefer) cands.sort(prefer);
    const v = cands[0];
    if (v) free.splice(free.indexOf(v), 1);
    return v;
  };
  const trips: PlannedTrip[] = [];
  const waiting: DispatchResult['waiting'] = [];
  // Severe cases: an ambulance each, negative-pressure first.
  for (const g of ordered.filter((x) => x.cls === 'case_ambulance')) {
    const p = g.members[0] as Passenger;
    const v = take(
      (x) => AMBULANCES.has(x.kind),
      (a, b) =>
        Number(b.kind === 'negative_pressure_ambulance') - Number(a.kind === 'negative_pressure_ambulance') ||
        a.id - b.id,
    );
    if (!v) {
      waiting.push({ placementId: p.placementId, reason: 'no free ambulance for a severe case' });
      continue;
    }
    trips.push({
      vehicleId: v.id,
      class: 'case_ambulance',
      siteId: g.siteId,
      placementIds: [p.placementId],
      reason: `severe case alone in ${v.kind.replaceAll('_', ' ')} ${v.plate} to site ${g.siteId}`,
    });
  }
  // Cases and contacts: fill buses and vans per destination, households whole, in order.
  for (const cls of ['case', 'contact'] as const) {
    const bySite = new Map<number, Group[]>();
    for (const g of ordered.filter((x) => x.cls === cls))
      bySite.set(g.siteId, [...(bySite.get(g.siteId) ?? []), g]);
    for (const [siteId, list] of [...bySite].sort((a, b) => a[0] - b[0])) {
      let queue = [...list];
      while (queue.length > 0) {
        const need = queue.reduce((n, g) => n + g.members.length, 0);
        const largestGroup = Math.max(...queue.map((g) => g.members.length));
        // The smallest vehicle that takes everyone left, else the largest there is.
        const fits = free.filter((v) => !AMBULANCES.has(v.kind) && v.seats >= largestGroup);
        if (fits.length === 0) {
          for (const g of queue)
            for (const m of g.members)
              waiting.push({
                placementId: m.placementId,
                reason: `no free bus or van with ${largestGroup}+ seats for ${cls === 'case' ? 'cases' : 'contacts'} to site ${siteId}`,
              });
          break;
        }
        const all = fits.filter((v) => v.seats >= need).sort((a, b) => a.seats - b.seats || a.id - b.id)[0];
        const v = all ?? [...fits].sort((a, b) => b.seats - a.seats || a.id - b.id)[0];
        free.splice(free.indexOf(v as Vehicle), 1);
        const chosen: Passenger[] = [];
        const rest: Group[] = [];
        let seats = (v as Vehicle).seats;
        for (const g of queue) {
          if (g.members.length <= seats) {
            chosen.push(...g.members);
            seats -= g.members.length;
          } else rest.push(g);
        }
        const areas = [...new Set(chosen.map((p) => p.areaCode.slice(0, 9)))];
        trips.push({
          vehicleId: (v as Vehicle).id,
          class: cls,
          siteId,
          placementIds: chosen.map((p) => p.placementId),
          reason: `${cls === 'case' ? 'cases only' : 'contacts only'}: ${chosen.length} of ${(v as Vehicle).seats} seats in ${(v as Vehicle).kind} ${(v as Vehicle).plate}, households kept together, from ${areas.length} street(s) (${areas.slice(0, 3).join(', ')}${areas.length > 3 ? ', …' : ''}) to site ${siteId}`,
        });
        queue = rest;
      }
    }
  }
  return { trips, waiting };
}

export interface DispatchViolation {
  rule: string;
  detail: string;
}

/** Checks the hard rules of a plan (used by the property tests and the benchmark). */
export function checkTrips(
  passengers: readonly Passenger[],
  vehicles: readonly Vehicle[],
  r: DispatchResult,
): DispatchViolation[] {
  const out: DispatchViolation[] = [];
  const byId = new Map(passengers.map((p) => [p.placementId, p]));
  const vById = new Map(vehicles.map((v) => [v.id, v]));
  const seen = new Set<number>();
  const usedVehicles = new Set<number>();
  for (const t of r.trips) {
    const v = vById.get(t.vehicleId);
    if (!v) out.push({ rule: 'vehicle', detail: `unknown vehicle ${t.vehicleId}` });
    if (usedVehicles.has(t.vehicleId))
      out.push({ rule: 'vehicle', detail: `vehicle ${t.vehicleId} used twice` });
    usedVehicles.add(t.vehicleId);
    if (v && t.placementIds.length > v.seats)
      out.push({ rule: 'seats', detail: `trip of ${v.plate} over its ${v.seats} seats` });
    const ps = t.placementIds.map((id) => byId.get(id) as Passenger);
    if (new Set(ps.map((p) => p.isCase)).size > 1)
      out.push({ rule: 'mixing', detail: `cases and contacts together in ${v?.plate}` });
    if (ps.some((p) => p.siteId !== t.siteId))
      out.push({ rule: 'destination', detail: `trip of ${v?.plate} serves two sites` });
    if (ps.some((p) => p.isCase && p.severe) && (ps.length > 1 || !v || !AMBULANCES.has(v.kind))) {
      out.push({ rule: 'ambulance', detail: `a severe case not alone in an ambulance (${v?.plate})` });
    }
    for (const id of t.placementIds) {
      if (seen.has(id)) out.push({ rule: 'once', detail: `placement ${id} on two trips` });
      seen.add(id);
    }
  }
  for (const w of r.waiting) {
    if (seen.has(w.placementId))
      out.push({ rule: 'once', detail: `placement ${w.placementId} both on a trip and waiting` });
    seen.add(w.placementId);
  }
  for (const p of passengers)
    if (!seen.has(p.placementId)) out.push({ rule: 'complete', detail: `placement ${p.placementId} lost` });
  // Households together: all members of a household (same class and site) on one trip or all waiting.
  const tripOf = new Map<number, number>();
  r.trips.forEach((t, i) => {
    for (const id of t.placementIds) tripOf.set(id, i);
  });
  const households = new Map<string, Set<number | 'waiting'>>();
  for (const p of passengers) {
    if (p.isCase && p.severe) continue;
    const key = `${p.isCase}:${p.siteId}:${p.householdId}`;
    const set = households.get(key) ?? new Set();
    set.add(tripOf.get(p.placementId) ?? 'waiting');
    households.set(key, set);
  }
  for (const [key, set] of households)
    if (set.size > 1) out.push({ rule: 'household', detail: `household ${key} split over trips` });
  return out;
}
