/** An interval setting of the environment, in milliseconds: a whole number, at least `min`; refused otherwise. */
export function intervalMs(name: string, raw: string | undefined, fallback: number, min: number): number {
  const ms = Number(raw ?? fallback);
  if (!Number.isInteger(ms) || ms < min)
    throw new Error(`${name} must be a whole number of milliseconds, at least ${min} (got ${raw})`);
  return ms;
}
