/**
 * The personal self-report page at /self-report/<secret> (个人健康打卡): no login — the link is the key. Shows
 * the stay (masked name, site, room, day of the term, next test, recent check-ins) and sends temperature and
 * symptoms. A report gets its idempotency key when it is first sent and keeps it until the server answers, also
 * across a reload (localStorage), so a resent report is never counted twice.
 */
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Checkbox,
  ConfigProvider,
  Descriptions,
  Input,
  InputNumber,
  List,
  Result,
  Space,
  Spin,
  Tag,
  Typography,
} from 'antd';
import enUS from 'antd/es/locale/en_US';
import zhCN from 'antd/es/locale/zh_CN';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../api.ts';
import { beijingDateTime } from '../beijing-time.ts';
import type { SelfReportPage, SelfReportSent } from '../contract.ts';
import { LanguageSwitch } from '../LanguageSwitch.tsx';
import './i18n.ts';
import { errorText } from '../error-text.ts';

const SYMPTOMS = [
  'fever',
  'cough',
  'sore_throat',
  'fatigue',
  'loss_of_smell',
  'shortness_of_breath',
  'diarrhoea',
  'other',
] as const;

interface Report {
  temperature: number;
  symptoms: string[];
  note?: string;
  idempotency_key: string;
}

const PENDING = 'qingcang.selfReport.pending';

/** A random key from crypto.getRandomValues (also on plain-HTTP pages, where randomUUID is missing). */
function newKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function loadPending(secret: string): Report | null {
  try {
    const raw = localStorage.getItem(PENDING);
    const p = raw ? (JSON.parse(raw) as { secret: string; report: Report }) : null;
    return p && p.secret === secret ? p.report : null;
  } catch {
    return null;
  }
}

function savePending(secret: string, report: Report | null): void {
  try {
    if (report) localStorage.setItem(PENDING, JSON.stringify({ secret, report }));
    else localStorage.removeItem(PENDING);
  } catch {
    // private mode: the pending report lives in memory only
  }
}

export default function SelfReportApp() {
  const { i18n } = useTranslation();
  return (
    <ConfigProvider
      locale={i18n.language === 'en' ? enUS : zhCN}
      componentSize="large"
      theme={{ token: { colorPrimary: '#c0392b', borderRadius: 8, fontSize: 16 } }}
    >
      <AntApp>
        <SelfReport secret={window.location.pathname.split('/')[2] ?? ''} />
      </AntApp>
    </ConfigProvider>
  );
}

