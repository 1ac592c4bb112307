import { describe, expect, it } from 'vitest';
import { beijingClock, beijingDateTime, beijingText, isInstant } from './beijing-time.ts';

describe('Beijing time', () => {
  it('writes exports in Beijing time, across midnight UTC', () => {
    expect(beijingText('2022-03-14T16:30:05.123Z')).toBe('2022-03-15 00:30:05');
    expect(beijingText('2022-03-14T08:00:00+08:00')).toBe('2022-03-14 08:00:00');
  });
  it('tells an instant from other text', () => {
    expect(isInstant('2022-03-14T16:30:05.123Z')).toBe(true);
    expect(isInstant('2022-03-14T16:30+08:00')).toBe(true);
    expect(isInstant('2022-03-14')).toBe(false);
    expect(isInstant('220202-20220314-0004')).toBe(false);
    expect(isInstant('close_contact')).toBe(false);
  });
  it('shows Beijing time whatever the zone of the machine', () => {
    expect(beijingDateTime('2022-03-14T16:30:00Z', 'zh')).toContain('00:30');
    expect(beijingDateTime('2022-03-14T16:30:00Z', 'en')).toContain('15/03/2022');
    expect(beijingDateTime(null, 'zh')).toBe('—');
    expect(beijingDateTime('not a time', 'zh')).toBe('—');
    expect(beijingClock(new Date('2022-03-14T16:30:05Z'), 'zh')).toBe('00:30:05');
  });
});
