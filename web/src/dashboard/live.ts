/**
 * How 指挥中心大屏 and the schematic map read the dashboard API: the refresh clock, the area parameter, a GET that
 * keeps the last figures through a failed refresh, and the sums and density worked out from the figures.
 */
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import type { DashboardAreas, DashboardFigures } from '../contract.ts';
import { errorText } from '../error-text.ts';

/** How often the screen asks again (the API answers from memory: cheap). */
export const REFRESH_MS = 15_000;

export type Figures = DashboardFigures;
/** GET /api/dashboard/areas, as the schematic map reads it too. */
export type AreasAnswer = DashboardAreas;

/** The area the screen shows: the jurisdiction ('' = everything: no parameter). */
export function areaQuery(name: 'area' | 'parent', code: string): string {
  return code ? `?${name}=${encodeURIComponent(code)}` : '';
}

/**
 * GETs `path` now and whenever `tick` changes. A failed refresh keeps the last figures and reports the error, so
 * a wall screen does not go blank when the network hiccups.
 */
export function useLive<T>(path: string | null, tick: number): { data: T | null; error: string | null } {
  const [state, setState] = useState<{ path: string | null; data: T | null; error: string | null }>({
    path: null,
    data: null,
    error: null,
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick asks for the same path again
  useEffect(() => {
    if (!path) return;
    let live = true;
    api<T>(path).then(
      (data) => live && setState({ path, data, error: null }),
      (err: unknown) =>
        live && setState((s) => ({ path, data: s.path === path ? s.data : null, error: errorText(err) })),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  return state.path === path ? { data: state.data, error: state.error } : { data: null, error: null };
}

/** A counter that goes up every `ms`: the refresh clock of the screen. */
export function useTick(ms: number): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = window.setInterval(() => setTick((n) => n + 1), ms);
    return () => window.clearInterval(timer);
  }, [ms]);
  return tick;
}

/** The sum of the figures whose key passes `keep`. */
export function sumWhere(f: Figures | undefined, keep: (key: string) => boolean): number | undefined {
  if (!f) return undefined;
  let n = 0;
  for (const [k, v] of Object.entries(f)) if (keep(k)) n += v;
  return n;
}

/** Cases per 10,000 registered residents (null without residents). */
export function density(f: Figures): number | null {
  const population = f.population ?? 0;
  if (population <= 0) return null;
  return Math.round(((f.cases ?? 0) * 10_000 * 10) / population) / 10;
}
