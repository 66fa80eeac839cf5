"""Windows' refusals, simulated on any system: a file held open by Excel, as `os.replace` and `os.unlink` meet it."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from cds_batch.core import windows
from cds_batch.core.atomic import STAGING_PREFIX
from cds_batch.core.commit import JOURNAL

# What Windows says when another process holds the file (ERROR_SHARING_VIOLATION), as Python raises it there.
SHARING_VIOLATION = "The process cannot access the file because it is being used by another process"


def refusal(path: Path | str, winerror: int = 32) -> PermissionError:
    """The PermissionError Python raises on Windows for a file another program holds open."""
    exc = PermissionError(13, SHARING_VIOLATION, str(path))
    exc.winerror = winerror   # type: ignore[attr-defined]   # set by Python on Windows only
    return exc


def excel_holds(monkeypatch: pytest.MonkeyPatch, held: Path, *, after_check: bool = False,
                winerror: int = 32, times: int | None = None) -> list[str]:
    """From now on `held` is open in Excel on Windows: renaming it, renaming onto it or removing it raises
    `refusal`. With `after_check`, renaming it onto itself (what the commit's check does) still works:
    Excel opened it between the check and the commit. With `times`, only that many calls are refused (an
    antivirus scanning the file for a moment). The tries again (`windows.patiently`) do not wait here.
    The list of refused calls, growing."""
    real_replace, real_unlink = os.replace, os.unlink
    monkeypatch.setattr(windows, "RETRY_DELAYS", (0.0,) * len(windows.RETRY_DELAYS))
    target = os.path.abspath(held)
    refused: list[str] = []

    def is_held(path: object) -> bool:
        return os.path.abspath(os.fspath(path)) == target   # type: ignore[arg-type]

    def still() -> bool:
        return times is None or len(refused) < times

    def replace(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
        if (is_held(src) or is_held(dst)) and not (after_check and is_held(src) and is_held(dst)) and still():
            refused.append(f"replace {src} {dst}")
            raise refusal(held, winerror)
        return real_replace(src, dst, *args, **kwargs)

    def unlink(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if is_held(path) and still():
            refused.append(f"unlink {path}")
            raise refusal(held, winerror)
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "unlink", unlink)
    return refused


def snapshot(folder: Path) -> dict[str, str]:
    """SHA-256 of every output under `folder` by its relative path (not the run's cache, whose name starts
    with a dot: it records what was read, not what was written)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")}


def no_commit_left(out: Path) -> bool:
    """No journal and no staging folder in `out`: nothing half committed, nothing to clean."""
    return not (out / JOURNAL).exists() and not any(p.name.startswith(STAGING_PREFIX) for p in out.iterdir())
