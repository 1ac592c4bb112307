-- Placement runs (安置): every run of the placement engine over a jurisdiction's backlog, whoever asked — a
-- dispatcher's "place now" or the auto-placement job — with what it did; and the jurisdictions whose backlog the
-- job places on its own every few minutes (自动安置), so people found at night are not left waiting for a click.
CREATE TABLE auto_placement (
  scope_prefix text COLLATE "C" PRIMARY KEY,
  edition text NOT NULL CHECK (edition IN ('8th', '9th')),
  enabled_by text NOT NULL,
  enabled_at timestamptz NOT NULL,
  last_run_at timestamptz,
  last_waiting integer
);

CREATE TABLE placement_runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  scope_prefix text COLLATE "C" NOT NULL,
  trigger text NOT NULL CHECK (trigger IN ('manual', 'auto')),
  actor text NOT NULL,
  edition text NOT NULL,
  started_at timestamptz NOT NULL,
  seconds real NOT NULL,
  placed integer NOT NULL,
  waiting integer NOT NULL,
  home_isolated integer NOT NULL,
  became_cases integer NOT NULL
);
CREATE INDEX placement_runs_started ON placement_runs (started_at DESC);
