"""Builders: files saved by real LibreOffice — re-saves in batches (`--convert-to`, one start for many
files), and the edits only an office suite makes (rows inserted, a save with a password, a reviewer's
typing, sorting and filtering) in one session driven over UNO.

In: source files and a target format (or UNO jobs). Out: the files LibreOffice wrote. Every start gets
its own profile folder, so starts can run side by side. LibreOffice stamps its own times into what it
writes, so these files are not byte-stable from run to run.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SOFFICE_TIMEOUT = 240
# --convert-to filters by target format ("lo-xlsx": an .xlsx saved by LibreOffice, in the benchmark corpus).
CONVERT_FILTERS = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "lo-xlsx": "xlsx:Calc MS Excel 2007 XML",
                   "xls": "xls:MS Excel 97", "ods": "ods", "pdf": "pdf"}
UNO_FILTERS = {"xlsx": "Calc MS Excel 2007 XML", "xls": "MS Excel 97", "ods": "calc8"}
# A profile setting that skips the thumbnail LibreOffice puts in every file (~30 % of an .ods save).
NO_THUMBNAIL = (
    '<?xml version="1.0" encoding="UTF-8"?><oor:items xmlns:oor="http://openoffice.org/2001/registry" '
    'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    '<item oor:path="/org.openoffice.Office.Common/Save/Document"><prop oor:name="GenerateThumbnail" '
    'oor:op="fuse"><value>false</value></prop></item></oor:items>')


def soffice_batch(sources: list[Path], fmt: str, outdir: Path, *, timeout: int = SOFFICE_TIMEOUT,
                  thumbnails: bool = True) -> dict[Path, Path]:
    """Let LibreOffice Calc (headless, private profile) save every file of `sources` as `fmt` into
    `outdir` in one start; return source → the file written."""
    ext = fmt.removeprefix("lo-")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cds_lo_profile_") as profile:
        if not thumbnails:
            user = Path(profile) / "user"
            user.mkdir()
            (user / "registrymodifications.xcu").write_text(NO_THUMBNAIL, encoding="utf-8")
        done = subprocess.run(["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                               "--norestore", "--convert-to", CONVERT_FILTERS[fmt], "--outdir", str(outdir),
                               *map(str, sources)], capture_output=True, text=True, timeout=timeout)
    saved = {s: outdir / f"{s.stem}.{ext}" for s in sources}
    missing = [str(t) for t in saved.values() if not t.is_file()]
    if missing:
        raise RuntimeError(f"LibreOffice did not write {len(missing)} files ({missing[:3]}): "
                           f"{done.stdout[-500:]} {done.stderr[-500:]}")
    return saved


def soffice_convert(source: Path, fmt: str, outdir: Path) -> Path:
    """`source` saved by headless LibreOffice Calc as 'xlsx', 'ods', 'xls' or 'pdf'; return the new file."""
    return soffice_batch([source], fmt, outdir)[source]


def resaved(data: bytes, name: str, fmt: str) -> bytes:
    """The workbook `data` (file name `name`) opened and saved as `fmt` by LibreOffice."""
    with tempfile.TemporaryDirectory(prefix="cds_lo_resave_") as tmp:
        source = Path(tmp) / name
        source.write_bytes(data)
        return soffice_batch([source], fmt, Path(tmp) / "out")[source].read_bytes()


# --- LibreOffice over UNO: the edits `--convert-to` cannot make -------------------------------------

# A script run by a Python that has LibreOffice's `uno` module (Debian: /usr/bin/python3 with python3-uno),
# made of UNO_HEAD, the caller's `edit_document(doc, job)` and UNO_SESSION. The session starts its own
# soffice with a private profile, opens each job's source, edits it, saves it as the job's target in the
# job's filter (with its password, if any), and shuts soffice down whatever happens.
UNO_HEAD = r"""
import json, os, shutil, signal, subprocess, sys, tempfile, time
import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def props(**values):
    out = []
    for name, value in values.items():
        p = PropertyValue()
        p.Name, p.Value = name, value
        out.append(p)
    return tuple(out)


def out_of_time(signum, frame):
    raise SystemExit("LibreOffice took too long")

"""
UNO_SESSION = r"""

