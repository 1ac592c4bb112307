/**
 * The same JavaScript types from both backends: int8 → number (ids and counts stay below 2^53),
 * date → 'YYYY-MM-DD' string (no time-zone shifts), numeric → string, timestamptz → Date, json(b) → object.
 */
export const OID = {
  INT8: 20,
  INT8_ARRAY: 1016,
  DATE: 1082,
  DATE_ARRAY: 1182,
} as const;

export const parseInt8 = (v: string): number => Number(v);
export const parseDate = (v: string): string => v;
