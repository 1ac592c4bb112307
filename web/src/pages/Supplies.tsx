/**
 * 生活物资保供: today's figures (the dashboard's and the daily report's definitions, by their names) and the
 * shortfall per community; the requests with their steps, lateness and the last metre (handed, by a named worker or
 * volunteer); a new request (a household found by searching, or a compound picked by name); the planner's proposals
 * to confirm; the deliveries with their steps; the depots and their stock (a new depot, a receipt).
 *
 * Where: supplies/Figures.tsx, supplies/Requests.tsx (the requests, handed), supplies/NewRequest.tsx,
 * supplies/Plan.tsx (the proposals), supplies/Deliveries.tsx, supplies/Depots.tsx, what they share in
 * supplies/common.tsx. This file holds the page and its layout.
 */
import { Col, Row, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Me } from '../contract.ts';
import { usePermissions, useVersion } from './shared.tsx';
import { Deliveries } from './supplies/Deliveries.tsx';
import { Depots } from './supplies/Depots.tsx';
import { Figures } from './supplies/Figures.tsx';
import { NewRequest } from './supplies/NewRequest.tsx';
import { PlanCard } from './supplies/Plan.tsx';
import { RequestList } from './supplies/Requests.tsx';

export default function SuppliesPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const may = usePermissions(me);
  const [version, bump] = useVersion();
  return (
    <div className="supplies-page">
      <Typography.Title level={3}>{t('supplies.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('supplies.intro')}</Typography.Paragraph>
      <Figures version={version} />
      <RequestList version={version} bump={bump} mayRecord={may('supply.request')} />
      <Row gutter={16}>
        <Col xs={24} xl={10}>
          {may('supply.request') && <NewRequest me={me} after={bump} />}
        </Col>
        <Col xs={24} xl={14}>
          {may('supply.dispatch') && <PlanCard version={version} after={bump} />}
          <Deliveries version={version} after={bump} mayDispatch={may('supply.dispatch')} />
        </Col>
      </Row>
      <Depots me={me} version={version} after={bump} mayDispatch={may('supply.dispatch')} />
    </div>
  );
}
