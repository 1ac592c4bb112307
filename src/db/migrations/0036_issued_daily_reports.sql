-- The daily report as issued (每日通报): at each Beijing day's close a job computes the report of the day that
-- ended, for the whole installation and for each district, and keeps it here unchanged. A past day's report then
-- carries that day's resources (rooms, beds, emergencies waiting, supplies late: states the database keeps only as
-- of now) instead of today's, and what was published can be shown again as it was.
-- scope_prefix: the jurisdiction's area-code prefix ('' = the whole installation), as the report's scope.
CREATE TABLE issued_daily_reports (
  day date NOT NULL,
  scope_prefix text COLLATE "C" NOT NULL,
  issued_at timestamptz NOT NULL,
  report json NOT NULL, -- json, not jsonb: kept as issued, to the order of its keys
  PRIMARY KEY (day, scope_prefix)
);
CREATE INDEX issued_daily_reports_scope ON issued_daily_reports (scope_prefix, day DESC);
