"""Zips to download: the templates of a round, the feedback files of a run.

In: the files to pack and the zip to write. Out: the zip, written atomically and made again only when
a file in it changed, was added or was removed since (so a download after a new run is never stale,
and repeated downloads cost nothing). Workbooks are already compressed: they are stored, not deflated.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Sequence

from cds_batch.core.atomic import atomic_path


def zip_files(files: Sequence[Path], target: Path) -> Path:
    """`target` holding `files` under their base names, in the order given."""
    if _fresh(files, target):
        return target
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as z:
        for f in files:
            z.write(f, f.name)
    return target


def _fresh(files: Sequence[Path], target: Path) -> bool:
    try:
        made = target.stat().st_mtime_ns
        with zipfile.ZipFile(target) as z:
            names = z.namelist()
    except (OSError, zipfile.BadZipFile):
        return False
    return names == [f.name for f in files] and all(f.stat().st_mtime_ns < made for f in files)
