/**
 * The actions on a request that the role allows: route, choose a hospital, assign a vehicle, at the hospital,
 * treated, record a refusal.
 */
import { Alert, Button, Input, Modal, Select, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, query } from '../../api.ts';
import type {
  Hospital as HospitalItem,
  MedicalStepAnswer,
  MedicalRequest as RequestItem,
  MedicalVehicle as Vehicle,
} from '../../contract.ts';
import { ConfirmButton, useAction } from '../shared.tsx';

export function RequestActions({
  r,
  hospitals,
  after,
}: {
  r: RequestItem;
  hospitals: HospitalItem[];
  after: () => void;
}) {
  const { t } = useTranslation();
  const act = useAction();
  const [hospital, setHospital] = useState<number | undefined>();
  const [vehicle, setVehicle] = useState<number | undefined>();
  const [vehicles, setVehicles] = useState<Vehicle[] | null>(null);
  const [refusing, setRefusing] = useState(false);
  const [reason, setReason] = useState('');
  const post = (path: string, body?: unknown) =>
    api<MedicalStepAnswer>(`/api/medical/requests/${r.id}/${path}`, {
      method: 'POST',
      body: body ?? {},
    });
  const done = (what: string) => () => t('medical.actions.done', { what });
  const routable = r.status === 'requested' || r.status === 'refused';
  const sameColour = hospitals.filter((h) => h.code_colour === r.code_colour && h.active);
  return (
    <Space wrap size={4}>
      {routable && (
        <>
          <Button
            size="small"
            type="primary"
            className="medical-route"
            onClick={() => act(() => post('route'), done(t('medical.actions.route')), after)}
          >
            {t('medical.actions.route')}
          </Button>
          <Select
            size="small"
            style={{ width: 160 }}
            placeholder={t('medical.actions.pickHospital')}
            value={hospital}
            onChange={setHospital}
            options={sameColour.map((h) => ({ value: h.id, label: h.name }))}
          />
          <Button
            size="small"
            disabled={hospital === undefined}
            onClick={() =>
              act(() => post('route', { hospital_id: hospital }), done(t('medical.actions.routeTo')), after)
            }
          >
            {t('medical.actions.routeTo')}
          </Button>
        </>
      )}
      {r.status === 'routed' && (
        <>
          <Select
            size="small"
            style={{ width: 170 }}
            placeholder={t('medical.actions.pickVehicle')}
            value={vehicle}
            onChange={setVehicle}
            onDropdownVisibleChange={(open) => {
              if (open && vehicles === null)
                api<{ items: Vehicle[] }>(
                  `/api/medical/vehicles${query({ ambulances: r.urgency === 'emergency' ? 'true' : undefined })}`,
                ).then(
                  (v) => setVehicles(v.items),
                  () => setVehicles([]),
                );
            }}
            options={(vehicles ?? []).map((v) => ({
              value: v.id,
              disabled: v.busy !== null,
              label: `${v.plate} · ${t(`vehicleKind.${v.kind}`)}${v.busy ? `（${t(`medical.actions.busy.${v.busy}`)}）` : ''}`,
            }))}
          />
          <Button
            size="small"
            disabled={vehicle === undefined}
            onClick={() =>
              act(() => post('vehicle', { vehicle_id: vehicle }), done(t('medical.actions.vehicle')), after)
            }
          >
            {t('medical.actions.vehicle')}
          </Button>
        </>
      )}
      {(r.status === 'routed' || r.status === 'vehicle_assigned') && (
        <ConfirmButton
          title={t('medical.actions.confirmStep', { step: t('medical.actions.atHospital') })}
          onConfirm={() => act(() => post('at-hospital'), done(t('medical.actions.atHospital')), after)}
        >
          {t('medical.actions.atHospital')}
        </ConfirmButton>
      )}
      {r.status === 'at_hospital' && (
        <ConfirmButton
          type="primary"
          title={t('medical.actions.confirmStep', { step: t('medical.actions.treated') })}
          onConfirm={() => act(() => post('treated'), done(t('medical.actions.treated')), after)}
        >
          {t('medical.actions.treated')}
        </ConfirmButton>
      )}
      {['routed', 'vehicle_assigned', 'at_hospital'].includes(r.status) && (
        <Button size="small" danger className="medical-refuse" onClick={() => setRefusing(true)}>
          {t('medical.actions.refuse')}
        </Button>
      )}
      <Modal
        open={refusing}
        title={t('medical.actions.refuseTitle')}
        okButtonProps={{ danger: true, disabled: reason.trim().length < 2 }}
        okText={t('medical.actions.refuse')}
        cancelText={t('action.cancel')}
        onCancel={() => setRefusing(false)}
        onOk={async () => {
          await act(() => post('refuse', { reason }), done(t('medical.actions.refuse')), after);
          setRefusing(false);
          setReason('');
        }}
      >
        <Alert
          type="warning"
          showIcon
          message={t('medical.actions.refuseHint')}
          style={{ marginBottom: 12 }}
        />
        <Input.TextArea
          className="medical-refuse-reason"
          placeholder={t('medical.actions.refuseReason')}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          maxLength={500}
          rows={3}
        />
      </Modal>
    </Space>
  );
}
