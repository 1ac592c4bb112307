/**
 * 流调溯源: cases (keyset pages, newest first) with their contact counts, a case's contacts with provenance
 * (which source, through whom, when, where), the transmission chains as a graph and a table, and the contact
 * rules in force. With tracing.manage: run tracing now, classify a case (severity, onset date, outcome); with
 * tracing.rules: change the contact rules, with a reason.
 *
 * Where: tracing/Cases.tsx (the cases, a case's contacts), tracing/GeneralContacts.tsx, tracing/Chains.tsx,
 * tracing/Rules.tsx (the rules, the form to change them), tracing/ClassifyForm.tsx, what the lists share in
 * tracing/common.tsx. This file holds the page, its tabs and running tracing now.
 */
import { Card, Space, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import type { TracingCase as CaseRow, Me, TracingRunAnswer } from '../contract.ts';
import { ConfirmButton, useAction, useApi, usePermissions, useVersion } from './shared.tsx';
import { CasesTable, ContactsCard } from './tracing/Cases.tsx';
import { ChainsView } from './tracing/Chains.tsx';
import { ClassifyForm } from './tracing/ClassifyForm.tsx';
import { GeneralContactsTable } from './tracing/GeneralContacts.tsx';
import { RulesView } from './tracing/Rules.tsx';

/** `me` as the shell knows it; when not given, the page asks the server who is logged in. */
export default function TracingPage({ me }: { me?: Me }) {
  const asked = useApi<Me>(me ? null : '/api/auth/me');
  const may = usePermissions(me ?? asked.data);
  const { t } = useTranslation();
  const act = useAction();
  const [version, bump] = useVersion();
  const [selected, setSelected] = useState<CaseRow | null>(null);
  const [classifying, setClassifying] = useState<CaseRow | null>(null);
  const runNow = () =>
    act(
      () => api<TracingRunAnswer>('/api/tracing/run', { method: 'POST' }),
      (r) => t('tracing.ran', { created: r.cases_created, traced: r.traced }),
      bump,
    );
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('tracing.title')}
        </Typography.Title>
        {may('tracing.manage') && (
          <ConfirmButton
            type="primary"
            size="middle"
            title={t('tracing.confirmRun')}
            description={t('tracing.runNote')}
            onConfirm={runNow}
          >
            {t('tracing.run')}
          </ConfirmButton>
        )}
      </Space>
      <Tabs
        items={[
          {
            key: 'cases',
            label: t('tracing.cases'),
            children: (
              <Space direction="vertical" size="middle" style={{ width: '100%' }}>
                <Card size="small">
                  <CasesTable
                    selected={selected}
                    onSelect={setSelected}
                    version={version}
                    onClassify={may('tracing.manage') ? setClassifying : undefined}
                  />
                </Card>
                {selected && <ContactsCard key={selected.id} c={selected} version={version} />}
              </Space>
            ),
          },
          {
            key: 'general',
            label: t('tracing.general'),
            children: (
              <Card size="small">
                <GeneralContactsTable version={version} />
              </Card>
            ),
          },
          { key: 'chains', label: t('tracing.chains'), children: <ChainsView version={version} /> },
          {
            key: 'rules',
            label: t('tracing.rules'),
            children: <RulesView mayEdit={may('tracing.rules')} version={version} onDone={bump} />,
          },
        ]}
      />
      {classifying && <ClassifyForm c={classifying} onClose={() => setClassifying(null)} onDone={bump} />}
    </Space>
  );
}
