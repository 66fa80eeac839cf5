"""What a user is told when a job cannot run or fails inside: shared by the command line and the web page.

In: the exception that stopped a job; for an internal error, the command it was (as typed, or the
command line the page's job stands for) and the folders where its log may go.
Out: a Vietnamese message naming the path and the reason; the log file (version, time, command,
traceback) written to the first folder that takes it, else the system temporary folder; what a job
stopped by the user (Ctrl+C, SIGTERM) or killed left in its output folder.
"""
from __future__ import annotations

import os
import platform
import shlex
import tempfile
import traceback
from datetime import datetime
from pathlib import Path
from typing import Sequence

from cds_batch import __version__
from cds_batch.core.errors import CdsBatchError
from cds_batch.core.library_text import OS_REASONS
from cds_batch.core.windows import shown

LOG_NAME = "cds-batch-loi.log"


def cannot_run_message(exc: Exception) -> str:
    """The Vietnamese message for a job that could not start or finish (missing input, output not writable)."""
    if not isinstance(exc, OSError) or isinstance(exc, CdsBatchError):
        return f"Không thể chạy: {exc}"
    reason = os_reason(exc)
    where = f" '{shown(exc.filename)}'" if exc.filename else ""
    return f"Không thể chạy: không đọc hoặc ghi được{where} ({reason})."


def write_crash_log(args: Sequence[str], folders: Sequence[Path | None]) -> Path | None:
    """Append the traceback being handled, the command (`cds-batch` + `args`) and the version to LOG_NAME
    in the first of `folders` that exists or can be made, else in the system's temporary folder; its
    path, or None when no folder took it."""
    text = (f"cds-batch {__version__}; Python {platform.python_version()}; {platform.platform()}\n"
            f"Thời điểm: {datetime.now().astimezone():%Y-%m-%d %H:%M:%S %z}\n"
            f"Lệnh: {shlex.join(['cds-batch', *args])}\n\n{traceback.format_exc()}")
    for folder in (*folders, Path(tempfile.gettempdir())):
        if folder is None:
            continue
        try:
            folder.mkdir(parents=True, exist_ok=True)
            log = folder / LOG_NAME
            # Appended, never replaced: a later error must not erase the one the user is asked to send.
            with log.open("a", encoding="utf-8", errors="backslashreplace") as f:
                f.write(("\n" + "=" * 40 + "\n" if f.tell() else "") + text)
            return Path(os.path.abspath(log))
        except OSError:
            continue
    return None


def os_reason(exc: OSError) -> str:
    """Why the system refused, in Vietnamese ('ổ đĩa đã đầy'); the system's own words when not known."""
    return OS_REASONS.get(exc.errno or 0, exc.strerror or str(exc))


def internal_error_message(bug: BaseException, log: Path | None) -> str:
    """'Lỗi nội bộ của cds-batch (TypeError). …' naming the log the details went to."""
    where = (f"Chi tiết kỹ thuật đã ghi vào tệp {log}; hãy gửi tệp này cho người hỗ trợ." if log is not None else
             "Không ghi được tệp nhật ký lỗi; hãy chạy lại với --debug và gửi kết quả cho người hỗ trợ.")
    return f"Lỗi nội bộ của cds-batch ({type(bug).__name__}). {where}"


def stopped_message(out: Path | None, *, commits: bool, committed: bool) -> str:
    """What a job stopped by the user (Ctrl+C, SIGTERM) left in its output folder `out`.

    :param commits: the job commits its outputs together (`core.commit`: a district run, a province
        roll-up); otherwise each file it finished writing is complete and stays.
    :param committed: the stop came while the outputs were being moved into place, which finished first.
    """
    where = f" '{out}'" if out is not None else ""
    if committed:
        return f"Đã dừng theo yêu cầu, sau khi kết quả của lần chạy này đã ghi xong đầy đủ vào thư mục{where}."
    if commits:
        return (f"Đã dừng theo yêu cầu trước khi ghi xong: không tệp nào trong thư mục kết quả{where} bị thay đổi, "
                "kết quả đầy đủ của lần chạy trước (nếu có) vẫn nguyên vẹn. Hãy chạy lại lệnh khi sẵn sàng.")
    return ("Đã dừng theo yêu cầu: các tệp đã ghi xong vẫn còn nguyên, không có tệp nào ghi dở. "
            "Hãy chạy lại lệnh để ghi đủ.")


def killed_run_message(started: datetime) -> str:
    # `started`: the last time the killed run wrote
    """A run that was killed while writing (the machine went off, the program was closed): the page's notice."""
    return (f"Lần tổng hợp lúc {started:%H:%M ngày %d/%m/%Y} đã bị dừng giữa chừng (máy tắt hoặc chương "
            "trình bị đóng) nên không ghi kết quả nào. Kết quả bên dưới (nếu có) là của lần tổng hợp đầy đủ trước "
            "đó; hãy bấm “Tổng hợp đợt này” để chạy lại.")
