"""A command as a line to paste into a terminal, each argument reaching the program exactly as given.

In: the program and its arguments (a round's `cds-batch run`, `workspace.Round.command`).
Out: a line for bash/zsh (macOS, Linux: `shlex.join`) and one for Windows PowerShell.

Why PowerShell on Windows, not cmd.exe: cmd has no quoting that keeps every text as it is. It expands
%NAME% even inside double quotes, and on the interactive command line a % cannot be escaped (only
broken up, as %^NAME%, which counts on no variable being named so); with delayed expansion turned on
(a registry setting) ! needs escaping that breaks the line when it is off; a quote inside an argument
turns cmd's own quote state over, so what follows it (& | < > ^) is read as cmd syntax; a newline
cannot be passed at all. A round named `Đợt 1 "bổ sung & nộp lại` ran a second command that way.

PowerShell's single-quoted string keeps every character as text (newlines too); only a single quote
is written twice, and PowerShell takes the typographic ones (‘ ’ ‚ ‛) for single quotes as well. But
handing arguments to a program with `& program 'arg' …` is not faithful on Windows PowerShell 5.1, the
one every Windows 10/11 has: it does not escape a double quote inside an argument and drops empty
ones (fixed only in PowerShell 7.3). So the line gives the program's whole command line as ONE
single-quoted string to `Start-Process -ArgumentList`, which every version passes on unchanged, and
builds that command line with the quoting the C runtime (Python on Windows) reads back into argv.
-NoNewWindow -Wait keep the run in the same window, as if typed there.
"""
from __future__ import annotations

import re
import shlex
from collections.abc import Sequence

POWERSHELL_QUOTES = "'\u2018\u2019\u201a\u201b"   # what PowerShell's tokenizer takes for a single quote
_PLAIN = re.compile(r"[A-Za-z0-9_\-.,:/\\=+@]+")     # an argument the C runtime reads as it is, unquoted


def posix_line(program: str, args: Sequence[str]) -> str:
    """The line for bash or zsh."""
    return shlex.join([program, *args])


def powershell_line(program: str, args: Sequence[str]) -> str:
    """The line for Windows PowerShell (5.1 and 7): `program` run with exactly `args`."""
    command_line = " ".join(windows_argument(a) for a in args)
    return (f"Start-Process -FilePath {powershell_text(program)} -ArgumentList {powershell_text(command_line)} "
            "-NoNewWindow -Wait")


def powershell_text(text: str) -> str:
    """`text` as a PowerShell single-quoted string: nothing in it is expanded or run."""
    return "'" + re.sub(f"([{POWERSHELL_QUOTES}])", r"\1\1", text) + "'"


def windows_argument(arg: str) -> str:
    """`arg` as the C runtime's argv parser reads it back (Python's on Windows, CommandLineToArgvW): in
    double quotes, a quote inside written \\", and the backslashes before a quote (or before the closing
    quote) doubled; other backslashes, as in a path, stay single."""
    if _PLAIN.fullmatch(arg):
        return arg
    written, backslashes = [], 0
    for c in arg:
        if c == "\\":
            backslashes += 1
            continue
        written.append("\\" * (backslashes * 2 + 1) + '"' if c == '"' else "\\" * backslashes + c)
        backslashes = 0
    return '"' + "".join(written) + "\\" * (backslashes * 2) + '"'
