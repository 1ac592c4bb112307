/**
 * Area names instead of bare codes, everywhere a screen or an export shows an area. Codes asked for while a page
 * renders are gathered and fetched in one request (`/api/areas/names`, 500 at a time) and kept for the session;
 * components re-render when names arrive. Until a name is known the code is shown, never an empty cell.
 */
import { useSyncExternalStore } from 'react';
import { api } from './api.ts';
import type { AreaNameItem } from './contract.ts';

const known = new Map<string, AreaNameItem>();
const asked = new Set<string>();
let queue = new Set<string>();
let scheduled = false;
let version = 0;
const listeners = new Set<() => void>();

const CODE = /^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12}|\d{15})$/;

function flush(): void {
  scheduled = false;
  const codes = [...queue];
  queue = new Set();
  for (let i = 0; i < codes.length; i += 500) {
    const batch = codes.slice(i, i + 500);
    api<{ items: AreaNameItem[] }>(`/api/areas/names?codes=${batch.join(',')}`).then(
      (res) => {
        for (const a of res.items) known.set(a.code, a);
        version++;
        for (const l of listeners) l();
      },
      () => {
        // Not fatal: the codes stay shown; they may be asked again after the next page load.
        for (const c of batch) asked.delete(c);
      },
    );
  }
}

function ask(code: string | null | undefined): void {
  if (!code || asked.has(code) || !CODE.test(code)) return;
  asked.add(code);
  queue.add(code);
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(flush);
  }
}

/**
 * Waits until the names of these areas are known (one request for those not yet known), for text written once,
 * such as a success message, that cannot re-render when the names arrive. A failure leaves the codes shown.
 */
export async function loadAreaNames(codes: readonly (string | null | undefined)[]): Promise<void> {
  const missing = [...new Set(codes)].filter((c): c is string => !!c && CODE.test(c) && !known.has(c));
  if (missing.length === 0) return;
  try {
    const res = await api<{ items: AreaNameItem[] }>(`/api/areas/names?codes=${missing.join(',')}`);
    for (const a of res.items) {
      known.set(a.code, a);
      asked.add(a.code);
    }
    version++;
    for (const l of listeners) l();
  } catch {
    // The message shows the code: better than no message.
  }
}

/** Communities (level 5) and grids (level 6): their own names repeat across the city. */
const NAMED_WITH_PARENT = 5;

/**
 * How a table or a sentence names an area: its own name, except a community or a grid, whose own name says
 * little city-wide (every community has a 「第1网格」, several streets a 「新华社区」), named with its parent:
 * 「江南社区 / 第1网格」, 「北京路街道 / 江南社区」. The full path goes in a tooltip (AreaName).
 */
export function areaLabel(a: { level: number; name: string; full: string }): string {
  if (a.level >= NAMED_WITH_PARENT) {
    const parts = a.full.split(' ').filter((p) => p !== '');
    if (parts.length >= 2) return parts.slice(-2).join(' / ');
  }
  return a.name;
}

/** The area's name as areaLabel gives it (the code until it is known). Asks for it when needed. */
export function areaName(code: string | null | undefined): string {
  if (!code) return '';
  ask(code);
  const a = known.get(code);
  return a ? areaLabel(a) : code;
}

/** The area's names from the district down, for exports and tooltips: "船营区 北京路街道 …". */
export function areaFullName(code: string | null | undefined): string {
  if (!code) return '';
  ask(code);
  return known.get(code)?.full ?? code;
}

/** Asks for many codes at once (a table's rows) before they render. */
export function prefetchAreaNames(codes: Iterable<string | null | undefined>): void {
  for (const c of codes) ask(c);
}

/** Re-renders the component when names arrive. */
export function useAreaNamesVersion(): number {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => version,
  );
}
