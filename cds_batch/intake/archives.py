"""Discover stage, part three: .7z and .rar on any PC, with no C library to install.

In: the path of a .7z or .rar already sniffed. Out: its members as `containers.Member` records, like
`zip_members`. A .7z is always read by py7zr (pure Python with wheels for every platform: one way
everywhere). A .rar is read by libarchive where its library loads (`containers.load_libarchive`);
else by an archive program the PC has, streamed from its standard output so that the program writes
nothing to disk (no member name can escape, and discover applies its size limits block by block as
for zip): 7-Zip (`7z`, `7zz`, `7za` on PATH, or its default folder on Windows) and bsdtar (Windows
10 and 11 ship it as tar.exe; `bsdtar`, or a `tar` that says it is bsdtar; GNU tar reads no RAR).
The first program that opens the archive is used; with none, the reason says what to install.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Callable, Iterator


from cds_batch.core.commit import scratch_folder
from cds_batch.core.findings import Code, Reason, reason
from cds_batch.core.library_text import explain
from cds_batch.core.windows import is_windows
from cds_batch.intake import containers
from cds_batch.intake.containers import VIETNAM, ContainerError, FileKind, Member, archive_reason, nfc

_CHUNK = 1 << 16
# An archive program that has not finished within this time is stopped; the archive is unreadable.
PROGRAM_SECONDS = 120
_NO_WINDOW = getattr(subprocess, "CREATE_NO_WINDOW", 0)   # no console flashing up on Windows
_RAR5 = b"Rar!\x1a\x07\x01"


# .7z ------------------------------------------------------------------------------------------

def seven_zip_members(path: Path, budget: int) -> Iterator[Member]:
    """Members of a .7z through py7zr: extracted once into a private scratch folder (py7zr writes, it
    cannot be read member by member), at most `budget` bytes, then handed on from there."""
    from cds_batch.intake import seven_zip   # py7zr loads only when a .7z comes in (about 5 MB a process)

    with scratch_folder("archive") as folder:   # lowercase letters: a killed run's is removed
        yield from seven_zip.extract(path, budget, folder)


# .rar -----------------------------------------------------------------------------------------

def rar_members(path: Path) -> Iterator[Member]:
    """Members of a .rar: libarchive where it loads, else the first archive program that opens it."""
    if containers.load_libarchive() is not None:
        yield from containers.libarchive_members(path, FileKind.RAR)
        return
    programs = archive_programs()
    if not programs:
        raise ContainerError(reason(Code.L215, ext=".rar"))
    failure = reason(Code.L215, ext=".rar")
    for program in programs:
        opened = False
        try:
            for member in program.members(path):
                opened = True
                yield member
            return
        except _CannotOpen as exc:
            if opened or exc.reason.code is Code.L216:
                raise ContainerError(exc.reason) from exc
            failure = exc.reason   # this program does not read it (7-Zip without RAR, an old tar.exe)
    raise ContainerError(failure)


@dataclass(frozen=True)
class Program:
    """An archive program found on this PC: `kind` is "7z" or "bsdtar"."""

    kind: str
    path: str

    def members(self, path: Path) -> Iterator[Member]:
        return _seven_zip_program(self.path, path) if self.kind == "7z" else _bsdtar(self.path, path)


def archive_programs() -> list[Program]:
    """The archive programs that read RAR, in the order they are tried: 7-Zip, then bsdtar."""
    found: list[Program] = []
    candidates = [("7z", shutil.which(name)) for name in ("7z", "7zz", "7za")]
    if is_windows():
        for root in ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)"):
            candidates.append(("7z", str(Path(os.environ.get(root, "C:\\Program Files"), "7-Zip", "7z.exe"))))
    candidates.append(("bsdtar", shutil.which("bsdtar")))
    tar = shutil.which("tar")
    if tar and _is_bsdtar(tar):
        candidates.append(("bsdtar", tar))
    seen: set[str] = set()
    for kind, where in candidates:
        if where and Path(where).is_file() and os.path.realpath(where) not in seen:
            seen.add(os.path.realpath(where))
            found.append(Program(kind, where))
    return found


def _is_bsdtar(tar: str) -> bool:
    try:
        said = subprocess.run([tar, "--version"], capture_output=True, timeout=20, stdin=subprocess.DEVNULL,
                              creationflags=_NO_WINDOW, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(re.search(rb"bsdtar|libarchive", said))


class _CannotOpen(Exception):
    def __init__(self, said: Reason) -> None:
        super().__init__(said.text)
        self.reason = said


def _environment() -> dict[str, str]:
    """UTF-8 console text for the programs (member names are Vietnamese)."""
    return dict(os.environ) if is_windows() else {**os.environ, "LC_ALL": "C.UTF-8"}


def _failed(errors: IO[bytes]) -> _CannotOpen:
    errors.seek(0)
    text = errors.read(1 << 16).decode("utf-8", "replace")
    return _CannotOpen(archive_reason(".rar", RuntimeError(text)))


def _timed_out() -> _CannotOpen:
    return _CannotOpen(reason(Code.L217, ext=".rar",
                              detail=f"chương trình giải nén chưa xong sau {PROGRAM_SECONDS} giây"))


def _rar_time(stamp: float, rar4: bool) -> datetime:
    """RAR 4 keeps the DOS local time of the sender's PC, which the programs read as this PC's."""
    if rar4:
        return datetime.fromtimestamp(stamp).replace(tzinfo=VIETNAM)
    return datetime.fromtimestamp(stamp, timezone.utc)


def _is_rar4(path: Path) -> bool:
    with path.open("rb") as f:
        return not f.read(8).startswith(_RAR5)


def _bsdtar(program: str, path: Path) -> Iterator[Member]:
    """bsdtar turns the .rar into a pax stream on its standard output, read here with tarfile. The
    archive comes through a pipe, which cannot seek, so that only the RAR reader bids (on a file, a
    zip stored in the rar would be listed instead, as `libarchive_members` notes)."""
    rar4 = _is_rar4(path)
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen([program, "-c", "-f", "-", "--format", "pax", "@-"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=errors, env=_environment(),
                                   creationflags=_NO_WINDOW)
        threading.Thread(target=_feed, args=(path, process.stdin), daemon=True).start()
        stopped = threading.Event()

        def stop() -> None:
            stopped.set()
            process.kill()

        watchdog = threading.Timer(PROGRAM_SECONDS, stop)
        watchdog.start()
        assert process.stdout is not None
        try:
            try:
                stream = tarfile.open(fileobj=process.stdout, mode="r|")
            except tarfile.TarError:
                stream = None
            if stream is not None:
                with stream:
                    for info in stream:
                        if info.isdir():
                            continue
                        label = nfc(info.name).replace("\\", "/")
                        mtime = _rar_time(float(info.mtime), rar4)
                        if not info.isfile():
                            yield Member(label, lambda: (), info.size, problem="rejected", mtime=mtime,
                                         reason=reason(Code.L213))
                        else:
                            yield Member(label, _tar_reader(stream, info), info.size, None, mtime)
        except (tarfile.TarError, OSError) as exc:
            if stopped.is_set():
                raise _timed_out() from exc
            raise _CannotOpen(reason(Code.L217, ext=".rar", detail=explain(exc))) from exc
        finally:
            watchdog.cancel()
            if process.poll() is None:
                process.kill()
            process.wait()
        if stopped.is_set():
            raise _timed_out()
        if process.returncode != 0:
            raise _failed(errors)


def _feed(path: Path, pipe: IO[bytes] | None) -> None:
    """Copy the archive into the program's standard input; it may stop reading early (an error)."""
    assert pipe is not None
    try:
        with path.open("rb") as source, pipe:
            shutil.copyfileobj(source, pipe, _CHUNK)
    except OSError:
        pass


