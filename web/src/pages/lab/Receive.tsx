/** The transport boxes in transit and received; receive one at the lab by scanning it. */
import { Alert, Button, Card, Input, Space, Tabs } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, query } from '../../api.ts';
import type { Box, BoxesAnswer, BoxReceived } from '../../contract.ts';
import {
  areaColumn,
  byNumber,
  byString,
  type Column,
  DataTable,
  useAction,
  useApi,
  useFormat,
} from '../shared.tsx';

export function ReceiveCard({
  labId,
  version,
  onDone,
}: {
  labId: number | null;
  version: number;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const act = useAction();
  const [barcode, setBarcode] = useState('');
  const [tab, setTab] = useState<'in_transit' | 'received'>('in_transit');
  const res = useApi<BoxesAnswer>(`/api/testing/boxes${query({ status: tab })}`, version);
  const receive = async (box: string) => {
    const code = box.trim();
    if (!code || !labId) return;
    const out = await act(
      () =>
        api<BoxReceived>(`/api/testing/boxes/${encodeURIComponent(code)}/receive`, {
          method: 'POST',
          body: { lab_id: labId },
        }),
      (r) => t('lab.received', { box: code, tubes: r.tubes }),
      onDone,
    );
    if (out) setBarcode('');
  };
  const waited = (r: Box) => {
    if (!r.shipped_at) return '—';
    const end = r.received_at ? new Date(r.received_at).getTime() : Date.now();
    const min = Math.max(0, Math.round((end - new Date(r.shipped_at).getTime()) / 60_000));
    return min < 60 ? t('lab.minutes', { n: min }) : t('lab.hours', { h: Math.floor(min / 60), m: min % 60 });
  };
  const columns: Column<Box>[] = [
    { key: 'barcode', title: t('lab.boxBarcode'), dataIndex: 'barcode', sorter: byString((r) => r.barcode) },
    { key: 'round', title: t('lab.round'), dataIndex: 'round' },
    areaColumn({ title: t('lab.area'), get: (r) => r.area_code }),
    { key: 'tubes', title: t('lab.tubes'), dataIndex: 'tubes', sorter: byNumber((r) => r.tubes) },
    { key: 'shipped_at', title: t('lab.shippedAt'), dataIndex: 'shipped_at', render: f.dateTime },
    ...(tab === 'received'
      ? [
          { key: 'received_at', title: t('lab.receivedAt'), dataIndex: 'received_at', render: f.dateTime },
          { key: 'lab', title: t('lab.lab'), dataIndex: 'lab' },
        ]
      : []),
    { key: 'waited', title: t('lab.waited'), render: (_: unknown, r: Box) => waited(r), exportValue: waited },
    ...(tab === 'in_transit'
      ? [
          {
            key: 'actions',
            title: '',
            render: (_: unknown, r: Box) => (
              <Button size="small" type="primary" disabled={!labId} onClick={() => receive(r.barcode)}>
                {t('lab.receiveButton')}
              </Button>
            ),
          },
        ]
      : []),
  ];
  return (
    <Card size="small" title={t('lab.receive')}>
      <Space direction="vertical" style={{ width: '100%' }}>
        {!labId && <Alert type="info" showIcon message={t('lab.needLab')} />}
        <Space.Compact style={{ maxWidth: 480, width: '100%' }}>
          <Input
            className="box-barcode"
            value={barcode}
            disabled={!labId}
            placeholder={t('lab.boxPlaceholder')}
            onChange={(e) => setBarcode(e.target.value)}
            onPressEnter={() => receive(barcode)}
          />
          <Button type="primary" disabled={!labId || !barcode.trim()} onClick={() => receive(barcode)}>
            {t('lab.receiveButton')}
          </Button>
        </Space.Compact>
        <Tabs
          size="small"
          activeKey={tab}
          onChange={(k) => setTab(k as 'in_transit' | 'received')}
          items={[
            { key: 'in_transit', label: t('lab.inTransit') },
            { key: 'received', label: t('lab.receivedBoxes') },
          ]}
        />
        <DataTable<Box>
          rows={res.data?.items ?? []}
          total={res.data?.total}
          columns={columns}
          rowKey="barcode"
          loading={res.loading}
          error={res.error}
          exportName={tab === 'in_transit' ? t('lab.inTransit') : t('lab.receivedBoxes')}
        />
      </Space>
    </Card>
  );
}
