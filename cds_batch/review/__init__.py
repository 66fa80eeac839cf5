"""Stage: the external review workbook the office's evaluators fill: written and read back."""
