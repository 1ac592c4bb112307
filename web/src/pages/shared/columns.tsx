/** Table columns (people, areas, codes), sorting, filter choices, and the Excel export of rows. */
import type { ColumnType } from 'antd/es/table';
import { areaFullName, areaName } from '../../area-names.ts';
import { beijingText, isInstant } from '../../beijing-time.ts';
import { personName } from '../../person-names.ts';
import { AreaName, PersonName, StatusTag } from './format.tsx';

/** A column that also says what goes into the spreadsheet (default: the raw value of dataIndex). */
export interface Column<T> extends ColumnType<T> {
  key: string;
  title: string;
  exportValue?: (row: T) => string | number | boolean | null | undefined;
  /** The column shows an area: the table asks for the names of every row's area (for the export too). */
  areaOf?: (row: T) => string | null | undefined;
  /** The column shows a person: the table asks for the names of every row's person. */
  personOf?: (row: T) => number | null | undefined;
}

/** A column of people, shown, sorted and exported by name (by number where the name is not known). */
export function personColumn<T>(o: {
  key?: string;
  title: string;
  get: (row: T) => number | null | undefined;
  t: (key: string, options: { id: number }) => string;
}): Column<T> {
  const text = (r: T) => {
    const id = o.get(r);
    return id === null || id === undefined ? '' : (personName(id) ?? o.t('command.personNo', { id }));
  };
  return {
    key: o.key ?? 'person_id',
    title: o.title,
    personOf: o.get,
    render: (_: unknown, r: T) => <PersonName id={o.get(r)} />,
    sorter: byString(text),
    exportValue: text,
  };
}

/** A column of areas, shown and sorted by name, exported with the names from the district down. */
export function areaColumn<T>(o: {
  key?: string;
  title: string;
  get: (row: T) => string | null | undefined;
}): Column<T> {
  return {
    key: o.key ?? 'area_code',
    title: o.title,
    areaOf: o.get,
    render: (_: unknown, r: T) => <AreaName code={o.get(r)} />,
    sorter: byString((r: T) => areaName(o.get(r))),
    exportValue: (r) => areaFullName(o.get(r)),
  };
}

/** Keys of T whose values are codes (strings). */
type CodeKey<T> = { [K in keyof T]: T[K] extends string ? K : never }[keyof T] & string;

/**
 * A column of a coded value (a kind, a category, a status): shown, filtered and exported in words from the
 * `ns` translations; `tag` shows it as a coloured status tag.
 */
export function codedColumn<T>(o: {
  key: string;
  title: string;
  field: CodeKey<T>;
  rows: readonly T[];
  ns: string;
  t: (key: string, options: { defaultValue: string }) => string;
  tag?: boolean;
}): Column<T> {
  const word = (v: string) => o.t(`${o.ns}.${v}`, { defaultValue: v });
  const code = (r: T) => r[o.field] as unknown as string;
  return {
    key: o.key,
    title: o.title,
    dataIndex: o.field,
    filters: filtersFrom(o.rows, code, word),
    onFilter: (v, r) => code(r) === v,
    render: (v: string) => (o.tag ? <StatusTag ns={o.ns} value={v} /> : word(v)),
    exportValue: (r) => word(code(r)),
  };
}

/** Filter choices from the values present in the rows (what is there to filter by). */
export function filtersFrom<T>(
  rows: readonly T[],
  value: (row: T) => string | null | undefined,
  label: (v: string) => string = (v) => v,
): { text: string; value: string }[] {
  const seen = new Set<string>();
  for (const r of rows) {
    const v = value(r);
    if (v !== null && v !== undefined) seen.add(v);
  }
  return [...seen].sort().map((v) => ({ text: label(v), value: v }));
}

export function byString<T>(get: (r: T) => string | null | undefined) {
  return (a: T, b: T) => (get(a) ?? '').localeCompare(get(b) ?? '');
}

export function byNumber<T>(get: (r: T) => number | null | undefined) {
  return (a: T, b: T) => (get(a) ?? Number.NEGATIVE_INFINITY) - (get(b) ?? Number.NEGATIVE_INFINITY);
}

function cellValue<T>(col: Column<T>, row: T): string | number | boolean | null | undefined {
  if (col.exportValue) return col.exportValue(row);
  const key = col.dataIndex as string | undefined;
  const v = key ? (row as Record<string, unknown>)[key] : undefined;
  if (v === null || v === undefined) return v;
  if (typeof v === 'object') return JSON.stringify(v);
  // An instant goes out in Beijing time, as it is shown, never as UTC text.
  if (typeof v === 'string' && isInstant(v)) return beijingText(v);
  return v as string | number | boolean;
}

/** The key of a column of buttons (left out of exports). */
export const ACTIONS = 'actions';

/** Writes the rows into one worksheet and downloads it; exceljs is loaded only when someone exports. */
export async function exportXlsx<T>(
  fileName: string,
  sheet: string,
  columns: readonly Column<T>[],
  rows: readonly T[],
): Promise<void> {
  const mod = await import('exceljs');
  const Workbook = (mod as unknown as { default?: typeof mod }).default?.Workbook ?? mod.Workbook;
  const wb = new Workbook();
  const ws = wb.addWorksheet(sheet.slice(0, 31));
  // The buttons of an `actions` column are not data.
  const cols = columns.filter((c) => c.key !== ACTIONS);
  ws.columns = cols.map((c) => ({
    header: c.title,
    key: c.key,
    width: Math.max(10, c.title.length * 2 + 4),
  }));
  ws.getRow(1).font = { bold: true };
  for (const r of rows) ws.addRow(cols.map((c) => cellValue(c, r) ?? ''));
  const buf = await wb.xlsx.writeBuffer();
  const blob = new Blob([buf], {
    type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `${fileName}.xlsx`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
