/**
 * A schematic map from the area hierarchy: the children of an area laid out as a squarified treemap (each
 * rectangle's size in proportion to a weight, e.g. registered residents), written as GeoJSON so that ECharts
 * draws it as a map. Not geography: positions and shapes say nothing about where an area really is.
 */

export interface Weighted {
  code: string;
  name: string;
  weight: number;
}

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The worst aspect ratio of a row of areas laid along a side of length `side`. */
function worst(row: readonly number[], side: number): number {
  const s = row.reduce((a, b) => a + b, 0);
  const max = Math.max(...row);
  const min = Math.min(...row);
  return Math.max((side * side * max) / (s * s), (s * s) / (side * side * min));
}

/** Squarified treemap (Bruls, Huizing, van Wijk 2000): rectangles filling `bounds`, areas ∝ weights. */
export function squarify<T extends { weight: number }>(items: readonly T[], bounds: Rect): (T & Rect)[] {
  const total = items.reduce((a, i) => a + i.weight, 0);
  if (items.length === 0 || total <= 0) return [];
  const scale = (bounds.w * bounds.h) / total;
  let rest = [...items].sort((a, b) => b.weight - a.weight).map((i) => ({ item: i, area: i.weight * scale }));
  let { x, y, w, h } = bounds;
  const out: (T & Rect)[] = [];
  while (rest.length > 0) {
    const side = Math.min(w, h);
    const row = [rest[0] as (typeof rest)[number]];
    let i = 1;
    while (i < rest.length) {
      const next = rest[i] as (typeof rest)[number];
      const current = row.map((r) => r.area);
      if (worst([...current, next.area], side) > worst(current, side)) break;
      row.push(next);
      i += 1;
    }
    rest = rest.slice(i);
    const s = row.reduce((a, r) => a + r.area, 0);
    if (w >= h) {
      const cw = s / h;
      let cy = y;
      for (const r of row) {
        const rh = r.area / cw;
        out.push({ ...r.item, x, y: cy, w: cw, h: rh });
        cy += rh;
      }
      x += cw;
      w -= cw;
    } else {
      const rh = s / w;
      let cx = x;
      for (const r of row) {
        const rw = r.area / rh;
        out.push({ ...r.item, x: cx, y, w: rw, h: rh });
        cx += rw;
      }
      y += rh;
      h -= rh;
    }
  }
  return out;
}

export interface SchematicGeoJson {
  type: 'FeatureCollection';
  features: {
    type: 'Feature';
    properties: { name: string; label: string };
    geometry: { type: 'Polygon'; coordinates: number[][][] };
  }[];
}

/**
 * The GeoJSON of the schematic: one rectangle per area (named by its code, labelled with its name), with a small
 * gap between neighbours. Areas with no weight still get a small rectangle (`floor` of the mean) so they show.
 */
export function schematicGeoJson(
  areas: readonly Weighted[],
  width = 16,
  height = 10,
  floor = 0.15,
): SchematicGeoJson {
  const total = areas.reduce((a, x) => a + Math.max(0, x.weight), 0);
  const min = areas.length > 0 && total > 0 ? (floor * total) / areas.length : 1;
  const rects = squarify(
    areas.map((a) => ({ ...a, weight: Math.max(min, a.weight) })),
    { x: 0, y: 0, w: width, h: height },
  );
  const gap = Math.min(width, height) * 0.006;
  return {
    type: 'FeatureCollection',
    features: rects.map((r) => {
      const x0 = r.x + gap;
      const x1 = r.x + Math.max(r.w - gap, gap * 2);
      // GeoJSON's y grows northwards: flip so the first (largest) area sits top left.
      const y0 = height - (r.y + gap);
      const y1 = height - (r.y + Math.max(r.h - gap, gap * 2));
      return {
        type: 'Feature' as const,
        properties: { name: r.code, label: r.name },
        geometry: {
          type: 'Polygon' as const,
          coordinates: [
            [
              [x0, y0],
              [x1, y0],
              [x1, y1],
              [x0, y1],
              [x0, y0],
            ],
          ],
        },
      };
    }),
  };
}
