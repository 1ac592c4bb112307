/** Beijing calendar days for the medical module (capacity is counted per Beijing day). */
const HOUR = 3_600_000;

/** The Beijing calendar day of an instant, as YYYY-MM-DD. */
export const beijingDay = (at: Date): string => new Date(at.getTime() + 8 * HOUR).toISOString().slice(0, 10);

/** The instant a Beijing calendar day starts. */
export const beijingDayStart = (day: string): Date => new Date(`${day}T00:00:00+08:00`);

/** An emergency not moving for this long is a red item for the commander. */
export const STALL_MINUTES = 30;
