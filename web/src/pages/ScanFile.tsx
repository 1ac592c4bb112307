/**
 * 导入采样文件: a sampler's or a point's file of scans (CSV, TSV or XLSX) registered for the round in one go. The
 * answer is shown as the server gives it: counts, flags, and every refused row with its line, code and message.
 */
import { Alert, Descriptions, Space, Tag, Typography, Upload } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUpload } from '../api.ts';
import type { ScanFileReport, TestingRound } from '../contract.ts';
import { DataTable, errorText } from './shared.tsx';

type Problem = ScanFileReport['problems'][number];

export function ScanFileView({ round, onDone }: { round: TestingRound; onDone?: () => void }) {
  const { t, i18n } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<ScanFileReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Paragraph type="secondary">{t('scanFile.hint')}</Typography.Paragraph>
      <Upload.Dragger
        accept=".csv,.tsv,.txt,.xlsx"
        multiple={false}
        showUploadList={false}
        disabled={busy || round.status === 'closed'}
        customRequest={async ({ file }) => {
          setBusy(true);
          setError(null);
          setReport(null);
          try {
            setReport(
              await apiUpload<ScanFileReport>(`/api/testing/rounds/${round.id}/scans/file`, file as File),
            );
            onDone?.();
          } catch (err) {
            setError(errorText(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <p className="ant-upload-text">{busy ? t('scanFile.busy') : t('scanFile.drop')}</p>
      </Upload.Dragger>
      {error && (
        <Alert
          type="error"
          showIcon
          message={t('scanFile.refused')}
          description={<span style={{ whiteSpace: 'pre-line' }}>{error}</span>}
        />
      )}
      {report && (
        <div className="scan-file-report">
          <Descriptions size="small" bordered column={{ xs: 1, sm: 2, md: 4 }} title={report.file}>
            <Descriptions.Item label={t('scanFile.rows')}>{report.rows}</Descriptions.Item>
            <Descriptions.Item label={t('scanFile.accepted')}>
              <Tag color="green">{report.accepted}</Tag>
            </Descriptions.Item>
            <Descriptions.Item label={t('scanFile.duplicates')}>{report.duplicates}</Descriptions.Item>
            <Descriptions.Item label={t('scanFile.rejected')}>
              <Tag color={report.rejected > 0 ? 'red' : undefined}>{report.rejected}</Tag>
            </Descriptions.Item>
            <Descriptions.Item label={t('scanFile.tubes')}>
              {t('scanFile.tubesValue', { opened: report.tubes_opened, closed: report.tubes_closed })}
            </Descriptions.Item>
            <Descriptions.Item label={t('scanFile.flags')} span={3}>
              {Object.entries(report.flags).map(([k, v]) => (
                <Tag key={k} color="orange">
                  {t(`scanFile.flag.${k}`, { defaultValue: k })} {v}
                </Tag>
              ))}
            </Descriptions.Item>
          </Descriptions>
          {report.problems.length > 0 && (
            <DataTable<Problem>
              rows={report.problems}
              rowKey="line"
              pageSize={20}
              exportName={`${t('scanFile.rejected')} ${report.file}`}
              toolbar={
                report.truncated ? (
                  <Typography.Text type="secondary">{t('scanFile.truncated')}</Typography.Text>
                ) : undefined
              }
              columns={[
                { key: 'line', title: t('scanFile.line'), dataIndex: 'line', width: 80 },
                {
                  key: 'code',
                  title: t('scanFile.code'),
                  dataIndex: 'code',
                  width: 260,
                  render: (code: string) => t(`scanFile.codes.${code}`, { defaultValue: code }),
                  exportValue: (r) => t(`scanFile.codes.${r.code}`, { defaultValue: r.code }),
                },
                { key: 'tube', title: t('scanFile.tube'), dataIndex: 'tube', width: 140 },
                // The API's own sentence names the values involved; it is English, so only the English page shows it.
                ...(i18n.language === 'en'
                  ? [{ key: 'message', title: t('scanFile.message'), dataIndex: 'message' }]
                  : []),
              ]}
            />
          )}
        </div>
      )}
    </Space>
  );
}
