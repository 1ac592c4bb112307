-- Who has been sampled in a round: one row per (round, person), so "sampled twice" is a primary-key probe
-- (INSERT … ON CONFLICT) whatever the planner's statistics say about a round that is still filling up.
CREATE TABLE round_people (
  round_id bigint NOT NULL REFERENCES rounds (id),
  person_id bigint NOT NULL REFERENCES persons (id),
  first_scanned_at timestamptz NOT NULL,
  PRIMARY KEY (round_id, person_id)
);
INSERT INTO round_people (round_id, person_id, first_scanned_at)
SELECT round_id, person_id, min(scanned_at) FROM scans WHERE person_id IS NOT NULL GROUP BY round_id, person_id;
