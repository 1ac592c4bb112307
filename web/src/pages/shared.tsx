/**
 * What every work page shares: loading one endpoint, dates in the reader's language, a table with paging,
 * sorting, filtering and an Excel export of exactly the rows the filters and sort leave, the states of a
 * request (loading, empty, error), and the actions: a confirmation before a change, a success message, the
 * API's error code and message on failure, and the page's data asked for again afterwards.
 */
import {
  Alert,
  App as AntApp,
  Button,
  DatePicker,
  Empty,
  Popconfirm,
  Space,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import type { ButtonProps } from 'antd/es/button';
import type { DatePickerProps } from 'antd/es/date-picker';
import type { ColumnType, TableProps } from 'antd/es/table';
import { type Key, type ReactNode, useCallback, useEffect, useMemo, useReducer, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Me } from '../api.ts';
import { areaFullName, areaName, prefetchAreaNames, useAreaNamesVersion } from '../area-names.ts';
import {
  beijingDateTime,
  beijingPickerValue,
  beijingText,
  beijingTodayValue,
  isInstant,
} from '../beijing-time.ts';
import { errorText } from '../error-text.ts';
import { personName, prefetchPersonNames, usePersonNamesVersion } from '../person-names.ts';

export { errorText };

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/**
 * GETs `path` (null: nothing to ask) and again whenever it changes, `version` changes (a page bumps it after an
 * action) or `reload` is called.
 */
export function useApi<T>(path: string | null, version = 0): Loaded<T> {
  const { i18n } = useTranslation();
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({
    data: null,
    error: null,
    loading: path !== null,
  });
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick and version ask for the same path again
  useEffect(() => {
    if (!path) {
      setState({ data: null, error: null, loading: false });
      return;
    }
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    api<T>(path).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (err: unknown) => live && setState({ data: null, error: err ?? new Error('failed'), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [path, tick, version]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  // The failure in the reader's language, worded again when the language changes.
  // biome-ignore lint/correctness/useExhaustiveDependencies: worded again when the language changes
  const error = useMemo(
    () => (state.error === null ? null : errorText(state.error)),
    [state.error, i18n.language],
  );
  return { data: state.data, loading: state.loading, error, reload };
}

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

/** Today in Beijing, as the API counts days. */
export function beijingToday(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

/**
 * A date and time picker in Beijing time: its value's fields are the Beijing wall clock (beijing-time.ts), its
 * 「此刻」 is now in Beijing (antd's own would be the browser's zone), and days after Beijing's today can be
 * refused (`noFuture`). Send its value with pickerInstant.
 */
export function BeijingDateTimePicker({ noFuture, ...props }: DatePickerProps & { noFuture?: boolean }) {
  const { t } = useTranslation();
  return (
    <DatePicker
      showTime={{ format: 'HH:mm' }}
      format="YYYY-MM-DD HH:mm"
      showNow={false}
      disabledDate={noFuture ? (d) => d.isAfter(beijingTodayValue(), 'day') : undefined}
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

export function ErrorAlert({ error }: { error: string | null }) {
  if (!error) return null;
  return <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />;
}

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

export interface DataTableProps<T> {
  rows: readonly T[];
  columns: Column<T>[];
  rowKey: string | ((row: T) => Key);
  loading?: boolean;
  error?: string | null;
  /** The export's file and sheet name. */
  exportName: string;
  /** Server paging (keyset): the table shows one page and the caller moves between pages. */
  serverPaging?: { page: number; hasNext: boolean; onPrev: () => void; onNext: () => void };
  /** A note when the API answered at most this many rows and there may be more. */
  capped?: number;
  /** How many rows the whole list has (server paging), when the API says. */
  total?: number;
  /**
   * The server's export of the whole filtered list (a path answering `format=xlsx|csv&lang=`): replaces the
   * export of the rows loaded, so a paged list exports every row, not one page.
   */
  serverExport?: string;
  toolbar?: ReactNode;
  onRowClick?: (row: T) => void;
  selectedKey?: Key | null;
  expandable?: TableProps<T>['expandable'];
  pageSize?: number;
  size?: 'small' | 'middle';
}

/**
 * antd's table with client paging (thousands of rows render one page at a time), sort and filter, and an
 * export of the rows as filtered and sorted (all pages of them, not only the one on screen).
 */
/** The width of a long text column cut with an ellipsis (its whole text on hover). */
const ELLIPSIS_WIDTH = 320;

export function DataTable<T extends object>(props: DataTableProps<T>) {
  const { t, i18n } = useTranslation();
  const [shown, setShown] = useState<readonly T[] | null>(null);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);
  const { rows } = props;
  useAreaNamesVersion();
  usePersonNamesVersion();
  useEffect(() => {
    for (const c of props.columns) {
      if (c.areaOf) prefetchAreaNames(rows.map(c.areaOf));
      if (c.personOf) prefetchPersonNames(rows.map(c.personOf));
    }
  }, [rows, props.columns]);
  // New rows from the server: the export follows them until the user filters or sorts again.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when the rows change
  useEffect(() => setShown(null), [rows]);
  // Until the user changes a filter or sort, what is shown is the rows through the columns' default filters.
  const initial = useMemo(() => {
    let out = rows;
    for (const c of props.columns) {
      const values = c.defaultFilteredValue;
      const onFilter = c.onFilter;
      if (values && values.length > 0 && onFilter)
        out = out.filter((r) => values.some((v) => onFilter(v as string, r)));
    }
    return out;
  }, [rows, props.columns]);
  const current = shown ?? initial;
  // The table grows to its content (scroll x: max-content): a long text column marked ellipsis gets a width, so
  // it is cut with its whole text on hover instead of widening the table past the screen.
  const columns = useMemo(
    () =>
      props.columns.map((c): Column<T> => {
        if (!c.ellipsis) return c;
        // antd's own ellipsis does not hold in a table sized to its content: the cell is capped here instead.
        const render = c.render;
        const width = typeof c.width === 'number' ? c.width : ELLIPSIS_WIDTH;
        return {
          ...c,
          ellipsis: false,
          render: (value: unknown, row: T, index: number) => {
            const out = render ? render(value, row, index) : (value as ReactNode);
            const text = typeof out === 'string' || typeof out === 'number' ? String(out) : undefined;
            return (
              <div
                title={text}
                style={{
                  maxWidth: width,
                  overflow: 'hidden',
                  textOverflow: 'ellipsis',
                  whiteSpace: 'nowrap',
                }}
              >
                {out as ReactNode}
              </div>
            );
          },
        };
      }),
    [props.columns],
  );

  const doExport = async () => {
    setExporting(true);
    setExportError(null);
    try {
      await exportXlsx(props.exportName, props.exportName, props.columns, current);
    } catch (err) {
      setExportError((err as Error).message);
    } finally {
      setExporting(false);
    }
  };

  const paging = props.serverPaging;
  return (
    <div>
      <Space wrap style={{ marginBottom: 8, width: '100%', justifyContent: 'space-between' }}>
        <Space wrap>{props.toolbar}</Space>
        <Space wrap>
          <Typography.Text type="secondary">
            {props.total !== undefined
              ? t('table.total', { count: props.total })
              : t('table.rows', { count: current.length })}
          </Typography.Text>
          {props.serverExport ? (
            (['xlsx', 'csv'] as const).map((format) => (
              <Button
                key={format}
                size="small"
                href={`${props.serverExport}${props.serverExport?.includes('?') ? '&' : '?'}format=${format}&lang=${i18n.language === 'en' ? 'en' : 'zh'}`}
                download
                disabled={props.total === 0}
              >
                {t(format === 'xlsx' ? 'table.exportAll' : 'table.exportAllCsv')}
              </Button>
            ))
          ) : (
            <Button size="small" onClick={doExport} loading={exporting} disabled={current.length === 0}>
              {t('table.export')}
            </Button>
          )}
        </Space>
      </Space>
      <ErrorAlert error={props.error ?? null} />
      <ErrorAlert error={exportError} />
      {props.total !== undefined && !props.serverPaging && props.total > rows.length && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 8 }}
          message={t('table.firstOf', { shown: rows.length, total: props.total })}
        />
      )}
      {props.capped !== undefined && rows.length >= props.capped && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 8 }}
          message={t(props.serverExport ? 'table.cappedExport' : 'table.capped', { count: props.capped })}
        />
      )}
      <Table<T>
        size={props.size ?? 'small'}
        rowKey={props.rowKey as TableProps<T>['rowKey']}
        loading={props.loading}
        dataSource={rows as T[]}
        columns={columns}
        scroll={{ x: 'max-content' }}
        expandable={props.expandable}
        locale={{
          emptyText: props.error ? (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('table.failed')} />
          ) : (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('table.empty')} />
          ),
        }}
        onChange={(_p, _f, _s, extra) => setShown(extra.currentDataSource)}
        onRow={
          props.onRowClick
            ? (row) => ({ onClick: () => props.onRowClick?.(row), style: { cursor: 'pointer' } })
            : undefined
        }
        rowClassName={(row) => {
          if (props.selectedKey === undefined || props.selectedKey === null) return '';
          const key =
            typeof props.rowKey === 'function'
              ? props.rowKey(row)
              : (row as Record<string, Key>)[props.rowKey];
          return key === props.selectedKey ? 'ant-table-row-selected' : '';
        }}
        pagination={
          paging
            ? false
            : {
                defaultPageSize: props.pageSize ?? 20,
                showSizeChanger: true,
                pageSizeOptions: [10, 20, 50, 100, 200],
                hideOnSinglePage: false,
                showTotal: (total) => t('table.total', { count: total }),
              }
        }
      />
      {paging && (
        <Space style={{ marginTop: 12 }}>
          <Button size="small" disabled={paging.page === 0 || props.loading} onClick={paging.onPrev}>
            {t('people.prev')}
          </Button>
          <Typography.Text>{t('people.page', { page: paging.page + 1 })}</Typography.Text>
          <Button size="small" disabled={!paging.hasNext || props.loading} onClick={paging.onNext}>
            {t('people.next')}
          </Button>
        </Space>
      )}
    </div>
  );
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

