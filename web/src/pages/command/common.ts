/** What the panels of 指挥调度 share: the levels of either rule set, their colours, what a panel needs to act. */
import type { ZoneLevel } from '../../contract.ts';

export const MARCH_LEVELS: ZoneLevel[] = ['lockdown', 'control', 'prevention'];
export const JUNE_LEVELS: ZoneLevel[] = ['high', 'medium', 'low'];

export const ZONE_COLOURS: Record<string, string> = {
  lockdown: 'red',
  control: 'orange',
  prevention: 'blue',
  high: 'red',
  medium: 'orange',
  low: 'blue',
};

/** What a view needs to act: who may do what, the data version and how to bump it. */
export interface Acting {
  may: (permission: string) => boolean;
  version: number;
  bump: () => void;
}
