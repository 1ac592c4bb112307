/** A pass opened: its QR code large enough to scan and print, its details and its checks at checkpoints. */
import { Alert, Button, Col, Descriptions, Modal, QRCode, Row, Space, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { PassDetail } from '../../contract.ts';
import { ErrorAlert, useApi, useFormat } from '../shared.tsx';
import { Areas, Holder, STATUS_COLOURS } from './common.tsx';

const VERDICT_COLOURS: Record<string, string> = {
  valid: 'green',
  expired: 'orange',
  not_yet_valid: 'orange',
  area_not_allowed: 'orange',
  revoked: 'red',
  forged: 'red',
  unknown_key: 'red',
};

type CheckItem = PassDetail['check_list'][number];

/** Only the printed sheet: everything but `.pass-print` hidden when printing. */
const PRINT_CSS = `@media print {
  body * { visibility: hidden !important; }
  .pass-print, .pass-print * { visibility: visible !important; }
  .pass-print { position: fixed; left: 0; top: 0; width: 100%; }
  .pass-print-hide { display: none !important; }
}`;

export function PassModal({ id, onClose }: { id: number; onClose: () => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const pass = useApi<PassDetail>(`/api/passes/${id}`);
  const p = pass.data;
  return (
    <Modal
      open
      width={900}
      title={t('passes.qr.title', { id })}
      onCancel={onClose}
      footer={
        <Space>
          <Button onClick={() => window.print()} disabled={!p}>
            {t('passes.qr.print')}
          </Button>
          <Button onClick={onClose}>{t('action.close')}</Button>
        </Space>
      }
    >
      <style>{PRINT_CSS}</style>
      <ErrorAlert error={pass.error} />
      {p && (
        <div className="pass-print">
          <Row gutter={16} align="top">
            <Col flex="0 0 360px" style={{ textAlign: 'center' }}>
              <QRCode
                value={p.token}
                size={340}
                type="svg"
                errorLevel="M"
                className="pass-qr"
                bordered={false}
              />
              <Typography.Title level={4} style={{ marginTop: 8 }}>
                {t(`passes.kind.${p.kind}`)} · {t('passes.qr.title', { id: p.id })}
              </Typography.Title>
            </Col>
            <Col flex="1 1 320px">
              <Descriptions column={1} size="small" bordered>
                <Descriptions.Item label={t('passes.list.status')}>
                  <Tag color={STATUS_COLOURS[p.status]}>{t(`passes.status.${p.status}`)}</Tag>
                </Descriptions.Item>
                <Descriptions.Item label={t('passes.list.holder')}>
                  <Holder p={p} />
                </Descriptions.Item>
                <Descriptions.Item label={t('passes.list.organisation')}>{p.organisation}</Descriptions.Item>
                <Descriptions.Item label={t('passes.form.purpose')}>{p.purpose}</Descriptions.Item>
                <Descriptions.Item label={t('passes.list.areas')}>
                  <Areas codes={p.areas} route={p.route} />
                </Descriptions.Item>
                <Descriptions.Item label={t('passes.list.validity')}>
                  {fmt.dateTime(p.valid_from)} — {fmt.dateTime(p.valid_to)}
                </Descriptions.Item>
              </Descriptions>
              <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
                {t('passes.qr.issuedBy', { by: p.issued_by, at: fmt.dateTime(p.issued_at) })}
              </Typography.Paragraph>
              {p.revoked_at && (
                <Alert
                  type="error"
                  showIcon
                  message={t('passes.qr.revokedAt', {
                    at: fmt.dateTime(p.revoked_at),
                    reason: p.revoke_reason,
                  })}
                />
              )}
            </Col>
          </Row>
          <div className="pass-print-hide">
            <Typography.Text type="secondary">{t('passes.qr.token')}</Typography.Text>
            <Typography.Paragraph
              className="pass-token"
              code
              copyable={{ text: p.token }}
              style={{ wordBreak: 'break-all', fontSize: 12 }}
            >
              {p.token}
            </Typography.Paragraph>
            <Typography.Text type="secondary">{t('passes.qr.scanHint')}</Typography.Text>
            <Typography.Title level={5}>{t('passes.qr.checks')}</Typography.Title>
            <Table<CheckItem>
              size="small"
              rowKey="id"
              pagination={false}
              dataSource={p.check_list}
              locale={{ emptyText: t('passes.qr.noChecks') }}
              columns={[
                {
                  key: 'at',
                  title: t('passes.qr.checkAt'),
                  render: (_, c) => fmt.dateTime(c.checked_at),
                },
                { key: 'cp', title: t('passes.qr.checkpoint'), dataIndex: 'checkpoint' },
                {
                  key: 'verdict',
                  title: t('passes.qr.verdict'),
                  render: (_, c) => (
                    <Space direction="vertical" size={0}>
                      <Tag color={VERDICT_COLOURS[c.verdict]}>{t(`passes.verdict.${c.verdict}`)}</Tag>
                      {c.suspect && (
                        <Typography.Text type="danger">
                          {t('passes.qr.suspect', {
                            other: c.suspect.checkpoint,
                            km: c.suspect.km,
                            minutes: c.suspect.minutes,
                          })}
                        </Typography.Text>
                      )}
                    </Space>
                  ),
                },
                { key: 'by', title: t('passes.qr.by'), dataIndex: 'checked_by' },
              ]}
            />
          </div>
        </div>
      )}
    </Modal>
  );
}
