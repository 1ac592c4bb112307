-- People's risk status (风险状态) moves out of the registry into a register of the people at risk. A positive
-- pool's follow-up holds every member at home: at 9M people with 1 % positive pools, 90,395 people at once. As a
-- column of `persons` that was an update of 90k rows of a wide table with six indexes, none of them HOT (the status
-- was indexed, and a pool's members are neighbours on the same full pages): 3.3–5.1 s and 628 MB of WAL, most of
-- the follow-up. The same 90k rows written into this narrow table took 0.31 s and 32 MB of WAL on that database.
--
-- A person without a row here has never been at risk ('none'). A person back at no risk keeps a row at 'none', with
-- the time they came back (a retention purge counts from it). The row carries the person's area, so the people at
-- risk of a jurisdiction are one walk of (status, area, person). A trigger keeps it: a person moved to another area
-- upserts their row, which waits for any writer of that row still in flight and then corrects its area (a writer
-- takes the area from its own snapshot, and never writes the area of a row that exists). There is no foreign key
-- on the person: a key check locks the person's row, which is the write to the registry this table avoids; persons
-- are never deleted but in tests, and a trigger drops their row.
CREATE TABLE person_risk (
  person_id bigint PRIMARY KEY,
  risk_status text NOT NULL CHECK (risk_status IN (
    'none', 'pool_held', 'suspected', 'case', 'close_contact', 'secondary_contact', 'general_contact', 'released',
    'discharged', 'home_monitoring'
  )),
  risk_status_at timestamptz,
  area_code text COLLATE "C" NOT NULL
);
INSERT INTO person_risk (person_id, risk_status, risk_status_at, area_code)
SELECT id, risk_status, risk_status_at, area_code FROM persons
 WHERE risk_status <> 'none' OR risk_status_at IS NOT NULL;
CREATE INDEX person_risk_status_area ON person_risk (risk_status, area_code, person_id);

DROP INDEX persons_risk_area_id;
ALTER TABLE persons DROP COLUMN risk_status, DROP COLUMN risk_status_at;

CREATE FUNCTION person_risk_follow_person() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM person_risk WHERE person_id = OLD.id;
  ELSE
    INSERT INTO person_risk (person_id, risk_status, area_code) VALUES (NEW.id, 'none', NEW.area_code)
    ON CONFLICT (person_id) DO UPDATE SET area_code = excluded.area_code;
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER persons_area_to_risk AFTER UPDATE OF area_code ON persons
  FOR EACH ROW WHEN (OLD.area_code IS DISTINCT FROM NEW.area_code) EXECUTE FUNCTION person_risk_follow_person();
CREATE TRIGGER persons_delete_risk AFTER DELETE ON persons
  FOR EACH ROW EXECUTE FUNCTION person_risk_follow_person();
