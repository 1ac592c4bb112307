/** Classify a case: severity, onset date and outcome (tracing.manage). */
import { Form, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { beijingTodayValue } from '../../beijing-time.ts';
import type { TracingCase as CaseRow, ClassifiedCase } from '../../contract.ts';
import { CodeSelect } from '../filters.tsx';
import { FormModal } from '../forms.tsx';
import { BeijingDatePicker, useAction } from '../shared.tsx';

const SEVERITIES = ['unclassified', 'asymptomatic', 'mild', 'moderate', 'severe', 'critical'] as const;
const OUTCOMES = ['recovered', 'died', 'transferred_out'] as const;

interface ClassifyValues {
  severity: string;
  onset_date?: Dayjs | null;
  outcome?: string | null;
}

/** Severity, onset date and outcome of a case; a new onset date sends the case back to tracing. */
export function ClassifyForm({
  c,
  onClose,
  onDone,
}: {
  c: CaseRow;
  onClose: () => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm<ClassifyValues>();
  const submit = async (v: ClassifyValues) => {
    const body = {
      severity: v.severity,
      ...(v.onset_date ? { onset_date: v.onset_date.format('YYYY-MM-DD') } : {}),
      ...(v.outcome ? { outcome: v.outcome } : {}),
    };
    const out = await act(
      () => api<ClassifiedCase>(`/api/tracing/cases/${c.id}/classify`, { method: 'POST', body }),
      (r) =>
        r.reclassified_at && !c.reclassified_at
          ? t('tracing.reclassified', { no: r.case_no })
          : t('tracing.classified', { no: r.case_no, severity: t(`severity.${r.severity}`) }),
      onDone,
    );
    if (out) onClose();
  };
  return (
    <FormModal
      form={form}
      onSubmit={submit}
      title={t('tracing.classifyTitle', { no: c.case_no })}
      okText={t('tracing.classifyOk')}
      onCancel={onClose}
      intro={<Typography.Paragraph type="secondary">{t('tracing.classifyNote')}</Typography.Paragraph>}
      formProps={{
        initialValues: {
          severity: c.severity,
          onset_date: c.onset_date ? dayjs(c.onset_date) : null,
          outcome: c.outcome,
        },
      }}
    >
      <Form.Item label={t('tracing.severity')} name="severity" rules={[{ required: true }]}>
        <CodeSelect ns="severity" codes={SEVERITIES} />
      </Form.Item>
      <Form.Item label={t('tracing.onset')} name="onset_date" extra={t('tracing.onsetNote')}>
        <BeijingDatePicker disabledDate={(d) => d.isAfter(beijingTodayValue(), 'day')} />
      </Form.Item>
      <Form.Item label={t('tracing.outcome')} name="outcome">
        <CodeSelect ns="outcome" codes={OUTCOMES} allowClear disabled={c.outcome !== null} />
      </Form.Item>
    </FormModal>
  );
}
