/**
 * 流调溯源: cases (keyset pages, newest first) with their contact counts, a case's contacts with provenance
 * (which source, through whom, when, where) and the transmission chains as a graph and a table.
 */
import { Alert, Button, Card, Form, Input, Space, Tabs, Tag, Typography } from 'antd';
import { GraphChart } from 'echarts/charts';
import { use } from 'echarts/core';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { query } from '../api.ts';
import { EChart } from '../EChart.tsx';
import {
  byNumber,
  byString,
  type Column,
  DataTable,
  filtersFrom,
  StatusTag,
  useApi,
  useFormat,
  useKeyset,
} from './shared.tsx';

use([GraphChart]);

interface CaseRow {
  id: number;
  case_no: string;
  person_id: number;
  area_code: string;
  severity: string;
  onset_date: string | null;
  first_positive_at: string;
  found_at: string;
  reclassified_at: string | null;
  outcome: string | null;
  traced_at: string | null;
  close_contacts: number;
  secondary_contacts: number;
}

interface Contact {
  person_id: number;
  area_code: string;
  risk_status: string;
  level: string;
  source: string;
  via_person_id: number | null;
  exposure_at: string | null;
  place: string | null;
  found_at: string;
}

interface ChainCase {
  case_id: number;
  case_no: string;
  found_at: string;
  area_code: string;
  infector_case_id: number | null;
  via_source: string | null;
}

interface Cluster {
  cluster: number;
  cases: ChainCase[];
}

const PAGE = 100;
const SEVERITY_COLOURS: Record<string, string> = {
  unclassified: 'default',
  asymptomatic: 'blue',
  mild: 'gold',
  moderate: 'orange',
  severe: 'red',
  critical: 'magenta',
};
const LEVEL_COLOURS: Record<string, string> = { close: 'red', secondary: 'orange', general: 'blue' };

export default function TracingPage() {
  const { t } = useTranslation();
  const [selected, setSelected] = useState<CaseRow | null>(null);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('tracing.title')}
      </Typography.Title>
      <Tabs
        items={[
          {
            key: 'cases',
            label: t('tracing.cases'),
            children: (
              <Space direction="vertical" size="middle" style={{ width: '100%' }}>
                <Card size="small">
                  <CasesTable selected={selected} onSelect={setSelected} />
                </Card>
                {selected && <ContactsCard key={selected.id} c={selected} />}
              </Space>
            ),
          },
          { key: 'chains', label: t('tracing.chains'), children: <ChainsView /> },
        ]}
      />
    </Space>
  );
}

