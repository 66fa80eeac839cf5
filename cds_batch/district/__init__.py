"""Stage: submissions of one round → one row per school (pool, cache, consolidation, rounds, recognition, limits)."""
