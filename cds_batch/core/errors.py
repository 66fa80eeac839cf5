"""The one exception family of cds_batch, kept for 'cannot continue' (bad input is a Finding)."""
from __future__ import annotations


class CdsBatchError(Exception):
    """A condition the tool cannot continue from; the message is Vietnamese and user-facing."""


class RubricError(CdsBatchError):
    """A rubric file that cannot be used; carries every finding that made it unusable."""

    def __init__(self, message: str, findings: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.findings = findings
