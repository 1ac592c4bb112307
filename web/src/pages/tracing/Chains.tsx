/** The transmission chains as a graph and a table, one colour a cluster. */
import { Alert, Card, Space, Typography } from 'antd';
import { GraphChart } from 'echarts/charts';
import { use } from 'echarts/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { areaName, useAreaNamesVersion } from '../../area-names.ts';
import type { ChainCase, ChainsAnswer } from '../../contract.ts';
import { EChart } from '../../EChart.tsx';
import {
  areaColumn,
  byNumber,
  byString,
  type Column,
  DataTable,
  filtersFrom,
  useApi,
  useFormat,
} from '../shared.tsx';

use([GraphChart]);

/** A case of a cluster as the table shows it: with its cluster and its infector's case number. */
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

export function ChainsView({ version }: { version: number }) {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const res = useApi<ChainsAnswer>('/api/tracing/chains', version);
  const names = useAreaNamesVersion();
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

  // biome-ignore lint/correctness/useExhaustiveDependencies: area names that arrive (names) redraw the graph
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
            value: areaName(r.area_code),
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
  }, [rows, t, i18n.language, names]);

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
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
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
