"""Builders: the benchmark corpus's roster and plan — who the schools are, and who sends what.

In: a number of schools and a seed. Out: the schools (`SchoolInfo`, Vietnamese names, levels in
realistic shares, the preschool rubric for preschools), with `with_corpus_units` each school's management
unit as a merged province's roster gives it (issue 23), and each school's `Role`: missing, late, one
loose file, renamed, in a cluster's zip, mailed, sent twice, or broken, with the `Copy` of every
workbook it sends (answer profile, format, when saved) and the status the run should give it.
Every draw is seeded: the same number and seed give the same plan.
"""
from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Sequence

from cds_batch.rubric.roster import SchoolInfo
from cds_batch.core.text import ascii_slug

from .answers import PRESCHOOL_RUBRIC, SCHOOL_RUBRIC

ROUND, OFFICE, DEADLINE = "Đợt 1 năm 2025", "Sở GDĐT Thành phố Hồ Chí Minh", "30/10/2025"
VN = timezone(timedelta(hours=7))            # Vietnam, UTC+7 all year
ROSTER_HEADER = ("Mã trường", "Tên trường", "Cấp học", "Xã/Phường", "Quận/Huyện", "Tỉnh/Thành phố", "Email",
                 "Bộ chỉ số")
# A roster after July 2025: no district; the school's commune and its management unit.
UNIT_ROSTER_HEADER = ("Mã trường", "Tên trường", "Cấp học", "Xã/Phường", "Tỉnh/Thành phố", "Email", "Đơn vị quản lý",
                      "Bộ chỉ số")
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
# Units besides the communes: the Sở (its THPT schools), a special zone, a university's practice schools.
SO_UNIT = "Sở GDĐT Thành phố Hồ Chí Minh"
OTHER_UNITS = (SO_UNIT, "UBND đặc khu Côn Đảo", "Trường Đại học Sư phạm Thành phố Hồ Chí Minh")
# Commune names are drawn from these two halves (15 × 12 = 180 names, enough for a province).
PLACE_FIRST = ("An", "Bình", "Tân", "Phú", "Long", "Hòa", "Thạnh", "Phước", "Hiệp", "Đông", "Tây", "Vĩnh",
               "Xuân", "Thới", "Mỹ")
PLACE_SECOND = ("Lợi", "Hưng", "Thành", "Lộc", "Thuận", "Khánh", "Định", "Điền", "Nhựt", "Trung", "Sơn", "Quới")
MAX_UNITS = len(OTHER_UNITS) + len(PLACE_FIRST) * len(PLACE_SECOND)
# Shares of the schools (of the corpus) per kind; each kind gets at least its minimum, even at tiny N.
# LibreOffice formats: `lo_share` (default 2 % each of .xls, .ods, .xlsx).
SHARES = {"missing": (0.03, 2), "broken": (0.01, 3), "resubmitted": (0.01, 1), "zip": (0.05, 2),
          "eml": (0.05, 1), "renamed": (0.01, 1), "half": (0.10, 1), "bad": (0.03, 1)}
BROKEN = ("truncated", "docx", "empty")
# The formats LibreOffice saves, the slowest first (.ods ~0.5 s a file, LibreOffice .xlsx ~0.35 s, .xls ~0.2 s),
# so that parallel batches end together.
LO_FORMATS = ("ods", "lo-xlsx", "xls")
MIN_SCHOOLS = 12


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


def with_corpus_units(schools: Sequence[SchoolInfo], units: int, rng: random.Random) -> list[SchoolInfo]:
    """The schools spread over `units` management units as a merged province's roster has them: the THPT
    schools under the Sở; from 4 units on, a few schools under a special zone and three under a
    university; every other school under one of the remaining units, the communes ("UBND xã …" or "UBND
    phường …"), of uneven sizes (each at least one school). The school's commune is its unit's, and the
    district is gone (abolished in July 2025)."""
    if units < 2:
        raise ValueError("units must be at least 2 (the Sở and one commune)")
    others = OTHER_UNITS if units >= 4 else OTHER_UNITS[:1]
    names = rng.sample([f"{a} {b}" for a in PLACE_FIRST for b in PLACE_SECOND if a != b], units - len(others))
    communes = [("Phường " if rng.random() < 0.6 else "Xã ") + name for name in names]
    weights = [rng.lognormvariate(0, 0.6) for _ in communes]   # a few large wards, many small communes
    order = rng.sample(list(schools), len(schools))
    placed: dict[str, tuple[str, str]] = {}   # code → (unit, commune)
    rest = []
    for s in order:
        if s.level == "THPT":
            placed[s.code] = (SO_UNIT, s.commune)
        else:
            rest.append(s)
    if len(others) > 1:
        zone, university = others[1], others[2]
        for s in rest[:max(1, len(schools) // 400)]:
            placed[s.code] = (zone, "Đặc khu Côn Đảo")
        for s in [s for s in rest if s.level != "Mầm non"][-3:]:
            placed[s.code] = (university, s.commune)
        rest = [s for s in rest if s.code not in placed]
    for i, s in enumerate(rest):
        c = i if i < len(communes) else rng.choices(range(len(communes)), weights)[0]
        placed[s.code] = ("UBND " + communes[c][0].lower() + communes[c][1:], communes[c])
    return [replace(s, unit=placed[s.code][0], commune=placed[s.code][1], district="") for s in schools]


def abbreviated(name: str) -> str:
    """'Trường Tiểu học Lê Lợi' → 'TH Lê Lợi', as people shorten school names."""
    for _, prefix, short, _ in LEVELS:
        if name.startswith(prefix):
            return short + name[len(prefix):]
    return name


def write_roster(path: Path, schools: Sequence[SchoolInfo]) -> Path:
    """The roster as the office keeps it: a CSV with Vietnamese headers, in UTF-8 with a BOM (as Excel saves)."""
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        if any(s.unit for s in schools):
            out.writerow(UNIT_ROSTER_HEADER)
            out.writerows([s.code, s.name, s.level, s.commune, s.province, s.email, s.unit, s.rubric] for s in schools)
            return path
        out.writerow(ROSTER_HEADER)
        for s in schools:
            out.writerow([s.code, s.name, s.level, s.commune, s.district, s.province, s.email, s.rubric])
    return path


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
    lo = {k: max(1, round(lo_share * n)) for k in LO_FORMATS} if lo_share > 0 else {}
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
