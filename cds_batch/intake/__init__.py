"""Stage: inbox folders, archives and mail → ledger entries, one per input file or member."""
