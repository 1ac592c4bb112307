-- The daily report counts the day's scans (people sampled) and the tubes resulted that day. Without an index on
-- those times each count read its whole table: after ten city-wide rounds at 1M people, 3.3 GB of scans (1.6-2.9 s)
-- and 0.6 GB of tubes (1 s, twice). Rows come in time order (scans are appended as they are taken, a tube's result
-- row version is written as the result comes), so a BRIN index (a few pages, nearly free to keep up) lets a day's
-- count read only that day's blocks. Ranges are summarised by autovacuum as they fill; a range not yet summarised
-- is always read, so the answer never depends on it.
CREATE INDEX scans_scanned_brin ON scans USING brin (scanned_at) WITH (pages_per_range = 32, autosummarize = on);
CREATE INDEX tubes_resulted_brin ON tubes USING brin (resulted_at) WITH (pages_per_range = 32, autosummarize = on);
