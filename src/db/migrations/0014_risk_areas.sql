-- The June-2022 rule set (9th edition of the protocol): high / medium / low risk areas (高/中/低风险区), beside the
-- March-2022 lockdown / control / prevention zones. Same table, same history; the level says which rule set.
ALTER TABLE zones DROP CONSTRAINT zones_level_check;
ALTER TABLE zones ADD CONSTRAINT zones_level_check
  CHECK (level IN ('lockdown', 'control', 'prevention', 'high', 'medium', 'low'));
