-- Lists at city scale (bench/lists.ts). A jurisdiction is a range of area codes, so lists of people page through
-- them in (area_code, id) order: one index walk per page wherever the scope's people sit in the table. This
-- replaces the index on area_code alone (a prefix of the new one). The people at risk (a few per cent) get their
-- own partial index in the same order, so a filter on risk status pages as fast.
CREATE INDEX persons_area_id ON persons (area_code, id);
DROP INDEX persons_area;
CREATE INDEX persons_risk_area_id ON persons (risk_status, area_code, id) WHERE risk_status <> 'none';
DROP INDEX persons_risk;
