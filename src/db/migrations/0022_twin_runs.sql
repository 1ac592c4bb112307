-- 推演: a simulation asked for in the web app, run in the background (one at a time), kept with its parameters
-- so runs can be compared later. `result` holds the per-day bands and the summary per strategy (no personal data:
-- the simulated city is generated).
CREATE TABLE twin_runs (
  id bigserial PRIMARY KEY,
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  params jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  progress real NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
  started_at timestamptz,
  finished_at timestamptz,
  result jsonb,
  error text
);
CREATE INDEX twin_runs_open ON twin_runs (id) WHERE status IN ('queued', 'running');