def _tar_reader(stream: tarfile.TarFile, info: tarfile.TarInfo) -> Callable[[], Iterator[bytes]]:
    def chunks() -> Iterator[bytes]:
        member = stream.extractfile(info)
        if member is None:
            return
        while block := member.read(_CHUNK):
            yield block

    return chunks


def _seven_zip_program(program: str, path: Path, kind: str = "") -> Iterator[Member]:
    """7-Zip lists the archive (`l -slt`), then writes each member to its standard output (`x -so`).

    :param kind: 7-Zip's type for `-t`; by default "rar" or "rar5" as the signature says.
    """
    rar4 = _is_rar4(path)
    kind = kind or ("rar" if rar4 else "rar5")
    common = ["-sccUTF-8", f"-t{kind}", "-y", "-p-"]   # a wrong password rather than a prompt
    with tempfile.TemporaryFile() as errors:
        try:
            listing = subprocess.run([program, "l", "-slt", *common, "--", str(path)], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=errors, timeout=PROGRAM_SECONDS,
                                     env=_environment(), creationflags=_NO_WINDOW, check=False)
        except subprocess.TimeoutExpired as exc:
            raise _timed_out() from exc
        if listing.returncode != 0:
            raise _failed(_with(errors, listing.stdout))
    for item in _listed(listing.stdout.decode("utf-8", "replace")):
        if item.get("Folder") == "+" or item.get("Attributes", "").startswith("D"):
            continue
        name = item.get("Path", "")
        label = nfc(name).replace("\\", "/")
        size = int(item.get("Size") or 0)
        mtime = _listed_time(item.get("Modified", ""), rar4 and kind == "rar")
        if re.search(r"(?:^|\s)l[-rwxsStT]{9}", item.get("Attributes", "")):
            yield Member(label, lambda: (), size, problem="rejected", mtime=mtime, reason=reason(Code.L213))
        elif item.get("Encrypted") == "+":
            yield Member(label, lambda: (), size, problem="unreadable", mtime=mtime, reason=reason(Code.L214))
        else:
            command = [program, "x", "-so", "-spd", *common, "--", str(path), name]
            yield Member(label, _program_reader(command), size, None, mtime)


