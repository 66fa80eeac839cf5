"""What Windows does differently with files: outputs held open by another program, and long paths.

In: an OSError a rename or removal raised; a path the run is given.
Out: `held_open`, whether the system refused because another program has the file open (Excel keeps
a workbook it shows locked: Windows then refuses to replace or remove it, with error 32 "being used by
another process", 33 for a locked region, or 5 "access denied"); `OutputInUse`, the Vietnamese message
naming that file and saying to close it; `extended`, the path in the form Windows accepts beyond
MAX_PATH (260 characters), where needed.

One platform check (`is_windows`) decides every Windows-only branch, so the tests exercise both
branches on any system by replacing it. The refusal itself is recognised by its `winerror` on every
system: only Windows sets it, and a test sets it to simulate Excel.
"""
from __future__ import annotations

import ntpath
import os
import re
import sys
import time
from pathlib import Path
from typing import Callable

from cds_batch.core.errors import CdsBatchError

# ERROR_ACCESS_DENIED, ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION: what Windows answers a rename or
# removal of a file another program holds open without sharing it (Excel, Word, a viewer).
_HELD = (5, 32, 33)
# Seconds to wait before trying a refused rename again: an antivirus scanning a file just written, the
# search indexer or a sync client holds it for a moment, Excel until it is closed (0.75 s in all).
RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4)
MAX_PATH = 260
# Room kept for what is written inside a folder given: a template's name (at most 160 characters) as
# its temporary ('.<name>.<random>.tmp', 174); a run's staging folder ('.cds-run-<pid>-<random>', 27),
# 'phan-hoi' and a feedback file's temporary (88). A folder of up to 80 characters is left as typed.
ROOM = 180
# Windows refuses these as a file name, with any extension ("CON.xlsx", "com1.tar.gz"), and with spaces
# before the extension ("NUL .txt").
_DEVICE = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³]|CONIN\$|CONOUT\$) *(\..*)?", re.IGNORECASE)
_PREFIX = "\\\\?\\"
_UNC_PREFIX = "\\\\?\\UNC\\"


def is_windows() -> bool:
    """The one check of the platform for the Windows-only file behaviour (tests replace it)."""
    return sys.platform == "win32"


def device_name(name: str) -> bool:
    """Whether Windows takes the file name `name` for a device (CON, NUL, COM1… with any extension)."""
    return _DEVICE.fullmatch(name) is not None


def held_open(exc: BaseException) -> bool:
    """Whether `exc` is Windows refusing because another program holds the file open."""
    return isinstance(exc, PermissionError) and getattr(exc, "winerror", None) in _HELD


def patiently(action: Callable[[], None]) -> None:
    """`action()` (a rename or removal), tried again after each of RETRY_DELAYS while another program
    holds the file; the last refusal is raised."""
    for delay in RETRY_DELAYS:
        try:
            action()
            return
        except PermissionError as refused:
            if not held_open(refused):
                raise
        time.sleep(delay)
    action()


class OutputInUse(CdsBatchError):
    """An output the run must replace or remove is open in another program (Excel): nothing was changed.

    :param kept: what stayed as it was, said to the user after what to do.
    """

    def __init__(self, path: Path | str, kept: str = "kết quả lần trước vẫn giữ nguyên") -> None:
        self.path = Path(path)
        super().__init__(f"Tệp '{shown(self.path)}' đang được mở trong chương trình khác (Excel?) nên không ghi đè "
                         f"được. Hãy đóng tệp này rồi chạy lại; {kept}.")


def extended(path: Path, room: int = ROOM) -> Path:
    """`path` in the form Windows accepts beyond MAX_PATH ('\\\\?\\C:\\…', '\\\\?\\UNC\\server\\…') when on
    Windows its absolute form plus `room` characters would reach MAX_PATH; `path` itself otherwise.

    Python on Windows opens long paths only when the registry allows it (LongPathsEnabled, off by
    default); the prefix works without it. Short paths are left alone so the messages show them as typed.
    """
    if not is_windows():
        return path
    text = str(path)
    if text.startswith(_PREFIX):
        return path
    full = ntpath.normpath(text if ntpath.isabs(text) else os.path.abspath(text))
    if len(full) + room < MAX_PATH:
        return path
    if full.startswith("\\\\"):   # a network share: \\server\share\… → \\?\UNC\server\share\…
        return Path(_UNC_PREFIX + full[2:])
    return Path(_PREFIX + full)


def shown(path: Path | str) -> str:
    """`path` as a user would type it: without the extended-length prefix `extended` added."""
    text = str(path)
    if text.startswith(_UNC_PREFIX):
        return "\\\\" + text[len(_UNC_PREFIX):]
    return text[len(_PREFIX):] if text.startswith(_PREFIX) else text
