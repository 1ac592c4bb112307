-- The lab's desk (src/modules/testing/lab-desk.ts): tubes received and still without a result, oldest first, and
-- the boxes on their way, oldest shipped first. Both sets are small beside the tables (a day's work in the lab).
CREATE INDEX tubes_pending_result ON tubes (received_at, id) WHERE status = 'received';
CREATE INDEX tubes_lab_received ON tubes (lab_id, received_at) WHERE lab_id IS NOT NULL;
CREATE INDEX boxes_status_shipped ON boxes (status, shipped_at);
