"""Stage: submissions of one round → one row per school (pool, interning, cache, consolidation, recognition, limits)."""
