"""Stage: a reading → identified, validated and scored submission (pure, no I/O but the examine entry)."""
