-- Reasons as phrases (src/domain/phrase.ts): a code plus parameters beside the English text, so every screen
-- renders the reason in its own language. Rows written before this migration keep their English text only.
ALTER TABLE placements ADD COLUMN reason_phrase jsonb;
ALTER TABLE trips ADD COLUMN reason_phrase jsonb;
