-- The dashboard's pre-aggregated figures (指挥大屏): refreshed by a background job, read by every screen.
-- area_code '' is the whole database; every other row is an area (any level) and its subtree.
CREATE TABLE dashboard_figures (
  area_code text COLLATE "C" PRIMARY KEY,
  figures jsonb NOT NULL
);
-- Daily series (Beijing calendar days) per area and its subtree, for the last days kept by the refresh.
CREATE TABLE dashboard_series (
  area_code text COLLATE "C" NOT NULL,
  day date NOT NULL,
  figures jsonb NOT NULL,
  PRIMARY KEY (area_code, day)
);
CREATE TABLE dashboard_snapshot (
  id smallint PRIMARY KEY CHECK (id = 1),
  version bigint NOT NULL DEFAULT 1, -- one more at every refresh: what readers compare
  computed_at timestamptz NOT NULL,
  took_ms integer NOT NULL
);