/** Keyset paging state: cursors[i] is the `after` of page i. */
export function useKeyset() {
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const [page, setPage] = useState(0);
  return {
    page,
    after: cursors[page],
    reset: () => {
      setCursors([undefined]);
      setPage(0);
    },
    next: (after: number) => {
      setCursors((c) => [...c.slice(0, page + 1), after]);
      setPage(page + 1);
    },
    prev: () => setPage((p) => Math.max(0, p - 1)),
  };
}

/** A page of a list paged by the server with a cursor: the rows, the next page's cursor, the size (first page). */
export interface CursorPage<T> {
  items: T[];
  next_after: number | null;
  /** On the first page: how many rows the list has (null on later pages). */
  total?: number | null;
}

/** The list's size, from its first page (later pages do not count again). */
export function useFirstPageTotal(data: { total?: number | null } | null): number | undefined {
  const [total, setTotal] = useState<number | undefined>();
  useEffect(() => {
    if (typeof data?.total === 'number') setTotal(data.total);
  }, [data]);
  return total;
}

/** DataTable's `serverPaging` for a list that answers the cursor of its next page (`next_after`). */
export function cursorPaging(keys: ReturnType<typeof useKeyset>, nextAfter: number | null | undefined) {
  return {
    page: keys.page,
    hasNext: typeof nextAfter === 'number',
    onPrev: keys.prev,
    onNext: () => {
      if (typeof nextAfter === 'number') keys.next(nextAfter);
    },
  };
}

