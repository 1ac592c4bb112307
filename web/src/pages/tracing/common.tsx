/** What the lists of 流调溯源 share: the page size and the area filter. */
import { Button, Form } from 'antd';
import { useTranslation } from 'react-i18next';
import { AreaPicker } from '../../AreaPicker.tsx';

export const PAGE = 100;

/** A list's area filter: an area picked by name, applied on 查询 (none: the whole jurisdiction). */
export function AreaFilter({ onArea }: { onArea: (area: string | undefined) => void }) {
  const { t } = useTranslation();
  return (
    <Form layout="inline" onFinish={(v: { area?: string }) => onArea(v.area || undefined)}>
      <Form.Item label={t('common.areaName')} name="area">
        <AreaPicker size="small" allowClear style={{ width: 240 }} />
      </Form.Item>
      <Button size="small" type="primary" htmlType="submit">
        {t('people.search')}
      </Button>
    </Form>
  );
}
