/** The zone of an area set or changed: an area, a level of either rule set and a reason. */
import { Form, Input, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { AreaPicker } from '../../AreaPicker.tsx';
import { api } from '../../api.ts';
import { areaName, loadAreaNames } from '../../area-names.ts';
import type { ZoneLevel, ZoneOnly } from '../../contract.ts';
import { FormModal } from '../forms.tsx';
import { useAction } from '../shared.tsx';
import { JUNE_LEVELS, MARCH_LEVELS } from './common.ts';

/** The zone form's starting values: an area and a level to set, or nothing (closed). */
export interface ZoneDraft {
  area_code?: string;
  level?: ZoneLevel;
  /** Adopting a suggestion: its reason in the reader's language, to be kept or edited. */
  reason?: string;
}

/** Set or change the zone of an area: either rule set, a reason; the server keeps the history. */
export function ZoneForm({
  draft,
  onClose,
  onDone,
}: {
  draft: ZoneDraft;
  onClose: () => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm<{ area_code: string; level: ZoneLevel; reason: string }>();
  const submit = async (v: { area_code: string; level: ZoneLevel; reason: string }) => {
    const out = await act(
      async () => {
        const z = await api<ZoneOnly>('/api/zones', {
          method: 'POST',
          body: { ...v, area_code: v.area_code.trim() },
        });
        await loadAreaNames([z.area_code]);
        return z;
      },
      (z) => t('command.zoneSet', { area: areaName(z.area_code), level: t(`zoneLevel.${z.level}`) }),
      onDone,
    );
    if (out) onClose();
  };
  return (
    <FormModal
      form={form}
      onSubmit={submit}
      title={t('command.setZone')}
      okText={t('command.setZoneOk')}
      onCancel={onClose}
      destroyOnHidden
      formProps={{ initialValues: draft }}
    >
      <Form.Item
        label={t('common.areaName')}
        name="area_code"
        extra={t('command.zoneAreaHint')}
        rules={[{ required: true, message: t('command.zoneAreaRule') }]}
      >
        <AreaPicker />
      </Form.Item>
      <Form.Item label={t('command.level')} name="level" rules={[{ required: true }]}>
        <Select
          options={[
            {
              label: t('command.ruleSet.march2022'),
              options: MARCH_LEVELS.map((v) => ({ value: v, label: t(`zoneLevel.${v}`) })),
            },
            {
              label: t('command.ruleSet.june2022'),
              options: JUNE_LEVELS.map((v) => ({ value: v, label: t(`zoneLevel.${v}`) })),
            },
          ]}
        />
      </Form.Item>
      <Form.Item
        label={t('command.reason')}
        name="reason"
        rules={[{ required: true, min: 4, max: 500, whitespace: true, message: t('action.reasonRule') }]}
      >
        <Input.TextArea rows={2} />
      </Form.Item>
    </FormModal>
  );
}
