/**
 * The speed rule against copied passes (一证多用): one pass seen at two checkpoints further apart than a vehicle
 * can drive in the time between is suspect. Distance is the great circle between the checkpoints (haversine on
 * the mean Earth radius), a lower bound on any road, so the rule never flags an honest trip for a detour; the
 * limit is 120 km/h (China's expressway limit). Two checks within 2 km of each other are never flagged (one
 * checkpoint's lanes, positions typed roughly).
 */

export const MAX_KMH = 120;
export const MIN_SUSPECT_KM = 2;
const EARTH_KM = 6371.0088;

export interface Sighting {
  latitude: number;
  longitude: number;
  at: Date;
}

export function greatCircleKm(
  a: { latitude: number; longitude: number },
  b: { latitude: number; longitude: number },
): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface Suspicion {
  km: number;
  minutes: number;
}

/** The distance and minutes between two sightings when covering them needs more than `maxKmh`; else null. */
export function tooFast(earlier: Sighting, later: Sighting, maxKmh = MAX_KMH): Suspicion | null {
  const km = greatCircleKm(earlier, later);
  if (km < MIN_SUSPECT_KM) return null;
  const minutes = Math.abs(later.at.getTime() - earlier.at.getTime()) / 60_000;
  if (km <= (maxKmh * minutes) / 60) return null;
  return { km: Math.round(km * 10) / 10, minutes: Math.round(minutes * 10) / 10 };
}