def _with(errors: IO[bytes], out: bytes) -> IO[bytes]:
    """7-Zip writes some errors to standard output: both, for `_failed`."""
    errors.seek(0, os.SEEK_END)
    errors.write(out)
    return errors


def _listed(text: str) -> Iterator[dict[str, str]]:
    """The member blocks of `7z l -slt` (after the line of dashes that ends the archive's own block)."""
    _, _, members = text.partition("\n----------")
    for block in re.split(r"\r?\n\s*\r?\n", members):
        fields = dict(line.split(" = ", 1) for line in block.splitlines() if " = " in line)
        if "Path" in fields:
            yield fields


def _listed_time(text: str, rar4: bool) -> datetime | None:
    """7-Zip shows times in this PC's local time; a RAR 4 time is the sender's clock as it was."""
    try:
        shown = datetime.strptime(text.strip()[:19], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return shown.replace(tzinfo=VIETNAM) if rar4 else shown.astimezone()


def _program_reader(command: list[str]) -> Callable[[], Iterator[bytes]]:
    def chunks() -> Iterator[bytes]:
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors,
                                       env=_environment(), creationflags=_NO_WINDOW)
            watchdog = threading.Timer(PROGRAM_SECONDS, process.kill)
            watchdog.start()
            assert process.stdout is not None
            try:
                while block := process.stdout.read(_CHUNK):
                    yield block
            finally:   # also when discover stops reading at a limit
                watchdog.cancel()
                if process.poll() is None:
                    process.kill()
                process.wait()
                process.stdout.close()
            if process.returncode != 0:
                errors.seek(0)
                raise RuntimeError(errors.read(1 << 16).decode("utf-8", "replace"))

    return chunks
