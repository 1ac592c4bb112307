/**
 * 环境消杀: the day's figures (due, done, late), the disinfections due today and those late with the place's owner
 * and the leader answering for each (escalated when late), a form to record one done (agent, concentration, time),
 * the places of the jurisdiction (frequency, next due, last done; take out of service) and a form to add a place,
 * its area picked by name. Times in Beijing time.
 *
 * Where: disinfection/Due.tsx (the disinfections due and late, recording one done),
 * disinfection/Places.tsx (the places, taking one out of service), disinfection/NewPlace.tsx (adding a place).
 * This file holds the page and its figures.
 */
import { Alert, Card, Col, Row, Space, Statistic, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AreaPicker } from '../AreaPicker.tsx';
import type { Me } from '../api.ts';
import type { DisinfectionDueAnswer } from '../contract.ts';
import { FigureLabel } from '../figure-label.tsx';
import { type DueItem, DueTable, RecordModal } from './disinfection/Due.tsx';
import { NewPlace } from './disinfection/NewPlace.tsx';
import { Places } from './disinfection/Places.tsx';
import { ErrorAlert, useApi, useVersion } from './shared.tsx';

export default function DisinfectionPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [area, setArea] = useState<string | undefined>(undefined);
  const [version, bump] = useVersion();
  const manage = me.permissions.includes('disinfection.manage');
  const q = area ? `?area=${area}` : '';
  const due = useApi<DisinfectionDueAnswer>(`/api/disinfection/due${q}`, version);
  const [recording, setRecording] = useState<DueItem | null>(null);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} className="disinfection-page">
      <div>
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          {t('disinfection.title')}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{t('disinfection.intro')}</Typography.Paragraph>
        <Space>
          <span>{t('disinfection.area')}</span>
          <AreaPicker
            value={area}
            onChange={setArea}
            allowClear
            placeholder={t('disinfection.allAreas')}
            style={{ minWidth: 280 }}
          />
        </Space>
      </div>
      <ErrorAlert error={due.error} />
      <Row gutter={16}>
        {(['disinfections_due', 'disinfections_done', 'disinfections_late'] as const).map((k) => (
          <Col xs={8} key={k}>
            <Card size="small">
              <Statistic
                title={<FigureLabel k={k} />}
                value={due.data?.figures[k] ?? '—'}
                valueStyle={
                  k === 'disinfections_late' && (due.data?.figures[k] ?? 0) > 0
                    ? { color: '#cf1322' }
                    : undefined
                }
              />
            </Card>
          </Col>
        ))}
      </Row>
      {due.data?.truncated && <Alert type="info" showIcon message={t('disinfection.due.truncated')} />}
      <Card size="small" title={t('disinfection.due.late')} className="disinfection-late">
        <DueTable
          rows={due.data?.late ?? []}
          loading={due.loading}
          empty={t('disinfection.due.noneLate')}
          onRecord={setRecording}
        />
      </Card>
      <Card size="small" title={t('disinfection.due.title')} className="disinfection-due">
        <DueTable
          rows={due.data?.due ?? []}
          loading={due.loading}
          empty={t('disinfection.due.none')}
          onRecord={setRecording}
        />
      </Card>
      {recording && (
        <RecordModal
          item={recording}
          onClose={(changed) => {
            setRecording(null);
            if (changed) bump();
          }}
        />
      )}
      <Places area={area} version={version} manage={manage} onChanged={bump} />
      {manage && <NewPlace onCreated={bump} />}
    </Space>
  );
}
