"""`python -m cds_batch` runs the same CLI as the `cds-batch` console script."""
from cds_batch.cli import main

main()
