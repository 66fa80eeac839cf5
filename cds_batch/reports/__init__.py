"""Stage: a consolidated district → the files written to the output folder, and their contract."""
