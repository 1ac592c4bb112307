-- A task's person and area are no longer foreign keys. A positive pool's follow-up writes a re-test task per
-- member in one statement (90,395 at 9M people with 1 % positive pools), and PostgreSQL checks a foreign key row
-- by row: 1.9 s for the person (each check also locks the person's row) and 0.5 s for the area, a quarter of the
-- follow-up's 9.7 s. Every writer of tasks takes the person and the area from rows it has just read (a scan, a
-- stay, a placement, a loop's worker), people and areas are never deleted (a person leaving the registry is
-- purged: anonymised in place), and scans, the largest table naming people, dropped the same key when they were
-- partitioned (0035). The indexes stay.
ALTER TABLE tasks DROP CONSTRAINT tasks_person_id_fkey;
ALTER TABLE tasks DROP CONSTRAINT tasks_area_code_fkey;
