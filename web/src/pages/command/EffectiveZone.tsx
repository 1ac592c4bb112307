/** The zone that governs an area (its own, or one of an area above it), looked up by area. */
import { Alert, Button, Card, Descriptions, Form } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AreaPicker } from '../../AreaPicker.tsx';
import { query } from '../../api.ts';
import { areaName } from '../../area-names.ts';
import type { EffectiveZone as EffectiveZoneAnswer } from '../../contract.ts';
import { AreaName, ErrorAlert, StatusTag, useApi, useFormat } from '../shared.tsx';
import { ZONE_COLOURS } from './common.ts';

export function EffectiveZone({ version }: { version: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [area, setArea] = useState<string | null>(null);
  const res = useApi<EffectiveZoneAnswer>(area ? `/api/zones/effective${query({ area })}` : null, version);
  return (
    <Card size="small" title={t('command.effective')}>
      <Form layout="inline" onFinish={(v: { area: string }) => setArea(v.area)} style={{ marginBottom: 12 }}>
        <Form.Item
          label={t('common.areaName')}
          name="area"
          rules={[{ required: true, message: t('admin.area.pick') }]}
        >
          <AreaPicker style={{ width: 260 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={res.loading}>
          {t('command.lookup')}
        </Button>
      </Form>
      <ErrorAlert error={res.error} />
      {res.data &&
        (res.data.zone ? (
          <Descriptions size="small" bordered column={{ xs: 1, md: 4 }}>
            <Descriptions.Item label={t('common.areaName')}>
              <AreaName code={res.data.area_code} />
            </Descriptions.Item>
            <Descriptions.Item label={t('command.level')}>
              <StatusTag ns="zoneLevel" value={res.data.zone.level} colors={ZONE_COLOURS} />
            </Descriptions.Item>
            <Descriptions.Item label={t('command.governedBy')}>
              <AreaName code={res.data.zone.area_code} />
            </Descriptions.Item>
            <Descriptions.Item label={t('command.since')}>
              {f.dateTime(res.data.zone.started_at)}
            </Descriptions.Item>
          </Descriptions>
        ) : (
          <Alert
            type="success"
            showIcon
            message={t('command.noZoneFor', { area: areaName(res.data.area_code) })}
          />
        ))}
    </Card>
  );
}
