-- Stays in scope by their own row (bench/lists.ts). A stay belongs to the jurisdiction of its person's area OR of its
-- site's area (src/modules/isolation/stay-scope.ts). Filtering on the joined person made a community's list walk
-- every open stay of the city (one person lookup each), and the other way round made a district's list hash every
-- person of the district. The two areas are now kept on the stay itself, set from the person and the site on every
-- insert (and when either changes area), so each list is two index ranges whatever the scope's size.
ALTER TABLE placements ADD COLUMN person_area text, ADD COLUMN site_area text;
UPDATE placements pl SET person_area = p.area_code FROM persons p WHERE p.id = pl.person_id;
UPDATE placements pl SET site_area = s.area_code FROM sites s WHERE s.id = pl.site_id;
ALTER TABLE placements ALTER COLUMN person_area SET NOT NULL, ALTER COLUMN site_area SET NOT NULL;

CREATE FUNCTION placements_set_areas() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT area_code INTO NEW.person_area FROM persons WHERE id = NEW.person_id;
  SELECT area_code INTO NEW.site_area FROM sites WHERE id = NEW.site_id;
  RETURN NEW;
END;
$$;
CREATE TRIGGER placements_areas BEFORE INSERT OR UPDATE OF person_id, site_id, person_area, site_area ON placements
  FOR EACH ROW EXECUTE FUNCTION placements_set_areas();

CREATE FUNCTION persons_area_to_placements() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE placements SET person_area = NEW.area_code WHERE person_id = NEW.id;
  RETURN NULL;
END;
$$;
CREATE TRIGGER persons_area_moved AFTER UPDATE OF area_code ON persons
  FOR EACH ROW WHEN (OLD.area_code IS DISTINCT FROM NEW.area_code) EXECUTE FUNCTION persons_area_to_placements();

CREATE FUNCTION sites_area_to_placements() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE placements SET site_area = NEW.area_code WHERE site_id = NEW.id;
  RETURN NULL;
END;
$$;
CREATE TRIGGER sites_area_moved AFTER UPDATE OF area_code ON sites
  FOR EACH ROW WHEN (OLD.area_code IS DISTINCT FROM NEW.area_code) EXECUTE FUNCTION sites_area_to_placements();

CREATE INDEX placements_open_person_area ON placements (person_area, id) WHERE status IN ('placed', 'arrived');
CREATE INDEX placements_open_site_area ON placements (site_area, id) WHERE status IN ('placed', 'arrived');
