/**
 * 实验室 (the lab's desk, testing.lab): receive transport boxes by scanning them, upload results (a LIS export as
 * CSV/XLSX, or an HL7 FHIR R4 Bundle), enter one tube by hand, and see the tubes still waiting for a result against
 * the testing budget. The lab chosen is remembered in this browser.
 *
 * Where: lab/Labs.tsx (choosing the lab), lab/Receive.tsx (receiving boxes), lab/Results.tsx (uploading
 * results, one tube by hand, the outcomes), lab/Pending.tsx (the tubes waiting for a result). This file holds
 * the page.
 */
import { Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Me } from '../api.ts';
import { LabsCard } from './lab/Labs.tsx';
import { PendingCard } from './lab/Pending.tsx';
import { ReceiveCard } from './lab/Receive.tsx';
import { ResultsCard } from './lab/Results.tsx';
import { useVersion } from './shared.tsx';

const LAB_KEY = 'qingcang.lab';

export default function LabPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [version, bump] = useVersion();
  const [labId, setLabIdState] = useState<number | null>(() => {
    const v = Number(window.localStorage.getItem(LAB_KEY));
    return Number.isInteger(v) && v > 0 ? v : null;
  });
  const setLabId = (id: number | null) => {
    setLabIdState(id);
    if (id) window.localStorage.setItem(LAB_KEY, String(id));
    else window.localStorage.removeItem(LAB_KEY);
  };
  const mayRecord = me.permissions.includes('testing.lab');
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('lab.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('lab.intro', { hours: 6 })}
      </Typography.Paragraph>
      <LabsCard version={version} labId={labId} onLab={setLabId} />
      {mayRecord && <ReceiveCard labId={labId} version={version} onDone={bump} />}
      {mayRecord && <ResultsCard onDone={bump} />}
      <PendingCard labId={labId} version={version} />
    </Space>
  );
}
