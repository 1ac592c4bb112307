/**
 * The tube lifecycle: open → closed → boxed → in_transit → received → resulted. Pure rules; the services
 * apply them with the time of each step recorded in its own column.
 */
export const TUBE_STATUSES = ['open', 'closed', 'boxed', 'in_transit', 'received', 'resulted'] as const;
export type TubeStatus = (typeof TUBE_STATUSES)[number];

const NEXT: Record<TubeStatus, readonly TubeStatus[]> = {
  open: ['closed'],
  closed: ['boxed'],
  boxed: ['in_transit'],
  in_transit: ['received'],
  received: ['resulted'],
  resulted: [],
};

export function canMove(from: TubeStatus, to: TubeStatus): boolean {
  return NEXT[from].includes(to);
}

/** Why a tube cannot take a step, or null when it can. */
export function transitionProblem(barcode: string, from: TubeStatus, to: TubeStatus): string | null {
  if (canMove(from, to)) return null;
  if (from === to) return `tube ${barcode} is already ${to}`;
  const expected = (Object.keys(NEXT) as TubeStatus[]).filter((s) => NEXT[s].includes(to));
  return `tube ${barcode} is ${from}; it must be ${expected.join(' or ') || 'nothing'} to become ${to}`;
}
