/**
 * What the work pages' lists share around their tables: a choice among codes shown in words (a filter or a form
 * field), the same with 「全部」 first, the day a page shows, and a list paged by the server with a cursor under
 * filters, wired to DataTable.
 */
import { Select, type SelectProps, Space, Typography } from 'antd';
import dayjs from 'dayjs';
import { useTranslation } from 'react-i18next';
import { query } from '../api.ts';
import type { KeysetPage } from '../contract.ts';
import {
  BeijingDatePicker,
  beijingToday,
  cursorPaging,
  useApi,
  useFirstPageTotal,
  useKeyset,
} from './shared.tsx';

/** A choice among codes in words (`ns`.code): the codes given, else every code the namespace translates. */
export function CodeSelect({ ns, codes, ...props }: SelectProps & { ns: string; codes?: readonly string[] }) {
  const { t } = useTranslation();
  const all = codes ?? Object.keys(t(ns, { returnObjects: true }) as object);
  return <Select {...props} options={all.map((c) => ({ value: c, label: t(`${ns}.${c}`) }))} />;
}

/** A filter by one of `codes` (in words under `ns`) with 「全部」 first: no code (undefined) is all. */
export function AllOrCodeSelect({
  ns,
  codes,
  value,
  onChange,
  ...props
}: Omit<SelectProps, 'value' | 'onChange' | 'options'> & {
  ns: string;
  codes: readonly string[];
  value: string | undefined;
  onChange: (code: string | undefined) => void;
}) {
  const { t } = useTranslation();
  return (
    <Select
      {...props}
      value={value ?? 'all'}
      onChange={(v: string) => onChange(v === 'all' ? undefined : v)}
      options={[
        { value: 'all', label: t('common.all') },
        ...codes.map((c) => ({ value: c, label: t(`${ns}.${c}`) })),
      ]}
    />
  );
}

/** The day a page shows (Beijing days, none after today). */
export function DayPicker({ day, onDay }: { day: string; onDay: (d: string) => void }) {
  const { t } = useTranslation();
  return (
    <Space>
      <Typography.Text>{t('common.day')}</Typography.Text>
      <BeijingDatePicker
        size="small"
        allowClear={false}
        value={dayjs(day)}
        disabledDate={(d) => d.format('YYYY-MM-DD') > beijingToday()}
        onChange={(d) => d && onDay(d.format('YYYY-MM-DD'))}
      />
    </Space>
  );
}

/**
 * A list the server pages with a cursor (`limit`, `after`) under `filters`, asked again when `version` changes:
 * `refilter` wraps a filter's setter so that another filter starts at the first page, `table` is what DataTable
 * takes for the rows, their state, the list's size, the paging and the server's export (`path`/export under the
 * same filters).
 */
export function useCursorList<T>(
  path: string,
  filters: Record<string, string | undefined>,
  version: number,
  limit: number,
) {
  const keys = useKeyset();
  const list = useApi<KeysetPage<T>>(`${path}${query({ ...filters, limit, after: keys.after })}`, version);
  const total = useFirstPageTotal(list.data);
  return {
    keys,
    list,
    total,
    refilter:
      <V,>(set: (v: V) => void) =>
      (v: V) => {
        set(v);
        keys.reset();
      },
    table: {
      rows: list.data?.items ?? [],
      loading: list.loading,
      error: list.error,
      total,
      serverPaging: cursorPaging(keys, list.data?.next_after),
      serverExport: `${path}/export${query(filters)}`,
    },
  };
}
