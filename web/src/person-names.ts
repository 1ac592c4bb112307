/**
 * People by name instead of by number, wherever a table shows a person id (contacts, stays, trips, results):
 * ids asked for while a page renders are gathered and fetched in one request (`/api/persons/names`, 500 at a
 * time, an audited read, only for those who may read people, only people of the reader's jurisdiction) and kept
 * for the session. Until a name is known — or when the reader may not read people — the number is shown as
 * 「人员 #123」.
 */
import { useSyncExternalStore } from 'react';
import { ApiError, api } from './api.ts';
import type { PersonName } from './contract.ts';

const known = new Map<number, string>();
const asked = new Set<number>();
let queue = new Set<number>();
let scheduled = false;
let enabled = true;
let version = 0;
const listeners = new Set<() => void>();

function flush(): void {
  scheduled = false;
  const ids = [...queue];
  queue = new Set();
  for (let i = 0; i < ids.length; i += 500) {
    const batch = ids.slice(i, i + 500);
    api<{ items: PersonName[] }>(`/api/persons/names?ids=${batch.join(',')}`).then(
      (res) => {
        for (const p of res.items) known.set(p.id, p.name);
        version++;
        for (const l of listeners) l();
      },
      (err: unknown) => {
        // Not fatal: the numbers stay shown. A reader without person.read is not asked again this session.
        if (err instanceof ApiError && err.status === 403) enabled = false;
        else for (const id of batch) asked.delete(id);
      },
    );
  }
}

function ask(id: number | null | undefined): void {
  if (!enabled || id === null || id === undefined || asked.has(id) || !Number.isSafeInteger(id) || id <= 0)
    return;
  asked.add(id);
  queue.add(id);
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(flush);
  }
}

/** The person's name, or null until known (or when it cannot be known). */
export function personName(id: number | null | undefined): string | null {
  if (id === null || id === undefined) return null;
  ask(id);
  return known.get(id) ?? null;
}

/** Asks for many ids at once (a table's rows) before they render. */
export function prefetchPersonNames(ids: Iterable<number | null | undefined>): void {
  for (const id of ids) ask(id);
}

/** Re-renders the component when names arrive. */
export function usePersonNamesVersion(): number {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => version,
  );
}
