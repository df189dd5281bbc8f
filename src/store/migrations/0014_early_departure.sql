-- 0014: 发车 before the scheduled time (issue 13): the station must confirm it and say why, and the
-- reason stays with the departure (NULL for a departure on time).
ALTER TABLE run_operations ADD COLUMN departed_early_reason TEXT
  CHECK (departed_early_reason IS NULL OR length(departed_early_reason) BETWEEN 1 AND 800);
