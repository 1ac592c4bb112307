-- A household whose last member moves to another household (a person import with a new household key) is
-- closed, not deleted: its id, area, key and address stay valid for whatever named it, and it opens again when
-- someone moves (back) in under the same key. Every count and list of households is of open ones (closed_at IS
-- NULL), which are exactly the households with at least one person (registry/import/import-persons.ts).
ALTER TABLE households ADD COLUMN closed_at timestamptz;

-- Households emptied by moves before this migration: closed now (the time of the move was not recorded).
UPDATE households h SET closed_at = now()
 WHERE NOT EXISTS (SELECT 1 FROM persons p WHERE p.household_id = h.id);

-- The closed households are few: the reopen check after every import batch reads only them.
CREATE INDEX households_closed ON households (id) WHERE closed_at IS NOT NULL;