spec = json.loads(sys.argv[1])
signal.signal(signal.SIGALRM, out_of_time)
signal.alarm(spec["seconds"])   # so that soffice is always stopped below, whatever hangs
profile = tempfile.mkdtemp(prefix="cds_lo_uno_")
pipe = "cds_uno_%d" % os.getpid()
# A session of its own: the `soffice` wrapper starts soffice.bin as a child, and both must go.
office = subprocess.Popen(["soffice", "-env:UserInstallation=" + uno.systemPathToFileUrl(profile), "--headless",
                           "--invisible", "--norestore", "--nologo", "--accept=pipe,name=%s;urp;" % pipe],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    while True:
        try:
            ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
            break
        except NoConnectException:
            if office.poll() is not None:
                sys.exit("soffice stopped with code %s before accepting a connection" % office.returncode)
            time.sleep(0.1)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    for job in spec["jobs"]:
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(job["source"]), "_blank", 0,
                                           props(Hidden=True))
        if doc is None:
            sys.exit("LibreOffice could not open %s" % job["source"])
        edit_document(doc, job)
        extra = {"Password": job["password"]} if job.get("password") else {}
        doc.storeToURL(uno.systemPathToFileUrl(job["target"]), props(FilterName=job["filter"], **extra))
        doc.close(True)
    try:
        desktop.terminate()
    except Exception:
        pass   # the bridge may close under the call
    office.wait()
finally:
    if office.poll() is None:
        os.killpg(office.pid, signal.SIGKILL)
        office.wait()
    shutil.rmtree(profile, ignore_errors=True)
"""


def uno_python() -> str:
    """A Python interpreter that can import LibreOffice's `uno` (CDS_UNO_PYTHON overrides the search)."""
    candidates = [os.environ.get("CDS_UNO_PYTHON", ""), "/usr/lib/libreoffice/program/python", "/usr/bin/python3",
                  shutil.which("python3") or ""]
    for candidate in filter(None, candidates):
        if Path(candidate).is_file() and subprocess.run([candidate, "-c", "import uno"],
                                                        capture_output=True).returncode == 0:
            return candidate
    raise RuntimeError("No Python with LibreOffice's 'uno' module found (Debian: apt-get install python3-uno); "
                       "set CDS_UNO_PYTHON to one.")


def run_uno(edit_document: str, jobs: list[dict[str, Any]]) -> None:
    """Apply every job (source, target, filter, password and what `edit_document` reads) in one session.

    :param edit_document: Python source defining `edit_document(doc, job)`, run inside the session.
    """
    spec = {"seconds": SOFFICE_TIMEOUT - 20, "jobs": jobs}
    with tempfile.TemporaryDirectory(prefix="cds_uno_script_") as folder:
        script = Path(folder) / "session.py"
        script.write_text(UNO_HEAD + edit_document + UNO_SESSION, encoding="utf-8")
        done = subprocess.run([uno_python(), str(script), json.dumps(spec)], capture_output=True, text=True,
                              timeout=SOFFICE_TIMEOUT)
    missing = [j["target"] for j in jobs if not Path(j["target"]).is_file()]
    assert done.returncode == 0 and not missing, f"LibreOffice (UNO) did not write {missing}: {done.stderr}"


INSERT_ROWS = r"""
def edit_document(doc, job):
    for sheet_name, index, count in job["insert"]:
        sheet = doc.Sheets.getByName(sheet_name)
        sheet.unprotect("")   # the template protects its sheets without a password
        sheet.Rows.insertByIndex(index, count)
        sheet.protect("")
"""


@dataclass(frozen=True)
class UnoJob:
    """Rows to insert into `source` ((sheet, 0-based row index, count) each), and a password to save with."""

    source: Path
    target: Path
    insert: tuple[tuple[str, int, int], ...] = ()
    password: str = ""


def libreoffice_edit(jobs: list[UnoJob]) -> None:
    """Apply every job in one LibreOffice session: insert rows, then save in the target's format."""
    run_uno(INSERT_ROWS, [{"source": str(j.source), "target": str(j.target), "insert": [list(i) for i in j.insert],
                           "password": j.password, "filter": UNO_FILTERS[j.target.suffix.lstrip(".")]}
                          for j in jobs])
