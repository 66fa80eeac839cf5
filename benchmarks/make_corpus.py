"""Benchmark corpus: a district's (or province's) returned workbooks, as they come back by email.

Run: python benchmarks/make_corpus.py --schools N --out DIR [--seed S] [--jobs J] [--writer]
                                      [--lo-share F | --no-libreoffice]
Writes into DIR:
  roster.csv   N schools (Vietnamese names, several levels; "Bộ chỉ số" picks the preschool rubric)
  inbox/       the files of ~97 % of the schools: prefilled templates written by the project's own
               writer with answers typed in (corpus_fill), some re-saved by LibreOffice (.xls, .ods,
               .xlsx), some in .zip files of several schools, some attached to .eml messages, a few
               sent twice, a few broken, some renamed by hand
  late/        ceil(1 % of N) files of schools missing from inbox/ (the second run's new files)
  plan.json    per school the expected status, per file what it holds, counts, timings
The same N and seed give the same corpus (LibreOffice's own output aside). Prints the time per phase.
"""
from __future__ import annotations

import argparse
import csv
import functools
import io
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Iterable, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # run from a checkout without installing

from cds_batch.rubric.roster import SchoolInfo  # noqa: E402
from cds_batch.rubric import load_rubric  # noqa: E402
from cds_batch.rubric.model import Rubric  # noqa: E402
from cds_batch.templates.text import Issue  # noqa: E402
from cds_batch.templates.naming import template_filename  # noqa: E402
from cds_batch.core.text import ascii_slug  # noqa: E402

import corpus_fill  # noqa: E402  (the sibling module; spawned workers import it by this name)

ROUND, OFFICE, DEADLINE = "Đợt 1 năm 2025", "Sở GDĐT Thành phố Hồ Chí Minh", "30/10/2025"
VN = timezone(timedelta(hours=7))
PRESCHOOL_RUBRIC, SCHOOL_RUBRIC = "quan7-mamnon-2023", "qd4725-phothong"
LEVELS = (("Mầm non", "Trường Mầm non", "MN", 34), ("Tiểu học", "Trường Tiểu học", "TH", 33),
          ("THCS", "Trường THCS", "THCS", 23), ("THPT", "Trường THPT", "THPT", 10))
PEOPLE = ("Lê Lợi", "Nguyễn Du", "Trần Hưng Đạo", "Lý Thường Kiệt", "Võ Thị Sáu", "Nguyễn Thị Minh Khai",
          "Lê Quý Đôn", "Chu Văn An", "Nguyễn Trãi", "Hai Bà Trưng", "Phan Bội Châu", "Phan Chu Trinh",
          "Nguyễn Bỉnh Khiêm", "Trương Định", "Đinh Tiên Hoàng", "Lê Văn Tám", "Kim Đồng", "Võ Trường Toản",
          "Hồ Xuân Hương", "Bùi Thị Xuân", "Huỳnh Thúc Kháng", "Nguyễn Khuyến", "Tô Hiến Thành", "Trần Quốc Toản",
          "Nguyễn Văn Trỗi", "Lương Thế Vinh", "Đoàn Thị Điểm", "Ngô Quyền", "Quang Trung", "Hùng Vương")
FLOWERS = ("Hoa Sen", "Hoa Mai", "Sơn Ca", "Họa Mi", "Vành Khuyên", "Tuổi Thơ", "Hướng Dương", "Thỏ Ngọc",
           "Rạng Đông", "Anh Đào", "Hoa Hồng", "Ánh Dương", "Bình Minh", "Sao Mai", "Hoa Lan", "Bông Hồng")
WARDS = ("Tân Phong", "Tân Hưng", "Tân Kiểng", "Bình Thuận", "Phú Mỹ", "Phú Thuận", "Tân Quy", "Tân Thuận Đông",
         "Thảo Điền", "Bến Nghé", "Đa Kao", "Phú Hòa", "Hiệp Phú", "Long Bình", "Linh Trung", "An Khánh")
DISTRICTS = ("Quận 1", "Quận 3", "Quận 7", "Quận 8", "Quận 10", "Quận Bình Thạnh", "Quận Gò Vấp", "Quận Tân Bình",
             "Quận Bình Tân", "Thành phố Thủ Đức", "Huyện Bình Chánh", "Huyện Củ Chi", "Huyện Nhà Bè")
