/** What the parts of 通行证 share: kinds and statuses with their colours, a pass's holder and areas in words. */
import { Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Pass } from '../../contract.ts';
import { AreaName } from '../shared.tsx';

export const KINDS = ['supply', 'medical', 'response', 'emergency'] as const;
export const STATUSES = ['valid', 'not_yet_valid', 'expired', 'revoked'] as const;
export const STATUS_COLOURS: Record<string, string> = {
  valid: 'green',
  not_yet_valid: 'blue',
  expired: 'default',
  revoked: 'red',
};

export type PassItem = Pass;

export function Holder({ p }: { p: Pick<PassItem, 'holder_type' | 'holder_name' | 'plate' | 'id_number'> }) {
  const { t } = useTranslation();
  return (
    <Space direction="vertical" size={0}>
      <span>
        {p.holder_type === 'vehicle' ? <Typography.Text strong>{p.plate}</Typography.Text> : null}
        {p.holder_type === 'vehicle' ? ' · ' : ''}
        {p.holder_name}
      </span>
      {p.id_number && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('passes.list.idTail', { id: p.id_number })}
        </Typography.Text>
      )}
    </Space>
  );
}

export function Areas({ codes, route }: { codes: string[]; route: boolean }) {
  return (
    <span>
      {codes.map((c, i) => (
        <span key={c}>
          {i > 0 ? (route ? ' → ' : '、') : ''}
          <AreaName code={c} />
        </span>
      ))}
    </span>
  );
}
