/**
 * 通行证: issue passes for supply, medical, response and emergency vehicles and people (a form: kind, holder,
 * organisation, purpose, start and days, allowed areas or a route), list them with their status in words, show a
 * pass's QR code large enough to scan and print (with its checks), revoke with a reason; the checkpoints of the
 * jurisdiction (add one with its position) and the passes the speed rule flags.
 *
 * Where: passes/IssueForm.tsx (the issuing form), passes/PassList.tsx (the list, revoking),
 * passes/PassModal.tsx (a pass's QR code, printing, its checks), passes/Checkpoints.tsx (the checkpoints, the
 * flagged passes), passes/common.tsx (kinds, statuses, the holder and areas cells). This file holds the page.
 */
import { Card, Col, Row, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Me } from '../api.ts';
import { Checkpoints, Suspects } from './passes/Checkpoints.tsx';
import { IssueForm } from './passes/IssueForm.tsx';
import { PassList } from './passes/PassList.tsx';
import { useVersion } from './shared.tsx';

export type { PassItem } from './passes/common.tsx';

export default function PassesPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [version, bump] = useVersion();
  const [opened, setOpened] = useState<number | null>(null);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('passes.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('passes.intro')}
      </Typography.Paragraph>
      <Card size="small" title={t('passes.form.title')}>
        <IssueForm
          me={me}
          onIssued={(id) => {
            bump();
            setOpened(id);
          }}
        />
      </Card>
      <PassList version={version} bump={bump} opened={opened} setOpened={setOpened} />
      <Row gutter={16}>
        <Col xs={24} lg={12}>
          <Suspects version={version} />
        </Col>
        <Col xs={24} lg={12}>
          <Checkpoints me={me} />
        </Col>
      </Row>
    </Space>
  );
}
