/** The API speaks snake_case: camelCase keys of a domain result, recursively (Dates and arrays kept as they are). */
export function snakeKeys<T>(value: T): unknown {
  if (Array.isArray(value)) return value.map((v) => snakeKeys(v));
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
      snakeKeys(v),
    ]),
  );
}