function SelfReport({ secret }: { secret: string }) {
  const { t, i18n } = useTranslation();
  const path = `/api/self-report/${encodeURIComponent(secret)}`;
  const [view, setView] = useState<SelfReportPage | null>(null);
  const [fatal, setFatal] = useState<string | null>(null);
  const [temperature, setTemperature] = useState<number | null>(null);
  const [symptoms, setSymptoms] = useState<string[]>([]);
  const [note, setNote] = useState('');
  const [pending, setPending] = useState<Report | null>(() => loadPending(secret));
  const [sending, setSending] = useState(false);
  const [outcome, setOutcome] = useState<{ type: 'success' | 'warning' | 'error'; text: string } | null>(
    null,
  );

  const explain = useCallback(
    (e: unknown): string => {
      if (e instanceof ApiError) {
        if (e.code === 'link_invalid') return t('selfReport.invalid');
        if (e.code === 'stay_ended') return t('selfReport.ended');
        if (e.code === 'daily_limit_reached') return t('selfReport.limit');
        if (e.code === 'not_arrived') return t('selfReport.notArrived');
        return t('selfReport.failed', { message: errorText(e) });
      }
      return t('selfReport.failed', { message: String(e) });
    },
    [t],
  );

  const load = useCallback(async () => {
    try {
      setView(await api<SelfReportPage>(path));
    } catch (e) {
      if (e instanceof ApiError && (e.code === 'link_invalid' || e.code === 'stay_ended'))
        setFatal(explain(e));
      else setOutcome({ type: 'error', text: explain(e) });
    }
  }, [path, explain]);

  useEffect(() => {
    void load();
  }, [load]);

  const send = async (report: Report) => {
    setSending(true);
    setPending(report);
    savePending(secret, report);
    try {
      const out = await api<SelfReportSent>(path, {
        method: 'POST',
        body: report,
      });
      setPending(null);
      savePending(secret, null);
      setTemperature(null);
      setSymptoms([]);
      setNote('');
      setOutcome(
        out.alert
          ? { type: 'warning', text: t('selfReport.alert') }
          : {
              type: 'success',
              text: out.status === 'duplicate' ? t('selfReport.duplicate') : t('selfReport.recorded'),
            },
      );
      await load();
    } catch (e) {
      if (e instanceof ApiError && (e.status === 0 || e.status >= 500 || e.code === 'rate_limited')) {
        setOutcome({ type: 'error', text: t('selfReport.retry') }); // kept: sent again with the same key
      } else {
        setPending(null);
        savePending(secret, null);
        if (e instanceof ApiError && (e.code === 'link_invalid' || e.code === 'stay_ended'))
          setFatal(explain(e));
        else setOutcome({ type: 'error', text: explain(e) });
      }
    } finally {
      setSending(false);
    }
  };

  const header = (
    <Space style={{ width: '100%', justifyContent: 'space-between' }}>
      <Typography.Title level={4} style={{ margin: 0 }}>
        {t('selfReport.title')}
      </Typography.Title>
      <LanguageSwitch />
    </Space>
  );

  if (fatal)
    return (
      <div style={{ maxWidth: 520, margin: '0 auto', padding: 16 }}>
        {header}
        <Result status="info" title={fatal} />
      </div>
    );
  if (!view)
    return (
      <div style={{ maxWidth: 520, margin: '0 auto', padding: 16 }}>
        {header}
        {outcome ? (
          <Alert type={outcome.type} message={outcome.text} showIcon />
        ) : (
          <Spin tip={t('selfReport.loading')} />
        )}
      </div>
    );

  const full = view.reports_today >= view.max_reports_per_day;
  const valid = temperature !== null && temperature >= 34 && temperature <= 43;
  return (
    <div style={{ maxWidth: 520, margin: '0 auto', padding: 16 }}>
      {header}
      <Typography.Paragraph type="secondary">{t('selfReport.subtitle')}</Typography.Paragraph>
      <Card size="small" title={view.name} style={{ marginBottom: 12 }}>
        <Descriptions column={1} size="small">
          <Descriptions.Item label={t('selfReport.site')}>{view.site}</Descriptions.Item>
          {view.room && <Descriptions.Item label={t('selfReport.room')}>{view.room}</Descriptions.Item>}
          {view.bed && <Descriptions.Item label={t('selfReport.bed')}>{view.bed}</Descriptions.Item>}
        </Descriptions>
        <Typography.Paragraph strong style={{ margin: '8px 0 0' }}>
          {view.day === null
            ? t('selfReport.notArrived')
            : view.term_days
              ? t('selfReport.dayOf', { day: view.day, total: view.term_days })
              : t('selfReport.day', { day: view.day })}
        </Typography.Paragraph>
        <Typography.Text type="secondary">
          {view.next_test
            ? t('selfReport.nextTest', {
                day: view.next_test.day,
                time: beijingDateTime(view.next_test.due_at, i18n.language),
              })
            : t('selfReport.noTest')}
        </Typography.Text>
      </Card>

      {outcome && (
        <Alert
          type={outcome.type}
          message={outcome.text}
          showIcon
          closable
          onClose={() => setOutcome(null)}
          style={{ marginBottom: 12 }}
        />
      )}

      {view.status === 'arrived' && (
        <Card size="small" style={{ marginBottom: 12 }}>
          <Typography.Text type="secondary">
            {t('selfReport.today', { count: view.reports_today, max: view.max_reports_per_day })}
          </Typography.Text>
          {pending ? (
            <Button
              block
              type="primary"
              loading={sending}
              onClick={() => void send(pending)}
              style={{ marginTop: 12 }}
            >
              {sending ? t('selfReport.sending') : t('selfReport.resend')} · {pending.temperature.toFixed(1)}{' '}
              ℃
            </Button>
          ) : (
            <Space direction="vertical" style={{ width: '100%', marginTop: 12 }}>
              <Typography.Text>{t('selfReport.temperature')}</Typography.Text>
              <InputNumber
                aria-label={t('selfReport.temperature')}
                style={{ width: '100%' }}
                inputMode="decimal"
                min={34}
                max={43}
                step={0.1}
                precision={1}
                placeholder="36.5"
                value={temperature}
                onChange={(v) => setTemperature(typeof v === 'number' ? v : null)}
                status={temperature !== null && !valid ? 'error' : undefined}
              />
              {temperature !== null && !valid && (
                <Typography.Text type="danger">{t('selfReport.temperatureHint')}</Typography.Text>
              )}
              <Typography.Text>{t('selfReport.symptoms')}</Typography.Text>
              <Checkbox.Group
                value={symptoms}
                onChange={(v) => setSymptoms(v as string[])}
                options={SYMPTOMS.map((s) => ({ value: s, label: t(`selfReport.symptom.${s}`) }))}
              />
              <Input.TextArea
                aria-label={t('selfReport.note')}
                placeholder={t('selfReport.note')}
                maxLength={200}
                autoSize={{ minRows: 1, maxRows: 3 }}
                value={note}
                onChange={(e) => setNote(e.target.value)}
              />
              <Button
                block
                type="primary"
                disabled={!valid || full}
                loading={sending}
                onClick={() =>
                  void send({
                    temperature: temperature as number,
                    symptoms,
                    ...(note.trim() ? { note: note.trim() } : {}),
                    idempotency_key: newKey(),
                  })
                }
              >
                {t('selfReport.submit')}
              </Button>
              {full && <Typography.Text type="warning">{t('selfReport.limit')}</Typography.Text>}
            </Space>
          )}
        </Card>
      )}

      <Card size="small" title={t('selfReport.last')}>
        <List
          size="small"
          locale={{ emptyText: t('selfReport.none') }}
          dataSource={view.last_reports}
          renderItem={(r) => (
            <List.Item>
              <Space wrap>
                <span>{beijingDateTime(r.at, i18n.language)}</span>
                <Tag color={r.temperature >= 37.3 ? 'red' : 'green'}>{r.temperature.toFixed(1)} ℃</Tag>
                {r.symptoms.map((s) => (
                  <Tag key={s} color="orange">
                    {t(`selfReport.symptom.${s}`)}
                  </Tag>
                ))}
                <Typography.Text type="secondary">
                  {r.self_reported ? t('selfReport.self') : t('selfReport.staff')}
                </Typography.Text>
              </Space>
            </List.Item>
          )}
        />
      </Card>
    </div>
  );
}
