/** Dates and numbers in the reader's language, Beijing time, areas, people and statuses by name. */
import { DatePicker as BrowserClockPicker, Button, Tag, Tooltip } from 'antd';
import type { DatePickerProps } from 'antd/es/date-picker';
import type { Dayjs } from 'dayjs';
import dayjsGenerateConfig from 'rc-picker/es/generate/dayjs';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { areaFullName, areaName, useAreaNamesVersion } from '../../area-names.ts';
import { beijingDateTime, beijingPickerValue, beijingTodayValue } from '../../beijing-time.ts';
import { personName, usePersonNamesVersion } from '../../person-names.ts';

export function useFormat() {
  const { i18n } = useTranslation();
  const locale = i18n.language === 'en' ? 'en-GB' : 'zh-CN';
  return useMemo(
    () => ({
      // Beijing time, whatever the browser's zone: every time the platform shows is the command's local time.
      dateTime: (v: string | null | undefined) => beijingDateTime(v, i18n.language),
      number: (v: number | null | undefined) =>
        v === null || v === undefined ? '—' : v.toLocaleString(locale),
      percent: (part: number, whole: number) =>
        whole > 0 ? `${((100 * part) / whole).toLocaleString(locale, { maximumFractionDigits: 1 })}%` : '—',
    }),
    [locale, i18n.language],
  );
}

/**
 * antd's date pickers on Beijing's clock: the calendar outlines Beijing's today and opens on Beijing's month
 * (antd's own read the browser's clock, which outlines yesterday between 00:00 and 08:00 Beijing in a browser set
 * to UTC). Values are dayjs objects whose fields are the Beijing wall clock, as beijingPickerValue makes them.
 */
export const BeijingDatePicker = BrowserClockPicker.generatePicker<Dayjs>({
  ...dayjsGenerateConfig,
  getNow: () => beijingPickerValue(),
});

/** Today in Beijing, as the API counts days. */
export function beijingToday(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

const upTo = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/** On today (Beijing), the hours and minutes still to come: a time picked there would be refused as in the future. */
function laterToday(d: Dayjs | null) {
  const now = beijingPickerValue();
  if (!d?.isSame(now, 'day')) return {};
  return {
    disabledHours: () => upTo(now.hour() + 1, 24),
    disabledMinutes: (h: number) => (h === now.hour() ? upTo(now.minute() + 1, 60) : []),
  };
}

/**
 * A date and time picker in Beijing time: its value's fields are the Beijing wall clock (beijing-time.ts), its
 * 「此刻」 is now in Beijing (antd's own would be the browser's zone), and times after Beijing's now can be
 * refused (`noFuture`: later days, and today's hours and minutes still to come). Send its value with pickerInstant.
 */
export function BeijingDateTimePicker({ noFuture, ...props }: DatePickerProps & { noFuture?: boolean }) {
  const { t } = useTranslation();
  return (
    <BeijingDatePicker
      showTime={{ format: 'HH:mm' }}
      format="YYYY-MM-DD HH:mm"
      showNow={false}
      disabledDate={noFuture ? (d) => d.isAfter(beijingTodayValue(), 'day') : undefined}
      disabledTime={noFuture ? laterToday : undefined}
      renderExtraFooter={() => (
        <Button
          size="small"
          type="link"
          onClick={() => {
            const now = beijingPickerValue();
            (props.onChange as ((d: typeof now, s: string) => void) | undefined)?.(
              now,
              now.format('YYYY-MM-DD HH:mm'),
            );
          }}
        >
          {t('common.nowBeijing')}
        </Button>
      )}
      {...props}
    />
  );
}

/** An area by its name, with its path and code on hover; the code until the name is known. */
export function AreaName({ code }: { code: string | null | undefined }) {
  useAreaNamesVersion();
  if (!code) return <>—</>;
  return <Tooltip title={`${areaFullName(code)} · ${code}`}>{areaName(code)}</Tooltip>;
}

/** A person by name (an audited read, for those who may read people), else 「人员 #id」. */
export function PersonName({ id }: { id: number | null | undefined }) {
  const { t } = useTranslation();
  usePersonNamesVersion();
  if (id === null || id === undefined) return <>—</>;
  const name = personName(id);
  return <>{name ?? t('command.personNo', { id })}</>;
}

/** A status word as a coloured tag, translated under `ns`. */
export function StatusTag({
  ns,
  value,
  colors,
}: {
  ns: string;
  value: string | null;
  colors?: Record<string, string>;
}) {
  const { t } = useTranslation();
  if (value === null) return <>—</>;
  return <Tag color={colors?.[value]}>{t(`${ns}.${value}`, { defaultValue: value })}</Tag>;
}
