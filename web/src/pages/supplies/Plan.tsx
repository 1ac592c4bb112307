/** The planner's proposals (depot → community), each confirmed once into a delivery. */
import { Alert, Button, Card, Empty, Space, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import type { DeliveryConfirmed, SupplyPlan as Plan, SupplyProposal as Proposal } from '../../contract.ts';
import { AreaName, ErrorAlert, useAction, useApi } from '../shared.tsx';
import { usePacks } from './common.tsx';

/** A stable key for a proposal: confirming it twice (a retry) makes one delivery. */
function proposalKey(p: Proposal): string {
  const text = `${p.depot_id}|${p.area_code}|${p.request_ids.join(',')}`;
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return `plan-${p.depot_id}-${p.area_code}-${h.toString(36)}`.slice(0, 64);
}

export function PlanCard({ version, after }: { version: number; after: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const packs = usePacks();
  const plan = useApi<Plan>('/api/supplies/plan', version);
  const proposals = plan.data?.deliveries ?? [];
  const unmet = plan.data?.unmet ?? [];
  return (
    <Card
      size="small"
      title={t('supplies.plan.title')}
      style={{ marginBottom: 16 }}
      className="supplies-plan"
    >
      <Typography.Paragraph type="secondary">{t('supplies.plan.intro')}</Typography.Paragraph>
      <ErrorAlert error={plan.error} />
      {plan.data && proposals.length === 0 ? (
        <Empty description={t('supplies.plan.none')} />
      ) : (
        <Table<Proposal>
          size="small"
          rowKey={(p) => proposalKey(p)}
          dataSource={proposals}
          loading={plan.loading}
          pagination={{ pageSize: 10, hideOnSinglePage: true }}
          columns={[
            { key: 'depot', title: t('supplies.plan.depot'), dataIndex: 'depot_name' },
            {
              key: 'compound',
              title: t('supplies.plan.compound'),
              render: (_, p) => <AreaName code={p.area_code} />,
            },
            { key: 'requests', title: t('supplies.plan.requests'), render: (_, p) => p.request_ids.length },
            { key: 'packs', title: t('supplies.plan.packs'), render: (_, p) => packs(p.packs) },
            {
              key: 'km',
              title: t('supplies.plan.km'),
              render: (_, p) => t('supplies.plan.kmValue', { km: p.km }),
            },
            {
              key: 'confirm',
              title: '',
              render: (_, p) => (
                <Button
                  size="small"
                  type="primary"
                  className="supplies-confirm"
                  onClick={() =>
                    act(
                      () =>
                        api<DeliveryConfirmed>('/api/supplies/deliveries', {
                          method: 'POST',
                          body: {
                            key: proposalKey(p),
                            depot_id: p.depot_id,
                            area_code: p.area_code,
                            request_ids: p.request_ids,
                          },
                        }),
                      (a) =>
                        a.duplicate
                          ? t('supplies.plan.already', { id: a.delivery_id })
                          : t('supplies.plan.confirmed', { id: a.delivery_id, n: a.request_ids.length }),
                      after,
                    )
                  }
                >
                  {t('supplies.plan.confirm')}
                </Button>
              ),
            },
          ]}
        />
      )}
      {unmet.length > 0 && (
        <Alert
          type="warning"
          showIcon
          style={{ marginTop: 12 }}
          message={t('supplies.plan.unmet')}
          description={
            <Space direction="vertical" size={0}>
              {unmet.map((u) => (
                <span key={u.id}>
                  {t('supplies.plan.unmetRow', { id: u.id, what: packs(u.short) })} ·{' '}
                  <AreaName code={u.area_code} />
                </span>
              ))}
            </Space>
          }
        />
      )}
    </Card>
  );
}
