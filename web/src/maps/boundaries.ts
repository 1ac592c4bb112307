/**
 * The real boundaries the app has, by the parent area whose children they draw (see README.md in this folder for
 * the source, its licence and how the file was made). Each file loads only when its area is shown.
 */
import { useEffect, useState } from 'react';

export interface BoundaryFeature {
  type: 'Feature';
  properties: { code: string; name: string };
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown };
}

export interface Boundaries {
  type: 'FeatureCollection';
  features: BoundaryFeature[];
}

const FILES: Record<string, () => Promise<Boundaries>> = {
  '2202': () => import('./2202.json').then((m) => m.default as unknown as Boundaries),
};

/** Whether the children of `parent` have real boundaries. */
export function hasBoundaries(parent: string): boolean {
  return parent in FILES;
}

/**
 * The boundaries of the children of `parent`: null while loading, when there are none, or when the file could
 * not load (the map then falls back to the schematic).
 */
export function useBoundaries(parent: string): Boundaries | null {
  const [loaded, setLoaded] = useState<{ parent: string; geo: Boundaries } | null>(null);
  useEffect(() => {
    const load = FILES[parent];
    if (!load) return;
    let live = true;
    load().then(
      (geo) => live && setLoaded({ parent, geo }),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [parent]);
  return loaded?.parent === parent ? loaded.geo : null;
}

/** The mean latitude of the boundaries' points: the map's east–west stretch is 1 / cos(latitude). */
export function meanLatitude(geo: Boundaries): number {
  let sum = 0;
  let n = 0;
  const walk = (a: unknown): void => {
    if (!Array.isArray(a)) return;
    if (typeof a[0] === 'number' && typeof a[1] === 'number') {
      sum += a[1];
      n += 1;
      return;
    }
    for (const x of a) walk(x);
  };
  for (const f of geo.features) walk(f.geometry.coordinates);
  return n > 0 ? sum / n : 0;
}
