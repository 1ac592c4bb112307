-- Scans (and the tubes they open) are the heaviest write of the whole system: one row per person per round, nine million in a day for a
-- city of nine million. Every value they reference is read and checked in the same transaction that writes them
-- (the round, its sampling point and the point's area, the tube created or locked there, the person looked up by
-- id or ID number), and none of those rows is ever deleted (retention anonymises persons in place). Their five
-- foreign-key checks cost more than the rest of the insert (a logged COPY with them runs at about a quarter of the
-- speed of one without), so they go, as do round_people's two and the three of tubes on what a scan checks (round,
-- point, area; the box and lab keys stay). Uniqueness (idempotency key, barcode, one row per person per round) and
-- the CHECKs stay.
ALTER TABLE scans DROP CONSTRAINT scans_round_id_fkey;
ALTER TABLE scans DROP CONSTRAINT scans_tube_id_fkey;
ALTER TABLE scans DROP CONSTRAINT scans_person_id_fkey;
ALTER TABLE scans DROP CONSTRAINT scans_area_code_fkey;
ALTER TABLE scans DROP CONSTRAINT scans_sampling_point_id_fkey;
ALTER TABLE round_people DROP CONSTRAINT round_people_round_id_fkey;
ALTER TABLE round_people DROP CONSTRAINT round_people_person_id_fkey;

ALTER TABLE tubes DROP CONSTRAINT tubes_round_id_fkey;
ALTER TABLE tubes DROP CONSTRAINT tubes_sampling_point_id_fkey;
ALTER TABLE tubes DROP CONSTRAINT tubes_area_code_fkey;