function CasesTable({ selected, onSelect }: { selected: CaseRow | null; onSelect: (c: CaseRow) => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [area, setArea] = useState<string | undefined>();
  const keys = useKeyset();
  const res = useApi<{ items: CaseRow[] }>(
    `/api/tracing/cases${query({ area, limit: PAGE, after: keys.after })}`,
  );
  const rows = res.data?.items ?? [];
  const hasNext = rows.length === PAGE;
  useEffect(() => {
    if (!selected && rows[0]) onSelect(rows[0]);
  }, [rows, selected, onSelect]);

  const columns: Column<CaseRow>[] = [
    { key: 'case_no', title: t('tracing.caseNo'), dataIndex: 'case_no', sorter: byString((r) => r.case_no) },
    { key: 'person_id', title: t('tracing.personId'), dataIndex: 'person_id' },
    {
      key: 'area_code',
      title: t('common.areaCode'),
      dataIndex: 'area_code',
      sorter: byString((r) => r.area_code),
    },
    {
      key: 'severity',
      title: t('tracing.severity'),
      dataIndex: 'severity',
      filters: filtersFrom(
        rows,
        (r) => r.severity,
        (v) => t(`severity.${v}`, { defaultValue: v }),
      ),
      onFilter: (v, r) => r.severity === v,
      render: (v: string) => <StatusTag ns="severity" value={v} colors={SEVERITY_COLOURS} />,
      exportValue: (r) => t(`severity.${r.severity}`, { defaultValue: r.severity }),
    },
    { key: 'onset_date', title: t('tracing.onset'), dataIndex: 'onset_date', render: (v) => v ?? '—' },
    {
      key: 'first_positive_at',
      title: t('tracing.firstPositive'),
      dataIndex: 'first_positive_at',
      render: f.dateTime,
      sorter: byString((r) => r.first_positive_at),
    },
    {
      key: 'found_at',
      title: t('tracing.foundAt'),
      dataIndex: 'found_at',
      render: f.dateTime,
      sorter: byString((r) => r.found_at),
    },
    {
      key: 'traced_at',
      title: t('tracing.tracedAt'),
      dataIndex: 'traced_at',
      render: (v: string | null) => (v ? f.dateTime(v) : <Tag color="orange">{t('tracing.notTraced')}</Tag>),
      filters: [
        { text: t('tracing.traced'), value: 'yes' },
        { text: t('tracing.notTraced'), value: 'no' },
      ],
      onFilter: (v, r) => (v === 'yes') === (r.traced_at !== null),
    },
    {
      key: 'close_contacts',
      title: t('tracing.closeContacts'),
      dataIndex: 'close_contacts',
      sorter: byNumber((r) => r.close_contacts),
    },
    {
      key: 'secondary_contacts',
      title: t('tracing.secondaryContacts'),
      dataIndex: 'secondary_contacts',
      sorter: byNumber((r) => r.secondary_contacts),
    },
    {
      key: 'outcome',
      title: t('tracing.outcome'),
      dataIndex: 'outcome',
      render: (v: string | null) => <StatusTag ns="outcome" value={v} />,
      exportValue: (r) => (r.outcome ? t(`outcome.${r.outcome}`, { defaultValue: r.outcome }) : ''),
    },
  ];

  return (
    <DataTable<CaseRow>
      rows={rows}
      columns={columns}
      rowKey="id"
      loading={res.loading}
      error={res.error}
      exportName={t('tracing.cases')}
      onRowClick={onSelect}
      selectedKey={selected?.id ?? null}
      serverPaging={{
        page: keys.page,
        hasNext,
        onPrev: keys.prev,
        onNext: () => {
          const last = rows.at(-1);
          if (last) keys.next(last.id);
        },
      }}
      toolbar={
        <Form
          layout="inline"
          onFinish={(v: { area?: string }) => {
            setArea(v.area?.trim() || undefined);
            keys.reset();
          }}
        >
          <Form.Item label={t('common.areaCode')} name="area">
            <Input size="small" allowClear placeholder={t('people.areaPlaceholder')} style={{ width: 160 }} />
          </Form.Item>
          <Button size="small" type="primary" htmlType="submit">
            {t('people.search')}
          </Button>
        </Form>
      }
    />
  );
}

function ContactsCard({ c }: { c: CaseRow }) {
  const { t } = useTranslation();
  const f = useFormat();
  const res = useApi<{ case: { id: number; case_no: string }; items: Contact[] }>(
    `/api/tracing/cases/${c.id}/contacts`,
  );
  const rows = res.data?.items ?? [];
  const columns: Column<Contact>[] = [
    {
      key: 'person_id',
      title: t('tracing.personId'),
      dataIndex: 'person_id',
      sorter: byNumber((r) => r.person_id),
    },
    {
      key: 'area_code',
      title: t('common.areaCode'),
      dataIndex: 'area_code',
      sorter: byString((r) => r.area_code),
    },
    {
      key: 'level',
      title: t('tracing.level'),
      dataIndex: 'level',
      filters: filtersFrom(
        rows,
        (r) => r.level,
        (v) => t(`level.${v}`, { defaultValue: v }),
      ),
      onFilter: (v, r) => r.level === v,
      render: (v: string) => <StatusTag ns="level" value={v} colors={LEVEL_COLOURS} />,
      exportValue: (r) => t(`level.${r.level}`, { defaultValue: r.level }),
    },
    {
      key: 'source',
      title: t('tracing.source'),
      dataIndex: 'source',
      filters: filtersFrom(
        rows,
        (r) => r.source,
        (v) => t(`source.${v}`, { defaultValue: v }),
      ),
      onFilter: (v, r) => r.source === v,
      render: (v: string) => t(`source.${v}`, { defaultValue: v }),
      exportValue: (r) => t(`source.${r.source}`, { defaultValue: r.source }),
    },
    {
      key: 'via_person_id',
      title: t('tracing.via'),
      dataIndex: 'via_person_id',
      render: (v: number | null) => (v === null ? t('tracing.direct') : v),
    },
    {
      key: 'exposure_at',
      title: t('tracing.exposure'),
      dataIndex: 'exposure_at',
      render: f.dateTime,
      sorter: byString((r) => r.exposure_at),
    },
    { key: 'place', title: t('tracing.place'), dataIndex: 'place', render: (v) => v ?? '—' },
    {
      key: 'risk_status',
      title: t('people.risk'),
      dataIndex: 'risk_status',
      filters: filtersFrom(
        rows,
        (r) => r.risk_status,
        (v) => t(`risk.${v}`, { defaultValue: v }),
      ),
      onFilter: (v, r) => r.risk_status === v,
      render: (v: string) => t(`risk.${v}`, { defaultValue: v }),
    },
    {
      key: 'found_at',
      title: t('tracing.foundAt'),
      dataIndex: 'found_at',
      render: f.dateTime,
      sorter: byString((r) => r.found_at),
    },
  ];
  return (
    <Card size="small" title={t('tracing.contactsOf', { no: c.case_no })}>
      <DataTable<Contact>
        rows={rows}
        columns={columns}
        rowKey={(r) => `${r.person_id}-${r.level}-${r.source}-${r.via_person_id ?? ''}`}
        loading={res.loading}
        error={res.error}
        exportName={`${t('tracing.contacts')}-${c.case_no}`}
        toolbar={<Typography.Text type="secondary">{t('tracing.provenance')}</Typography.Text>}
      />
    </Card>
  );
}

interface ChainRow extends ChainCase {
  cluster: number;
  infector_case_no: string | null;
}

const CLUSTER_COLOURS = [
  '#c0392b',
  '#2980b9',
  '#27ae60',
  '#8e44ad',
  '#d35400',
  '#16a085',
  '#7f8c8d',
  '#f39c12',
];

function ChainsView() {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const res = useApi<{ clusters: Cluster[] }>('/api/tracing/chains');
  const clusters = res.data?.clusters ?? [];
  const rows: ChainRow[] = useMemo(() => {
    const no = new Map(clusters.flatMap((c) => c.cases.map((k) => [k.case_id, k.case_no] as const)));
    return clusters.flatMap((c) =>
      c.cases.map((k) => ({
        ...k,
        cluster: c.cluster,
        infector_case_no: k.infector_case_id === null ? null : (no.get(k.infector_case_id) ?? null),
      })),
    );
  }, [clusters]);

  const option = useMemo(() => {
    const lang = i18n.language;
    const withLinks = new Set(
      rows.filter((r) => r.infector_case_no !== null).flatMap((r) => [r.case_id, r.infector_case_id]),
    );
    return {
      tooltip: {
        formatter: (p: { dataType: string; data: { name?: string; value?: string; source?: string } }) =>
          p.dataType === 'edge' ? (p.data.value ?? '') : `${p.data.name ?? ''} ${p.data.value ?? ''}`,
      },
      series: [
        {
          type: 'graph',
          layout: 'force',
          roam: true,
          draggable: true,
          force: { repulsion: 120, edgeLength: 60, gravity: 0.08 },
          edgeSymbol: ['none', 'arrow'],
          edgeSymbolSize: 8,
          label: { show: rows.length <= 150, position: 'right', fontSize: 11 },
          lineStyle: { color: 'source', width: 1.5, curveness: 0.1 },
          data: rows.map((r) => ({
            id: String(r.case_id),
            name: r.case_no,
            value: r.area_code,
            symbolSize: withLinks.has(r.case_id) ? 14 : 9,
            itemStyle: { color: CLUSTER_COLOURS[(r.cluster - 1) % CLUSTER_COLOURS.length] },
          })),
          links: rows
            .filter((r) => r.infector_case_id !== null)
            .map((r) => ({
              source: String(r.infector_case_id),
              target: String(r.case_id),
              value: t(`source.${r.via_source}`, { defaultValue: r.via_source ?? '', lng: lang }),
            })),
        },
      ],
    };
  }, [rows, t, i18n.language]);

  const columns: Column<ChainRow>[] = [
    {
      key: 'cluster',
      title: t('tracing.cluster'),
      dataIndex: 'cluster',
      sorter: byNumber((r) => r.cluster),
      filters: filtersFrom(rows, (r) => String(r.cluster)),
      onFilter: (v, r) => String(r.cluster) === v,
    },
    { key: 'case_no', title: t('tracing.caseNo'), dataIndex: 'case_no', sorter: byString((r) => r.case_no) },
    {
      key: 'area_code',
      title: t('common.areaCode'),
      dataIndex: 'area_code',
      sorter: byString((r) => r.area_code),
    },
    {
      key: 'found_at',
      title: t('tracing.foundAt'),
      dataIndex: 'found_at',
      render: f.dateTime,
      sorter: byString((r) => r.found_at),
    },
    {
      key: 'infector_case_no',
      title: t('tracing.infector'),
      dataIndex: 'infector_case_no',
      render: (v: string | null) => v ?? '—',
    },
    {
      key: 'via_source',
      title: t('tracing.source'),
      dataIndex: 'via_source',
      render: (v: string | null) => (v ? t(`source.${v}`, { defaultValue: v }) : '—'),
      exportValue: (r) => (r.via_source ? t(`source.${r.via_source}`, { defaultValue: r.via_source }) : ''),
    },
  ];

  const linked = rows.filter((r) => r.infector_case_id !== null).length;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Card size="small" title={t('tracing.graph')}>
        {res.error && <Alert type="error" showIcon message={res.error} />}
        {!res.error && !res.loading && rows.length === 0 && (
          <Alert type="info" showIcon message={t('tracing.noCases')} />
        )}
        {rows.length > 0 && (
          <>
            <Typography.Text type="secondary">
              {t('tracing.graphNote', { cases: rows.length, clusters: clusters.length, links: linked })}
            </Typography.Text>
            <EChart option={option} height={480} />
          </>
        )}
      </Card>
      <Card size="small">
        <DataTable<ChainRow>
          rows={rows}
          columns={columns}
          rowKey="case_id"
          loading={res.loading}
          error={res.error}
          exportName={t('tracing.chains')}
        />
      </Card>
    </Space>
  );
}