/** What the user may do: `may('zone.manage')`. */
export function usePermissions(me: Me | null | undefined): (permission: string) => boolean {
  return useCallback((permission: string) => me?.permissions.includes(permission) ?? false, [me]);
}

/** A counter a page bumps after each action: every view given it asks for its data again. */
export function useVersion(): [number, () => void] {
  return useReducer((n: number) => n + 1, 0);
}

/**
 * Runs an action: on success a message (from the answer) and `after` (refresh); on failure a notification with
 * the API's code and message, which stays until closed. Resolves with the answer, or undefined on failure.
 */
export function useAction() {
  const { message, notification } = AntApp.useApp();
  const { t } = useTranslation();
  return useCallback(
    async <R,>(
      call: () => Promise<R>,
      success: (answer: R) => string,
      after?: () => void,
    ): Promise<R | undefined> => {
      try {
        const answer = await call();
        message.success(success(answer));
        after?.();
        return answer;
      } catch (err) {
        notification.error({
          message: t('action.failed'),
          description: (
            <span className="action-error" style={{ whiteSpace: 'pre-line' }}>
              {errorText(err)}
            </span>
          ),
          duration: 0,
        });
        after?.();
        return undefined;
      }
    },
    [message, notification, t],
  );
}

/** A button that asks first; the confirmation's OK waits for the action. */
export function ConfirmButton({
  title,
  description,
  onConfirm,
  children,
  danger,
  type,
  size = 'small',
  disabled,
}: {
  title: ReactNode;
  description?: ReactNode;
  onConfirm: () => Promise<unknown>;
  children: ReactNode;
  danger?: boolean;
  type?: ButtonProps['type'];
  size?: ButtonProps['size'];
  disabled?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Popconfirm
      // A different question at the same place (a row whose next step changed) is a new confirmation: antd would
      // otherwise keep the previous one's open state and its OK button's leaving spinner, and the OK never settles.
      key={typeof title === 'string' ? title : undefined}
      title={title}
      description={description}
      okText={t('action.confirm')}
      cancelText={t('action.cancel')}
      okButtonProps={{ danger }}
      onConfirm={async () => {
        await onConfirm();
      }}
      disabled={disabled}
    >
      <Button size={size} danger={danger} type={type} disabled={disabled}>
        {children}
      </Button>
    </Popconfirm>
  );
}
