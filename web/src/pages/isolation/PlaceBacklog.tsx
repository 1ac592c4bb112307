/** 清仓 placing: everyone waiting in the jurisdiction placed under the 8th or 9th edition, and who still waits and why. */
import { Alert, Card, Radio, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import type { PlaceRun } from '../../contract.ts';
import { reasonText } from '../../reason-text.ts';
import { ConfirmButton, PersonName, useAction, useFormat } from '../shared.tsx';

/** Places everyone waiting in the jurisdiction under the chosen edition; shows who still waits and why. */
export function PlaceBacklog({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const act = useAction();
  const [edition, setEdition] = useState<'8th' | '9th'>('8th');
  const [run, setRun] = useState<PlaceRun | null>(null);
  const placedMessage = (r: PlaceRun) =>
    `${t('isolation.placedMessage', { placed: r.placed, waiting: r.waiting.length })}${
      r.home_isolated ? t('isolation.homeIsolated', { count: r.home_isolated }) : ''
    }`;
  return (
    <Card size="small">
      <Space wrap>
        <Typography.Text strong>{t('isolation.placeTitle')}</Typography.Text>
        <Radio.Group
          size="small"
          value={edition}
          onChange={(e) => setEdition(e.target.value)}
          options={[
            { value: '8th', label: t('isolation.edition.8th') },
            { value: '9th', label: t('isolation.edition.9th') },
          ]}
          optionType="button"
        />
        <ConfirmButton
          type="primary"
          title={t('isolation.confirmPlace', { edition: t(`isolation.edition.${edition}`) })}
          onConfirm={async () => {
            const out = await act(
              () => api<PlaceRun>('/api/isolation/place', { method: 'POST', body: { edition } }),
              (r) => placedMessage(r),
              onDone,
            );
            if (out) setRun(out);
          }}
        >
          {t('isolation.place')}
        </ConfirmButton>
        <Typography.Text type="secondary">{t('isolation.placeNote')}</Typography.Text>
      </Space>
      {run && (
        <div className="place-result" style={{ marginTop: 12 }}>
          <Alert
            type={run.waiting.length > 0 ? 'warning' : 'success'}
            showIcon
            closable
            onClose={() => setRun(null)}
            message={placedMessage(run)}
          />
          {run.waiting.length > 0 && (
            <Table<PlaceRun['waiting'][number]>
              size="small"
              rowKey="personId"
              style={{ marginTop: 8 }}
              dataSource={run.waiting}
              pagination={{ pageSize: 10, hideOnSinglePage: true }}
              columns={[
                {
                  key: 'personId',
                  title: t('tracing.person'),
                  render: (_: unknown, w) => <PersonName id={w.personId} />,
                },
                {
                  key: 'reason',
                  title: t('isolation.waitingReason'),
                  render: (_: unknown, w) => reasonText(w.phrase, w.reason),
                },
                {
                  key: 'waitingSince',
                  title: t('isolation.waitingSince'),
                  dataIndex: 'waitingSince',
                  render: f.dateTime,
                },
              ]}
            />
          )}
        </div>
      )}
    </Card>
  );
}
