/**
 * Camera scanning with ZXing (@zxing/browser): 1D tube and box barcodes (Code 128, Code 39, EAN, ITF,
 * Codabar) and QR codes. The library is loaded only when the camera is opened; typed entry is the fallback
 * when there is no camera or no permission.
 */
import type { DecodeHintType as HintType } from '@zxing/library';
import { Alert, Button, Modal, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

export function CameraScan({
  open,
  onResult,
  onClose,
}: {
  open: boolean;
  onResult: (text: string) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const done = useRef(onResult);
  done.current = onResult;

  useEffect(() => {
    if (!open) return;
    let stopped = false;
    let stop: (() => void) | null = null;
    setError(null);
    setStarting(true);
    (async () => {
      try {
        if (!navigator.mediaDevices?.getUserMedia) throw new Error('no camera API (needs https)');
        const [{ BrowserMultiFormatReader }, { BarcodeFormat, DecodeHintType }] = await Promise.all([
          import('@zxing/browser'),
          import('@zxing/library'),
        ]);
        const hints = new Map<HintType, unknown>([
          [
            DecodeHintType.POSSIBLE_FORMATS,
            [
              BarcodeFormat.CODE_128,
              BarcodeFormat.CODE_39,
              BarcodeFormat.EAN_13,
              BarcodeFormat.ITF,
              BarcodeFormat.CODABAR,
              BarcodeFormat.QR_CODE,
            ],
          ],
        ]);
        const reader = new BrowserMultiFormatReader(hints);
        if (stopped || !video.current) return;
        let controls: { stop: () => void } | null = null;
        controls = await reader.decodeFromConstraints(
          { video: { facingMode: 'environment' } },
          video.current,
          (result) => {
            if (!result || stopped) return;
            stopped = true;
            controls?.stop();
            if (navigator.vibrate) navigator.vibrate(80);
            done.current(result.getText());
          },
        );
        stop = () => controls?.stop();
        if (stopped) controls.stop();
      } catch (err) {
        setError((err as Error).message || String(err));
      } finally {
        setStarting(false);
      }
    })();
    return () => {
      stopped = true;
      stop?.();
    };
  }, [open]);

  return (
    <Modal
      open={open}
      title={t('sampler.camera.title')}
      onCancel={onClose}
      footer={
        <Button size="large" block onClick={onClose}>
          {t('sampler.camera.cancel')}
        </Button>
      }
      destroyOnHidden
      centered
    >
      {error ? (
        <Alert type="warning" showIcon message={t('sampler.camera.failed', { message: error })} />
      ) : (
        <>
          {starting && <Typography.Text type="secondary">{t('sampler.camera.starting')}</Typography.Text>}
          <video
            ref={video}
            muted
            playsInline
            style={{ width: '100%', borderRadius: 8, background: '#000', aspectRatio: '4 / 3' }}
          />
        </>
      )}
    </Modal>
  );
}
