-- A zone's lifting check counts the tubes of its area opened in the last two days (command/zones.ts). Without an
-- index on the area and the time, that walked every tube the area ever had (tubes_round_area leads with the round):
-- 33 ms per zone at 1M people after 30 rounds, for each of ~200 active zones, growing with every round.
CREATE INDEX tubes_area_opened ON tubes (area_code, opened_at);
