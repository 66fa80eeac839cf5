"""cds_batch: batch processing of the schools' digital-transformation self-assessment workbooks."""

__version__ = "0.1.0"
