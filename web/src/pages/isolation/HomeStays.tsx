/** 居家隔离/居家健康监测: the people at home, due first, and ending the due ones. */
import { Select, Space, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AreaPicker } from '../../AreaPicker.tsx';
import { api } from '../../api.ts';
import type { HomeStay, HomeStaysEnded } from '../../contract.ts';
import { useCursorList } from '../filters.tsx';
import {
  areaColumn,
  byNumber,
  byString,
  type Column,
  ConfirmButton,
  codedColumn,
  DataTable,
  filtersFrom,
  personColumn,
  useAction,
  useFormat,
} from '../shared.tsx';

/** People a page shows. */
const HOME_PAGE = 200;

/**
 * 居家隔离/居家健康监测: the people isolated or monitored at home in the jurisdiction, due first, with their open
 * tests; ending the due ones is one action (isolation ends only once its tests are done: the others are named).
 */
export function HomeStaysView({ version, onDone }: { version: number; onDone: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const act = useAction();
  const [kind, setKind] = useState<string | undefined>();
  const [area, setArea] = useState<string | undefined>();
  // Pages of 200 by the server's cursor, due first: a district has tens of thousands at home.
  const paged = useCursorList<HomeStay>('/api/isolation/home', { kind, area }, version, HOME_PAGE);
  const rows = paged.table.rows;
  const now = Date.now();
  const columns: Column<HomeStay>[] = [
    { key: 'id', title: t('isolation.homeId'), dataIndex: 'id', sorter: byNumber((r) => r.id) },
    personColumn({ title: t('tracing.person'), get: (r) => r.person_id, t }),
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
    {
      key: 'kind',
      title: t('isolation.homeKind'),
      dataIndex: 'kind',
      render: (v: string) => (
        <Tag color={v === 'isolation' ? 'orange' : 'blue'}>
          {t(`isolation.homeKinds.${v}`, { defaultValue: v })}
        </Tag>
      ),
      exportValue: (r) => t(`isolation.homeKinds.${r.kind}`, { defaultValue: r.kind }),
      filters: filtersFrom(rows, (r) => r.kind).map((x) => ({
        ...x,
        text: t(`isolation.homeKinds.${x.value}`, { defaultValue: String(x.value) }),
      })),
      onFilter: (v, r) => r.kind === v,
    },
    codedColumn({
      key: 'category',
      title: t('isolation.category'),
      field: 'category',
      rows,
      ns: 'category',
      t,
    }),
    {
      key: 'edition',
      title: t('isolation.editionCol'),
      dataIndex: 'edition',
      render: (v: string) => t(`isolation.edition.${v}`, { defaultValue: v }),
      exportValue: (r) => t(`isolation.edition.${r.edition}`, { defaultValue: r.edition }),
    },
    {
      key: 'started_at',
      title: t('isolation.homeFrom'),
      dataIndex: 'started_at',
      render: f.dateTime,
      sorter: byString((r) => r.started_at),
    },
    {
      key: 'due_at',
      title: t('isolation.dueAt'),
      dataIndex: 'due_at',
      sorter: byString((r) => r.due_at),
      render: (v: string) =>
        new Date(v).getTime() < now ? <Tag color="red">{f.dateTime(v)}</Tag> : f.dateTime(v),
    },
    {
      key: 'tests_open',
      title: t('isolation.testsOpen'),
      dataIndex: 'tests_open',
      sorter: byNumber((r) => r.tests_open),
    },
  ];
  return (
    <DataTable<HomeStay>
      {...paged.table}
      columns={columns}
      rowKey="id"
      exportName={t('isolation.homeTab')}
      toolbar={
        <Space>
          <AreaPicker
            size="small"
            allowClear
            style={{ width: 220 }}
            placeholder={t('common.areaName')}
            value={area}
            onChange={paged.refilter((v: string | undefined) => setArea(v || undefined))}
          />
          <Select
            allowClear
            size="small"
            style={{ width: 160 }}
            placeholder={t('isolation.homeKind')}
            value={kind}
            onChange={paged.refilter(setKind)}
            options={(['isolation', 'monitoring'] as const).map((k) => ({
              value: k,
              label: t(`isolation.homeKinds.${k}`),
            }))}
          />
          <ConfirmButton
            title={t('isolation.endDueConfirm')}
            onConfirm={() =>
              act(
                () => api<HomeStaysEnded>('/api/isolation/home/end-due', { method: 'POST' }),
                (out) => t('isolation.endDueDone', { ended: out.ended, held: out.held.length }),
                onDone,
              )
            }
          >
            {t('isolation.endDue')}
          </ConfirmButton>
        </Space>
      }
    />
  );
}
