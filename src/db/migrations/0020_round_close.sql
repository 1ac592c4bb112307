-- Closing a round (结束本轮): who closed it, when and why. Scans to a closed round are refused (testing/scans.ts).
ALTER TABLE rounds ADD COLUMN closed_at timestamptz;
ALTER TABLE rounds ADD COLUMN closed_by text;
ALTER TABLE rounds ADD COLUMN close_reason text;
