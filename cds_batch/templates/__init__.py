"""Stage: rubric + roster → the workbooks schools fill (XlsxWriter)."""
