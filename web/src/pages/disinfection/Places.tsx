/** The places of the jurisdiction: frequency, next due, last done; take one out of service. */
import { Button, Card, Input, Popconfirm, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import type { DisinfectionPlace, DisinfectionPlacesAnswer } from '../../contract.ts';
import { AreaName, ErrorAlert, useAction, useApi, useFormat } from '../shared.tsx';

type PlaceItem = DisinfectionPlace;

export function Places({
  area,
  version,
  manage,
  onChanged,
}: {
  area: string | undefined;
  version: number;
  manage: boolean;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const act = useAction();
  const [search, setSearch] = useState('');
  const params = new URLSearchParams();
  if (area) params.set('area', area);
  if (search.trim()) params.set('q', search.trim());
  params.set('limit', '500');
  const places = useApi<DisinfectionPlacesAnswer>(`/api/disinfection/places?${params}`, version);
  const setActive = (p: PlaceItem, active: boolean) =>
    act(
      () => api(`/api/disinfection/places/${p.id}/active`, { method: 'POST', body: { active } }),
      () => t('disinfection.places.changed'),
      onChanged,
    );
  return (
    <Card
      size="small"
      title={`${t('disinfection.places.title')}${places.data ? `（${f.number(places.data.total)}）` : ''}`}
      extra={
        <Input.Search
          allowClear
          placeholder={t('disinfection.places.search')}
          onSearch={setSearch}
          style={{ width: 240 }}
        />
      }
      className="disinfection-places"
    >
      <ErrorAlert error={places.error} />
      <Table<PlaceItem>
        size="small"
        rowKey="id"
        loading={places.loading}
        dataSource={places.data?.items ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          { key: 'name', title: t('disinfection.places.name'), dataIndex: 'name' },
          {
            key: 'kind',
            title: t('disinfection.due.kind'),
            render: (_, r) => t(`disinfection.kind.${r.kind}`),
          },
          { key: 'area', title: t('disinfection.area'), render: (_, r) => <AreaName code={r.area_code} /> },
          { key: 'owner', title: t('disinfection.due.owner'), dataIndex: 'owner' },
          {
            key: 'frequency',
            title: t('disinfection.places.frequency'),
            render: (_, r) =>
              r.every_hours
                ? t('disinfection.places.every', { n: r.every_hours })
                : r.starts_at
                  ? t('disinfection.places.once', { at: f.dateTime(r.starts_at) })
                  : t('disinfection.places.triggered'),
          },
          {
            key: 'next',
            title: t('disinfection.places.nextDue'),
            render: (_, r) => f.dateTime(r.next_due_at),
          },
          {
            key: 'last',
            title: t('disinfection.places.lastDone'),
            render: (_, r) => f.dateTime(r.last_done_at),
          },
          {
            key: 'counts',
            title: t('disinfection.places.open'),
            render: (_, r) => (
              <Space size={4}>
                <span>{f.number(r.open)}</span>
                {r.late > 0 && (
                  <Tag color="red">{`${t('disinfection.places.late')} ${f.number(r.late)}`}</Tag>
                )}
              </Space>
            ),
          },
          {
            key: 'active',
            title: t('disinfection.places.active'),
            render: (_, r) =>
              r.active ? (
                <Tag color="green">{t('disinfection.places.active')}</Tag>
              ) : (
                <Tag>{t('disinfection.places.inactive')}</Tag>
              ),
          },
          ...(manage
            ? [
                {
                  key: 'actions',
                  render: (_: unknown, r: PlaceItem) =>
                    r.active ? (
                      <Popconfirm
                        title={t('disinfection.places.deactivateConfirm')}
                        onConfirm={() => setActive(r, false)}
                      >
                        <Button size="small">{t('disinfection.places.deactivate')}</Button>
                      </Popconfirm>
                    ) : (
                      <Button size="small" onClick={() => setActive(r, true)}>
                        {t('disinfection.places.activate')}
                      </Button>
                    ),
                },
              ]
            : []),
        ]}
      />
    </Card>
  );
}
