import dayjs from 'dayjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  beijingClock,
  beijingDateTime,
  beijingPickerValue,
  beijingText,
  beijingTodayValue,
  beijingWallClock,
  isInstant,
  pickerInstant,
} from './beijing-time.ts';

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

describe('pickers in Beijing time, whatever the browser zone', () => {
  const zone = process.env.TZ;
  afterEach(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  for (const tz of ['America/Los_Angeles', 'Europe/London', 'Asia/Kolkata', 'Asia/Shanghai', 'UTC'])
    it(`shows and sends Beijing time in ${tz}`, () => {
      process.env.TZ = tz;
      const v = beijingPickerValue('2022-03-14T16:30:05Z');
      // The fields the picker shows are Beijing's: the 15th, 00:30.
      expect(v.format('YYYY-MM-DD HH:mm:ss')).toBe('2022-03-15 00:30:05');
      // Sent back as the same instant.
      expect(pickerInstant(v)).toBe('2022-03-14T16:30:05.000Z');
      // A time picked by hand (08:00 on the 14th) is 08:00 in Beijing, not in the browser's zone.
      expect(pickerInstant(dayjs('2022-03-14T08:00:00'))).toBe('2022-03-14T00:00:00.000Z');
      expect(beijingWallClock(new Date('2022-03-14T23:59:00+08:00'))).toBe('2022-03-14T23:59:00');
      expect(beijingTodayValue().format('YYYY-MM-DD')).toBe(beijingText(new Date()).slice(0, 10));
    });
});
