/** The audit log's hash chain verified, optionally against a head copied earlier. */
import { Alert, Button, Card, Input, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, query } from '../../api.ts';
import type { AuditVerdict } from '../../contract.ts';
import { ErrorAlert, errorText } from '../shared.tsx';
import { useBeijingTime } from './common.tsx';

const HEAD = /^\d{1,15}:[0-9a-f]{64}$/;

/** The API's English problem (src/modules/access/audit.ts verifyAudit) in the reader's words. */
function problemKey(problem: string | undefined): string {
  if (!problem) return 'other';
  if (problem.includes('link to the previous entry')) return 'link';
  if (problem.includes('changed after it was written')) return 'changed';
  if (problem.includes('no longer has the published hash')) return 'rewritten';
  if (problem.includes('removed from its end')) return 'truncated';
  return 'other';
}

export function VerifyChain() {
  const { t, i18n } = useTranslation();
  const time = useBeijingTime();
  const [expect, setExpect] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ verdict: AuditVerdict; at: string; withHead: boolean } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const head = expect.trim();
  const headBad = head !== '' && !HEAD.test(head);

  const run = async () => {
    if (headBad) return;
    setBusy(true);
    setError(null);
    try {
      const verdict = await api<AuditVerdict>(
        `/api/audit/verify${query({ expect_head: head || undefined })}`,
      );
      setResult({ verdict, at: new Date().toISOString(), withHead: head !== '' });
    } catch (err) {
      setResult(null);
      setError(err ?? new Error('failed'));
    } finally {
      setBusy(false);
    }
  };

  const v = result?.verdict;
  const problem =
    v && !v.ok
      ? i18n.language === 'en' && v.problem
        ? v.problem
        : t(`admin.audit.verify.problem.${problemKey(v.problem)}`)
      : '';
  return (
    <Card size="small" title={t('admin.audit.verify.title')}>
      <Space direction="vertical" style={{ width: '100%' }}>
        <Typography.Text type="secondary">{t('admin.audit.verify.hint')}</Typography.Text>
        <Space wrap align="start">
          <Input
            aria-label={t('admin.audit.verify.expect')}
            addonBefore={t('admin.audit.verify.expect')}
            placeholder={t('admin.audit.verify.expectPlaceholder')}
            value={expect}
            onChange={(e) => setExpect(e.target.value)}
            status={headBad ? 'error' : undefined}
            allowClear
            style={{ width: 520 }}
          />
          <Button type="primary" onClick={run} loading={busy} disabled={headBad}>
            {t('admin.audit.verify.run')}
          </Button>
        </Space>
        {headBad && <Typography.Text type="danger">{t('admin.audit.verify.expectRule')}</Typography.Text>}
        <ErrorAlert error={error === null ? null : errorText(error)} />
        {v && result && (
          <Alert
            data-testid="audit-verdict"
            type={v.ok ? 'success' : 'error'}
            showIcon
            message={
              v.ok
                ? t(result.withHead ? 'admin.audit.verify.okWithHead' : 'admin.audit.verify.ok', {
                    n: v.checked.toLocaleString(),
                  })
                : t('admin.audit.verify.broken', { n: v.checked.toLocaleString() })
            }
            description={
              <Space direction="vertical" size={2}>
                {!v.ok && <span>{problem}</span>}
                {!v.ok && v.brokenAt !== undefined && (
                  <span>{t('admin.audit.verify.brokenAt', { id: v.brokenAt })}</span>
                )}
                {v.ok && (
                  <span>
                    {t('admin.audit.verify.head')}
                    <Typography.Text code copyable={{ text: v.head.text }} style={{ wordBreak: 'break-all' }}>
                      {v.head.text}
                    </Typography.Text>
                  </span>
                )}
                <Typography.Text type="secondary">
                  {t('admin.audit.verify.at', { at: time(result.at) })}
                </Typography.Text>
              </Space>
            }
          />
        )}
      </Space>
    </Card>
  );
}
