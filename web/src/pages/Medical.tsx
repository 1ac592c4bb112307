/**
 * 就医保障: the emergency clock at the top (open emergencies with their minutes, red after 30 without a step), today's
 * figures (the dashboard's, by their names), the requests with their steps and the actions the role allows (route,
 * choose a hospital, assign a vehicle, at the hospital, treated, record a refusal), a new request (the area picked
 * by name, the patient found by searching), the hospitals with their colour and today's capacity, and the refusals.
 *
 * Where: medical/Figures.tsx (the emergency clock, the figures), medical/Requests.tsx (the requests) with
 * medical/RequestActions.tsx (their actions), medical/NewRequest.tsx, medical/Hospitals.tsx,
 * medical/Refusals.tsx, what they share in medical/common.ts. This file holds the page and its layout.
 */
import { Col, Row, Typography } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Hospital as HospitalItem, Me } from '../contract.ts';
import { EmergencyClock, Figures } from './medical/Figures.tsx';
import { Hospitals } from './medical/Hospitals.tsx';
import { NewRequest } from './medical/NewRequest.tsx';
import { Refusals } from './medical/Refusals.tsx';
import { RequestList } from './medical/Requests.tsx';
import { useApi, usePermissions, useVersion } from './shared.tsx';

export default function MedicalPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const may = usePermissions(me);
  const [version, bump] = useVersion();
  const hospitals = useApi<{ items: HospitalItem[] }>('/api/medical/hospitals', version);
  const list = useMemo(() => hospitals.data?.items ?? [], [hospitals.data]);
  return (
    <div className="medical-page">
      <Typography.Title level={3}>{t('medical.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('medical.intro')}</Typography.Paragraph>
      <EmergencyClock version={version} />
      <Figures version={version} />
      <RequestList version={version} bump={bump} hospitals={list} mayDispatch={may('medical.dispatch')} />
      <Row gutter={16}>
        <Col xs={24} xl={10}>
          {may('medical.request') && <NewRequest me={me} after={bump} />}
        </Col>
        <Col xs={24} xl={14}>
          <Hospitals
            me={me}
            hospitals={list}
            error={hospitals.error}
            mayDispatch={may('medical.dispatch')}
            after={bump}
          />
        </Col>
      </Row>
      <Refusals version={version} />
    </div>
  );
}