PROVINCE = "Thành phố Hồ Chí Minh"
MIME = {"xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "xls": ("application", "vnd.ms-excel"), "ods": ("application", "vnd.oasis.opendocument.spreadsheet")}
# Shares of the schools (of the corpus) per kind; each kind gets at least its minimum, even at tiny N.
# LibreOffice formats: --lo-share (default 2 % each of .xls, .ods, .xlsx).
SHARES = {"missing": (0.03, 2), "broken": (0.01, 3), "resubmitted": (0.01, 1), "zip": (0.05, 2),
          "eml": (0.05, 1), "renamed": (0.01, 1), "half": (0.10, 1), "bad": (0.03, 1)}
BROKEN = ("truncated", "docx", "empty")
BROKEN_FATE = {"truncated": "unreadable", "docx": "not_a_workbook", "empty": "unreadable"}
LO_BATCH = 250          # files per soffice start
MIN_SCHOOLS = 12
# The slowest first (.ods ~0.5 s a file, LibreOffice .xlsx ~0.35 s, .xls ~0.2 s), so parallel batches end together.
LO_FILTERS = {"ods": "ods", "lo-xlsx": "xlsx:Calc MS Excel 2007 XML", "xls": "xls:MS Excel 97"}


# --- the roster ---------------------------------------------------------------------------------------

def make_schools(n: int, rng: random.Random) -> list[SchoolInfo]:
    """`n` schools with unique codes and names, levels in realistic shares, the preschool rubric for preschools."""
    codes = rng.sample(range(100000, 1000000), n)
    seen: dict[str, int] = {}
    schools = []
    weights = [w for *_, w in LEVELS]
    for code in sorted(codes):
        level, prefix, _, _ = rng.choices(LEVELS, weights)[0]
        base = f"{prefix} {rng.choice(FLOWERS if level == 'Mầm non' else PEOPLE)}"
        seen[base] = seen.get(base, 0) + 1
        name = base if seen[base] == 1 else f"{base} {seen[base]}"
        short = ascii_slug(abbreviated(name), "").lower()[:20]
        schools.append(SchoolInfo(code=f"79{code}", name=name, level=level, commune=f"Phường {rng.choice(WARDS)}",
                                  district=rng.choice(DISTRICTS), province=PROVINCE,
                                  email=f"{short}.{code}@hcm.edu.vn",
                                  rubric=PRESCHOOL_RUBRIC if level == "Mầm non" else SCHOOL_RUBRIC))
    return schools


def abbreviated(name: str) -> str:
    """'Trường Tiểu học Lê Lợi' → 'TH Lê Lợi', as people shorten school names."""
    for _, prefix, short, _ in LEVELS:
        if name.startswith(prefix):
            return short + name[len(prefix):]
    return name


def write_roster(path: Path, schools: list[SchoolInfo]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(["Mã trường", "Tên trường", "Cấp học", "Xã/Phường", "Quận/Huyện", "Tỉnh/Thành phố", "Email",
                      "Bộ chỉ số"])
        for s in schools:
            out.writerow([s.code, s.name, s.level, s.commune, s.district, s.province, s.email, s.rubric])


# --- the plan: who sends what -------------------------------------------------------------------------

@dataclass
class Copy:
    """One workbook a school sends: its answers, format, when it was saved, where it is staged."""

    school: SchoolInfo
    version: int
    profile: str            # valid | half | bad
    fmt: str                # xlsx | xls | ods | lo-xlsx
    saved: datetime
    key: str
    staged: Path = Path()

    @property
    def ext(self) -> str:
        return "xlsx" if self.fmt == "lo-xlsx" else self.fmt


@dataclass
class Role:
    school: SchoolInfo
    kind: str                          # missing | late | loose | renamed | zip | eml | resubmitted | broken
    copies: list[Copy] = field(default_factory=list)
    broken: str = ""
    status: str = ""                   # expected after the first run
    used: int = 0                      # index of the copy the run should use


def count(kind: str, n: int) -> int:
    share, least = SHARES[kind]
    return max(least, round(share * n))


def saved_at(rng: random.Random, first_day: int, last_day: int, month: int = 10) -> datetime:
    return datetime(2025, month, rng.randint(first_day, last_day), rng.randint(7, 21), rng.randint(0, 59),
                    rng.randint(0, 59), tzinfo=VN)


def plan_roles(schools: list[SchoolInfo], seed: int, lo_share: float = 0.02) -> tuple[list[Role], list[Role]]:
    """Every school's role in the inbox, and the late ones; seeded and deterministic.

    :param lo_share: the share of schools whose file LibreOffice saves, for each of .xls, .ods and .xlsx
        (at least one each when above 0; 0: none).
    """
    rng = random.Random(seed)
    n = len(schools)
    roles = split_roles(rng.sample(schools, n), n)
    late = [r for r in roles if r.kind == "missing"][:math.ceil(0.01 * n)]
    for role in late:
        role.kind = "late"
        when = saved_at(rng, 2, 6, month=11)   # after the first run
        role.copies = [Copy(role.school, 1, "valid", "xlsx", when, f"{seed}:{role.school.code}:1")]
    senders = [r for r in roles if r.kind not in ("missing", "late")]
    plain = [r for r in senders if r.kind in ("loose", "renamed", "zip", "eml")]   # resubmissions choose their own
    profiles = assign(plain, rng, {k: count(k, n) for k in ("half", "bad")})
    lo = {k: max(1, round(lo_share * n)) for k in LO_FILTERS} if lo_share > 0 else {}
    formats = assign([r for r in senders if r.kind != "broken"], rng, lo)
    for role in senders:
        versions = 2 if role.kind == "resubmitted" else 1
        role.copies = [Copy(role.school, v, profiles.get(role.school.code, "valid"), "xlsx",
                            saved_at(rng, 10, 24), f"{seed}:{role.school.code}:{v}") for v in range(1, versions + 1)]
        role.copies[-1].fmt = formats.get(role.school.code, "xlsx")
        if versions == 2:
            resubmission(role, rng)
    for role in roles:
        role.status = expected_status(role)
    return roles, late


def split_roles(order: list[SchoolInfo], n: int) -> list[Role]:
    """The schools in `order` cut into runs of each kind's size; the rest send one loose file."""
    late = math.ceil(0.01 * n)
    sizes = [("missing", max(count("missing", n), late + 1)), ("broken", count("broken", n)),
             ("resubmitted", count("resubmitted", n)), ("zip", count("zip", n)), ("eml", count("eml", n)),
             ("renamed", count("renamed", n))]
    roles: list[Role] = []
    for kind, size in sizes:
        roles += [Role(s, kind) for s in order[len(roles):len(roles) + size]]
    roles += [Role(s, "loose") for s in order[len(roles):]]
    for i, role in enumerate(r for r in roles if r.kind == "broken"):
        role.broken = BROKEN[i % len(BROKEN)]
    return roles


def assign(roles: list[Role], rng: random.Random, sizes: dict[str, int]) -> dict[str, str]:
    """school code → kind, for disjoint random subsets of `roles` of the given sizes."""
    pool = rng.sample(roles, len(roles))
    chosen: dict[str, str] = {}
    for kind, wanted in sizes.items():
        size = min(wanted, len(pool))
        chosen.update({r.school.code: kind for r in pool[:size]})
        pool = pool[size:]
    return chosen


def resubmission(role: Role, rng: random.Random) -> None:
    """A school that sent its file twice: a later mail, and which one the run should use."""
    first, second = role.copies
    second.saved = first.saved + timedelta(days=rng.randint(1, 3), hours=rng.randint(1, 5))
    scenario = rng.choice(("fixed", "updated", "broke"))
    first.profile, second.profile = {"fixed": ("half", "valid"), "updated": ("valid", "valid"),
                                     "broke": ("valid", "bad")}[scenario]
    role.used = 0 if scenario == "broke" else 1   # the latest valid one, else the latest one


def expected_status(role: Role) -> str:
    if role.kind in ("missing", "late", "broken"):
        return "missing"
    return "valid" if role.copies[role.used].profile == "valid" else "needs_fix"


# --- workbooks ----------------------------------------------------------------------------------------

def make_workbooks(copies: list[Copy], staging: Path, jobs: int, mode: str) -> dict[str, int]:
    """Write every copy's filled .xlsx into `staging` over a spawn process pool (in-process for one job);
    count how the templates were made."""
    issue = Issue(ROUND, OFFICE, DEADLINE)
    work = []
    for c in copies:
        c.staged = staging / f"{c.school.code}-{c.version}.xlsx"
        work.append(corpus_fill.Job(c.school, c.school.rubric, issue, c.key, c.profile, str(c.staged),
                                    c.saved.timetuple()[:6]))
    if jobs == 1:   # no pool: a spawned worker costs more than a small corpus
        return count_templates(map(corpus_fill.Worker(mode, 100).make, work))
    chunk = max(1, min(64, len(work) // (jobs * 8)))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"), initializer=corpus_fill.init_worker,
                             initargs=(mode, 100)) as pool:
        return count_templates(pool.map(corpus_fill.make_in_worker, work, chunksize=chunk))


def count_templates(results: Iterable[corpus_fill.Made]) -> dict[str, int]:
    """How many templates came from the writer, from a stencil, from a stencil checked against the writer."""
    made: dict[str, int] = {}
    for result in results:
        made[result.template] = made.get(result.template, 0) + 1
    return made


def soffice_batch(sources: list[Path], fmt: str, outdir: Path) -> dict[Path, Path]:
    """Let LibreOffice Calc (headless, private profile, no thumbnails) save every file of `sources` as
    `fmt` in one start; the profile switch saves ~30 % on .ods."""
    ext = "xlsx" if fmt == "lo-xlsx" else fmt
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cds_lo_profile_") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(
            '<?xml version="1.0" encoding="UTF-8"?><oor:items xmlns:oor="http://openoffice.org/2001/registry" '
            'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            '<item oor:path="/org.openoffice.Office.Common/Save/Document"><prop oor:name="GenerateThumbnail" '
            'oor:op="fuse"><value>false</value></prop></item></oor:items>', encoding="utf-8")
        done = subprocess.run(["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                               "--norestore", "--convert-to", LO_FILTERS[fmt], "--outdir", str(outdir),
                               *map(str, sources)], capture_output=True, text=True, timeout=120 + 3 * len(sources))
    saved = {s: outdir / f"{s.stem}.{ext}" for s in sources}
    missing = [str(t) for t in saved.values() if not t.is_file()]
    if missing:
        raise RuntimeError(f"LibreOffice did not write {len(missing)} files ({missing[:3]}): {done.stderr[-500:]}")
    return saved


def libreoffice(copies: list[Copy], staging: Path, jobs: int) -> int:
    """Re-save the copies meant as LibreOffice files, one soffice start per batch, `jobs` batches at a time."""
    batches = []
    for fmt in LO_FILTERS:
        mine = [c for c in copies if c.fmt == fmt]
        for i in range(0, len(mine), LO_BATCH):
            batches.append((fmt, mine[i:i + LO_BATCH]))
    if not batches:
        return 0
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        done = list(pool.map(lambda b: (b[1], soffice_batch([c.staged for c in b[1]], b[0], staging / b[0])),
                             batches))
    for group, saved in done:
        for c in group:
            c.staged = saved[c.staged]
    return len(batches)


# --- packaging: how the files reach the office ----------------------------------------------------------

class Names:
    """Free file names in one folder: a taken name gets ' (1)', ' (2)' as a browser saving attachments does."""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self.last: dict[str, int] = {}   # wanted name → the last number given (thousands of 'phieu tu danh gia')

    def __call__(self, wanted: str) -> str:
        stem, dot, ext = wanted.rpartition(".")
        name, k = wanted, self.last.get(wanted.casefold(), 0)
        while name.casefold() in self.taken:
            k += 1
            name = f"{stem} ({k}).{ext}" if dot else f"{wanted} ({k})"
        self.taken.add(name.casefold())
        self.last[wanted.casefold()] = k
        return name


class Folder:
    """A folder receiving files under human names, each dated when it arrived."""

    def __init__(self, root: Path, label: str) -> None:
        self.root, self.label, self.name = root, label, Names()
        root.mkdir(parents=True, exist_ok=True)

    def put(self, wanted: str, data: bytes | Path, when: datetime) -> str:
        """Place bytes (or move a staged file) under a free name dated `when`; return its ledger source."""
        name = self.name(wanted)
        target = self.root / name
        if isinstance(data, Path):
            os.replace(data, target)
        else:
            target.write_bytes(data)
        stamp = when.timestamp()
        os.utime(target, (stamp, stamp))
        return f"{self.label}/{name}"


def file_name(c: Copy, rng: random.Random, renamed: bool = False) -> str:
    """What the file is called when it arrives: the issued name, or what the school made of it."""
    s = c.school
    if renamed:   # the school typed its own name as the file name
        return f"{rng.choice((s.name, abbreviated(s.name)))}.{c.ext}"
    style = rng.random()
    if style < 0.5:
        return template_filename(rubric(s.rubric), s, ROUND)[:-5] + f".{c.ext}"
    if style < 0.7:
        return f"Bao cao CDS - {ascii_slug(abbreviated(s.name), ' ')}.{c.ext}"
    if style < 0.85:
        return f"phieu tu danh gia.{c.ext}"
    return f"{s.code} - Phiếu tự đánh giá CĐS.{c.ext}"


@functools.lru_cache(maxsize=None)
def rubric(rid: str) -> Rubric:
    return load_rubric(rid)


def attachment_name(c: Copy) -> str:
    return f"Phiếu tự đánh giá CĐS - {c.school.name}.{c.ext}"


def mail(c: Copy, subject: str, attachments: list[tuple[str, bytes, str]]) -> bytes:
    """A school's mail with its workbooks attached; Message-ID and boundary fixed so the bytes are stable."""
    msg = EmailMessage()
    msg["From"] = f"{c.school.name} <{c.school.email}>"
    msg["To"] = f"{OFFICE} <cds@hcm.edu.vn>"
    msg["Date"] = format_datetime(c.saved)
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{c.saved:%Y%m%d%H%M%S}.{c.school.code}.{c.version}@hcm.edu.vn>"
    msg.set_content(f"Kính gửi {OFFICE},\n\n{c.school.name} gửi phiếu tự đánh giá mức độ chuyển đổi số "
                    f"{ROUND}.\n\nTrân trọng.\n")
    for name, data, ext in attachments:   # a non-ASCII name becomes an RFC 2231 filename*= parameter
        msg.add_attachment(data, maintype=MIME[ext][0], subtype=MIME[ext][1], filename=name)
    msg.set_boundary(f"==cds-bench-{c.school.code}-{c.version}==")
    return msg.as_bytes()


def docx_bytes(text: str) -> bytes:
    """A minimal Word file: the tool must see a .docx, not a workbook, whatever its name says."""
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             'content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
             'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.'
             'main+xml"/></Types>')
    body = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            f'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("[Content_Types].xml", (2025, 10, 1, 8, 0, 0)), types)
        z.writestr(zipfile.ZipInfo("word/document.xml", (2025, 10, 1, 8, 0, 0)), body)
    return out.getvalue()


def zip_of(members: list[tuple[str, Path, datetime]]) -> bytes:
    """A zip of staged files under their member names, each dated when its school saved it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, path, when in members:
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, path.read_bytes())
    return out.getvalue()


def member(c: Copy, source: str) -> dict[str, Any]:
    return {"source": source, "school": c.school.code, "version": c.version, "format": c.fmt, "profile": c.profile,
            "key": c.key, "rubric": c.school.rubric}


def package(roles: list[Role], inbox: Folder, rng: random.Random) -> list[dict[str, Any]]:
    """Place every role's copies into the inbox as it would arrive; the plan's file records."""
    files: list[dict[str, Any]] = []
    by_kind: dict[str, list[Role]] = {}
    for role in roles:
        by_kind.setdefault(role.kind, []).append(role)
    for role in by_kind.get("loose", []) + by_kind.get("renamed", []):
        c = role.copies[0]
        source = inbox.put(file_name(c, rng, role.kind == "renamed"), c.staged, c.saved)
        files.append({"path": source, "kind": c.fmt, "renamed": role.kind == "renamed", **member(c, source)})
    for role in by_kind.get("broken", []):
        files.append(broken(role, inbox, rng))
    for role in by_kind.get("eml", []):
        c = role.copies[0]
        files.append(mailed(inbox, c, f"Nộp phiếu tự đánh giá CĐS - {c.school.name}", f"Nộp phiếu CĐS - "
                            f"{abbreviated(c.school.name)}.eml"))
    for role in by_kind.get("resubmitted", []):
        first, second = role.copies
        files.append(mailed(inbox, first, f"Nộp phiếu tự đánh giá CĐS - {first.school.name}",
                            f"Nộp phiếu CĐS - {abbreviated(first.school.name)}.eml"))
        files.append(mailed(inbox, second, f"Gửi lại phiếu tự đánh giá CĐS (bản sửa) - {second.school.name}",
                            f"Gửi lại - phiếu CĐS {abbreviated(second.school.name)}.eml"))
    zipped = by_kind.get("zip", [])
    for group in clusters(zipped, rng):
        files.append(zipped_cluster(inbox, group))
    return files


def clusters(roles: list[Role], rng: random.Random) -> Iterator[list[Role]]:
    """Groups of 2 to 6 schools ("cụm trường") whose files one of them zips and sends."""
    at = 0
    while at < len(roles):
        size = rng.randint(2, 6)
        if len(roles) - at - size == 1:
            size += 1   # never leave one school alone for the last zip
        yield roles[at:at + size]
        at += size


def zipped_cluster(inbox: Folder, group: list[Role]) -> dict[str, Any]:
    copies = [r.copies[0] for r in group]
    lead = copies[0]
    names = Names()
    members = [(names(f"{abbreviated(c.school.name)} - phiếu CĐS.{c.ext}"), c.staged, c.saved) for c in copies]
    last = max(c.saved for c in copies)
    source = inbox.put(f"Cụm trường {lead.school.commune}.zip", zip_of(members), last)
    listed = [member(c, f"{source}!{name}") for c, (name, _, _) in zip(copies, members)]
    return {"path": source, "source": source, "kind": "zip", "members": listed}


def mailed(inbox: Folder, c: Copy, subject: str, wanted: str) -> dict[str, Any]:
    name = attachment_name(c)
    source = inbox.put(wanted, mail(c, subject, [(name, c.staged.read_bytes(), c.ext)]), c.saved)
    return {"path": source, "source": source, "kind": "eml", "members": [member(c, f"{source}!{name}")]}


def broken(role: Role, inbox: Folder, rng: random.Random) -> dict[str, Any]:
    """A file that cannot be used: cut short in transfer, a Word file named .xlsx, or empty."""
    c = role.copies[0]
    data = c.staged.read_bytes()
    content = {"truncated": data[:len(data) * 2 // 5], "docx": docx_bytes(f"Báo cáo CĐS {c.school.name}"),
               "empty": b""}[role.broken]
    source = inbox.put(file_name(replace(c, fmt="xlsx"), rng), content, c.saved)
    return {"path": source, "source": source, "kind": f"broken-{role.broken}", "school": c.school.code,
            "expected_fate": BROKEN_FATE[role.broken]}


# --- main ---------------------------------------------------------------------------------------------

def school_records(roles: list[Role], files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per school: its role, expected statuses, the ledger sources of its files and the one to be used."""
    sources: dict[str, list[str]] = {}
    by_key: dict[str, str] = {}
    for f in files:
        for m in f.get("members") or [f]:
            sources.setdefault(m["school"], []).append(m.get("source", f["source"]))
            if "key" in m:
                by_key[m["key"]] = m["source"]
    return [school_record(r, sorted(sources.get(r.school.code, [])), by_key) for r in roles]


def school_record(role: Role, sources: list[str], by_key: dict[str, str]) -> dict[str, Any]:
    used = by_key[role.copies[role.used].key] if role.status != "missing" else None
    return {"code": role.school.code, "name": role.school.name, "rubric": role.school.rubric, "role": role.kind,
            "status": role.status, "status_second_run": "valid" if role.kind == "late" else role.status,
            "sure": True, "sources": sources, "used": used,
            "profiles": [c.profile for c in role.copies], "formats": [c.fmt for c in role.copies]}


class Phases:
    """Wall time per phase of the generation, printed as each one ends."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.start = self.clock = time.perf_counter()

    def end(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self.clock, 2)
        self.clock = now
        print(f"  {name}: {self.seconds[name]:.1f} s", flush=True)

    @property
    def total(self) -> float:
        return round(time.perf_counter() - self.start, 2)


def place_late(late: list[Role], out: Path, seed: int) -> list[dict[str, Any]]:
    """The late schools' files, loose in late/ under the names schools give them."""
    folder, rng = Folder(out / "late", "late"), random.Random(f"{seed}:late")
    files = []
    for c in (role.copies[0] for role in late):
        source = folder.put(file_name(c, rng), c.staged, c.saved)
        files.append({"path": source, "kind": c.fmt, **member(c, source)})
    return files


def tally(items: Iterable[str]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for item in items:
        counted[item] = counted.get(item, 0) + 1
    return counted


def generate(out: Path, n: int, seed: int = 1, jobs: int | None = None, writer: bool = False,
             lo_share: float = 0.02) -> dict[str, Any]:
    """Write the whole corpus into `out` (which must not hold one yet); return the plan."""
    if (out / "plan.json").exists() or (out / "inbox").exists():
        raise FileExistsError(f"{out} already holds a corpus; remove it first")
    jobs = jobs or os.cpu_count() or 1
    phases = Phases()
    schools = make_schools(n, random.Random(f"{seed}:names"))
    (out / "_staging").mkdir(parents=True)
    write_roster(out / "roster.csv", schools)
    roles, late = plan_roles(schools, seed, lo_share)
    phases.end("plan")
    copies = [c for r in roles for c in r.copies]
    templates = make_workbooks(copies, out / "_staging", jobs, "writer" if writer else "stencil")
    phases.end("workbooks")
    batches = libreoffice(copies, out / "_staging", jobs)
    phases.end("libreoffice")
    files = package([r for r in roles if r.kind != "late"], Folder(out / "inbox", "inbox"), random.Random(seed))
    files += place_late(late, out, seed)
    shutil.rmtree(out / "_staging")
    phases.end("packaging")
    plan = {"schools_count": n, "seed": seed, "round": ROUND, "office": OFFICE, "jobs": jobs, "lo_share": lo_share,
            "templates": templates, "libreoffice_batches": batches, "generated_in_s": phases.total,
            "phases_s": phases.seconds,
            "counts": {"files": tally(f["kind"] for f in files), "roles": tally(r.kind for r in roles),
                       "workbooks": len(copies), "status": tally(r.status for r in roles)},
            "schools": school_records(roles, files), "files": files}
    (out / "plan.json").write_text(json.dumps(plan, ensure_ascii=False, indent=1), encoding="utf-8")
    phases.end("plan.json")
    return plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=None, help="processes (default: all cores)")
    parser.add_argument("--writer", action="store_true", help="write every template with the writer (no stencil)")
    parser.add_argument("--lo-share", type=float, default=0.02,
                        help="share of schools whose file LibreOffice saves, for each of .xls, .ods and .xlsx "
                             "(default 0.02; LibreOffice takes 0.2-0.5 s a file, most of the time at 45,000 schools)")
    parser.add_argument("--no-libreoffice", action="store_true", help="no .xls/.ods/LibreOffice .xlsx files")
    args = parser.parse_args()
    if args.schools < MIN_SCHOOLS:
        parser.error(f"--schools must be at least {MIN_SCHOOLS}, so that every kind of file occurs")
    print(f"Generating {args.schools} schools into {args.out}")
    try:
        plan = generate(args.out, args.schools, args.seed, args.jobs, args.writer,
                        0.0 if args.no_libreoffice else args.lo_share)
    except FileExistsError as exc:
        parser.error(str(exc))
    print(f"Done in {plan['generated_in_s']:.1f} s: {plan['counts']['workbooks']} workbooks "
          f"(templates: {plan['templates']}), files {plan['counts']['files']}, statuses {plan['counts']['status']}")


if __name__ == "__main__":
    main()
