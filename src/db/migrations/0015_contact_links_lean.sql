-- Contact links are derived data: written only by the tracing worker (traceCases) from cases and persons it reads
-- in the same transaction, and neither cases nor persons are ever deleted (retention anonymises persons in place).
-- Their three foreign-key checks cost about a third of writing a link (hundreds of thousands a day at peak), so
-- they go; the uniqueness of a link per reason stays.
ALTER TABLE contact_links DROP CONSTRAINT contact_links_person_id_fkey;
ALTER TABLE contact_links DROP CONSTRAINT contact_links_case_id_fkey;
ALTER TABLE contact_links DROP CONSTRAINT contact_links_via_person_id_fkey;

-- The tracing searches answer from the indexes alone (index-only scans): who else checked in at a venue around a
-- time, who else stayed in a cell — without reading the feed tables' rows.
DROP INDEX checkins_venue_at;
CREATE INDEX checkins_venue_at ON checkins (venue_id, at) INCLUDE (person_id);
DROP INDEX colocations_cell;
CREATE INDEX colocations_cell ON colocations (cell_id, starts_at) INCLUDE (ends_at, person_id);
