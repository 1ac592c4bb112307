/** 指挥调度 · 每日通报: the daily report of a day, and its downloads in Chinese and English. */
import {
  Button,
  Card,
  Col,
  DatePicker,
  Descriptions,
  List,
  Row,
  Segmented,
  Space,
  Tag,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { REPORT_FIGURES } from '../../../../src/domain/figure-names.ts';
import { query } from '../../api.ts';
import type { DailyReport, IssuedReport } from '../../contract.ts';
import { FigureLabel } from '../../figure-label.tsx';
import {
  beijingToday,
  byNumber,
  type Column,
  DataTable,
  ErrorAlert,
  StatusTag,
  useApi,
  useFormat,
} from '../shared.tsx';

export function ReportView() {
  const { t } = useTranslation();
  const f = useFormat();
  const [date, setDate] = useState(beijingToday());
  // A past day: the version issued at its close (its resources as they were then), or recomputed now.
  const [basis, setBasis] = useState<'issued' | 'live'>('issued');
  const past = date < beijingToday();
  const res = useApi<DailyReport>(`/api/reports/daily${query({ date, basis })}`);
  // The last week's reports issued for this jurisdiction at each day's close: one click opens one.
  const issued = useApi<{ items: IssuedReport[] }>('/api/reports/daily/issued?days=7');
  const r = res.data;
  const link = (format: string, lang: string) => `/api/reports/daily${query({ date, format, lang, basis })}`;
  const section = (title: string, ns: string, values: Record<string, number>) => (
    <Card size="small" title={title}>
      <Descriptions size="small" column={1} bordered>
        {Object.entries(values).map(([k, v]) => (
          <Descriptions.Item
            key={k}
            label={
              REPORT_FIGURES[k] ? <FigureLabel k={REPORT_FIGURES[k]} /> : t(`${ns}.${k}`, { defaultValue: k })
            }
          >
            {f.number(v)}
          </Descriptions.Item>
        ))}
      </Descriptions>
    </Card>
  );
  type District = DailyReport['cases']['by_district'][number];
  const districtColumns: Column<District>[] = [
    { key: 'name', title: t('common.areaName'), dataIndex: 'name' },
    {
      key: 'confirmed',
      title: t('report.confirmed'),
      dataIndex: 'confirmed',
      sorter: byNumber((d) => d.confirmed),
    },
    {
      key: 'asymptomatic',
      title: t('report.asymptomatic'),
      dataIndex: 'asymptomatic',
      sorter: byNumber((d) => d.asymptomatic),
    },
    {
      key: 'unclassified',
      title: t('report.unclassified'),
      dataIndex: 'unclassified',
      sorter: byNumber((d) => d.unclassified),
    },
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap>
        <Typography.Text>{t('common.day')}</Typography.Text>
        <DatePicker
          size="small"
          allowClear={false}
          value={dayjs(date)}
          disabledDate={(d) => d.format('YYYY-MM-DD') > beijingToday()}
          onChange={(d) => {
            if (!d) return;
            setDate(d.format('YYYY-MM-DD'));
            setBasis('issued'); // another day opens as issued
          }}
        />
        <Typography.Text type="secondary">{t('report.download')}</Typography.Text>
        {(['md', 'html', 'xlsx'] as const).map((format) =>
          (['zh', 'en'] as const).map((lang) => (
            <Button key={`${format}-${lang}`} size="small" href={link(format, lang)} download target="_blank">
              {format.toUpperCase()} · {lang === 'zh' ? '中文' : 'EN'}
            </Button>
          )),
        )}
      </Space>
      {issued.data && issued.data.items.length > 0 && (
        <Space wrap className="issued-reports">
          <Typography.Text type="secondary">{t('report.issuedList')}</Typography.Text>
          {issued.data.items.map((i) => (
            <Tag.CheckableTag
              key={i.date}
              checked={i.date === date && basis === 'issued'}
              onChange={() => {
                setDate(i.date);
                setBasis('issued');
              }}
            >
              {i.date}
            </Tag.CheckableTag>
          ))}
        </Space>
      )}
      <ErrorAlert error={res.error} />
      {res.loading && !r && <Card loading size="small" />}
      {r && (
        <>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {t('report.heading', { area: r.area.name || r.area.code, date: r.date })}
          </Typography.Title>
          <Space wrap>
            {r.issued_at ? (
              <Tag color="green">{t('report.issuedTag')}</Tag>
            ) : (
              <Tag color="blue">{t('report.liveTag')}</Tag>
            )}
            <Typography.Text type="secondary">
              {r.issued_at
                ? t('report.issuedNote', { at: f.dateTime(r.issued_at) })
                : t('report.liveNote', { at: f.dateTime(r.generated_at) })}
            </Typography.Text>
            {past && (
              <Segmented
                size="small"
                value={basis}
                onChange={(v) => setBasis(v as 'issued' | 'live')}
                options={[
                  { value: 'issued', label: t('report.basisIssued') },
                  { value: 'live', label: t('report.basisLive') },
                ]}
              />
            )}
            {past && <Typography.Text type="secondary">{t('report.basisHint')}</Typography.Text>}
          </Space>
          <Row gutter={[12, 12]}>
            <Col xs={24} lg={12}>
              {section(t('report.cases'), 'report', {
                new_confirmed: r.cases.new_confirmed,
                new_asymptomatic: r.cases.new_asymptomatic,
                new_unclassified: r.cases.new_unclassified,
                reclassified: r.cases.reclassified,
                cumulative_confirmed: r.cases.cumulative_confirmed,
                cumulative_asymptomatic: r.cases.cumulative_asymptomatic,
                cumulative_unclassified: r.cases.cumulative_unclassified,
              })}
            </Col>
            <Col xs={24} lg={12}>
              {section(t('report.contacts'), 'report', r.contacts)}
            </Col>
            <Col xs={24} lg={12}>
              {section(t('report.capacity'), 'report', r.capacity)}
            </Col>
            <Col xs={24} lg={12}>
              {section(t('report.testing'), 'report', r.testing)}
            </Col>
            {(
              [
                ['disinfectionSection', r.disinfection],
                ['reportMedical', r.medical],
                ['suppliesSection', r.supplies],
                ['forcesSection', r.forces],
              ] as const
            ).map(([title, values]) =>
              values ? (
                <Col xs={24} lg={12} key={title}>
                  {section(t(`report.${title}`), 'report', values)}
                </Col>
              ) : null,
            )}
          </Row>
          {Object.keys(r.cases.by_severity).length > 0 && (
            <Card size="small" title={t('report.bySeverity')}>
              <List
                size="small"
                dataSource={Object.entries(r.cases.by_severity)}
                renderItem={([k, v]) => (
                  <List.Item>
                    <StatusTag ns="severity" value={k} /> {v}
                  </List.Item>
                )}
              />
            </Card>
          )}
          <Card size="small" title={t('report.byDistrict')}>
            <DataTable<District>
              rows={r.cases.by_district}
              columns={districtColumns}
              rowKey="code"
              exportName={`${t('report.byDistrict')}-${r.date}`}
            />
          </Card>
        </>
      )}
    </Space>
  );
}
