/** The table every work page lists with: paging, sort, filter, and the export of the rows as shown. */
import { Alert, Button, Empty, Space, Table, Typography } from 'antd';
import type { TableProps } from 'antd/es/table';
import { type Key, type ReactNode, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { prefetchAreaNames, useAreaNamesVersion } from '../../area-names.ts';
import { prefetchPersonNames, usePersonNamesVersion } from '../../person-names.ts';
import { type Column, exportXlsx } from './columns.tsx';
import { ErrorAlert } from './load.tsx';

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
