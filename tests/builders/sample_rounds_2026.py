"""Builders: the samples of the 2026–2027 round, run by the offices that run it since July 2025 — a
commune's office (UBND xã Hải Thịnh, 10 schools) and a merged province's Sở GDĐT (tỉnh Lam Hồng: four
communes and the Sở's own upper-secondary schools). Every school, commune and province name is made up.

In: nothing (the rounds are written out here). Out: `Sample`s: the roster of each office, and per unit
its inbox as it comes back — the `Drop`s (one per workbook, loose or "container!member" inside a zip or
mail), the containers' mails, the files that are not workbooks, and the status each school should get.
`sample_inbox_2026` writes them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cds_batch.templates.text import Issue

from .answers import PRESCHOOL_RUBRIC, SCHOOL_RUBRIC
from .sample_round import VN, Drop, fail_condition, leave_blank, leave_group_blank, type_value, typed_identity

ROUND, DEADLINE = "Năm học 2026-2027", "30/10/2026"
PROVINCE = "Tỉnh Lam Hồng"
SO = "Sở GDĐT Lam Hồng"
LEVEL_PREFIX = {"Mầm non": "Trường Mầm non", "Tiểu học": "Trường Tiểu học", "THCS": "Trường THCS",
                "THPT": "Trường THPT", "GDTX": "Trung tâm GDNN-GDTX"}
LEVEL_SHORT = {"Mầm non": "mn", "Tiểu học": "th", "THCS": "thcs", "THPT": "thpt", "GDTX": "gdtx"}


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A fixed moment of autumn 2026 in Vietnam time."""
    return datetime(2026, month, day, hour, minute, tzinfo=VN)


@dataclass(frozen=True)
class School:
    code: str
    name: str        # without the level's prefix: "Hoa Phượng" → "Trường Mầm non Hoa Phượng"
    level: str
    commune: str     # "Xã Hải Thịnh"

    @property
    def full_name(self) -> str:
        return f"{LEVEL_PREFIX[self.level]} {self.name}"

    @property
    def short_name(self) -> str:
        """As people write it in mail subjects: 'MN Hoa Phượng', 'THCS Hải Đông'."""
        return f"{LEVEL_SHORT[self.level].upper()} {self.name}"

    @property
    def email(self) -> str:
        return f"{LEVEL_SHORT[self.level]}{self.code[-4:]}@lamhong.edu.vn"

    @property
    def rubric(self) -> str:
        return PRESCHOOL_RUBRIC if self.level == "Mầm non" else SCHOOL_RUBRIC


@dataclass(frozen=True)
class Mail:
    """A mail the office saved as .eml: who sent it, when, and what it says; its workbooks are the drops
    whose path starts with the mail's file name; `extra` attaches other files ((name, kind) as in `Other`)."""

    path: str
    sender: str      # school code
    when: datetime
    subject: str
    body: str
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Other:
    """A file that is not a usable workbook: kind 'pdf' (a scanned signed report), 'docx' (a cover
    letter), 'truncated' (a workbook cut short while downloading; `code` says whose)."""

    path: str
    kind: str
    when: datetime
    fate: str
    mess: str
    code: str = ""


@dataclass(frozen=True)
class Zip:
    path: str
    when: datetime   # when the zip was made (its members' dates are their own save times)
    arrived: datetime


@dataclass
class Unit:
    """One office's round: its schools, and the inbox it collects (a folder of its own)."""

    office: str      # "UBND xã Hải Thịnh": what --office says, and the unit in the province's roster
    folder: str      # relative to the sample's folder: "" for the commune sample, "xa-dong-lam" in the province
    domain: str      # the office's mail address, the To: of the schools' mails
    schools: tuple[School, ...]
    drops: tuple[Drop, ...]
    mails: tuple[Mail, ...] = ()
    zips: tuple[Zip, ...] = ()
    others: tuple[Other, ...] = ()
    missing: tuple[str, ...] = ()
    needs_fix: tuple[str, ...] = ()

    @property
    def issue(self) -> Issue:
        return Issue(ROUND, self.office, DEADLINE)


@dataclass
class Sample:
    """A sample folder under samples/: its roster (the office's), its units, and who runs it."""

    folder: str      # "xa-hai-thinh"
    office: str
    units: tuple[Unit, ...]
    unit_column: bool = False   # the roster carries "Đơn vị quản lý" (the Sở's roster)
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def schools(self) -> tuple[School, ...]:
        return tuple(s for u in self.units for s in u.schools)


# --- the commune: UBND xã Hải Thịnh ---------------------------------------------------------------------

def hai_thinh() -> Sample:
    xa = "Xã Hải Thịnh"
    schools = (
        School("37401001", "Hoa Phượng", "Mầm non", xa), School("37401002", "Ánh Sao", "Mầm non", xa),
        School("37401003", "Bình Minh", "Mầm non", xa), School("37402001", "Thịnh Đức", "Tiểu học", xa),
        School("37402002", "Hải Đông", "Tiểu học", xa), School("37402003", "Xuân Đài", "Tiểu học", xa),
        School("37402004", "Long Châu", "Tiểu học", xa), School("37403001", "Hải Đông", "THCS", xa),
        School("37403002", "Thịnh Đức", "THCS", xa), School("37403003", "Long Châu", "THCS", xa),
    )
    m12, m16, m20, zalo = "Thư 12-10/", "Thư 16-10/", "Thư 20-10/", "Zalo nhóm CĐS xã/"
    first_mail, second_mail = m16 + "Bao cao CDS THCS Hai Dong.eml", m20 + "Gui lai bao cao CDS THCS Hai Dong.eml"
    th_mail = m12 + "Báo cáo CĐS - TH Thịnh Đức.eml"
    cluster = m16 + "Phieu CDS cum TH Hai Dong - Xuan Dai.zip"
    drops = (
        Drop(m12 + "Bao cao CDS MN Hoa Phuong.xlsx", "37401001", at(10, 11, 16, 20), mess="loose file from the mail"),
        Drop(th_mail + "!Phiếu tự đánh giá CĐS - TH Thịnh Đức.xlsx", "37402001", at(10, 12, 8, 10),
             mess="mail with the workbook and the scanned signed report (.pdf)"),
        Drop(cluster + "!TH Hai Dong.xlsx", "37402002", at(10, 15, 10, 0), (fail_condition("1.2"),),
             mess="in the cluster leader's zip; condition 1.2 'Không đạt': group 1 scores 0"),
        Drop(cluster + "!TH Xuan Dai - phieu tu danh gia.xlsx", "37402003", at(10, 15, 14, 30),
             mess="in the cluster leader's zip"),
        Drop(first_mail + "!THCS Hai Dong.xlsx", "37403001", at(10, 15, 17, 0), (leave_group_blank(2),),
             fate="superseded", mess="first mail: group 2 left blank"),
        Drop(second_mail + "!THCS Hai Dong (da bo sung nhom 2).xlsx", "37403001", at(10, 19, 9, 30),
             mess="resubmission by a second mail, complete"),
        Drop(m16 + "Phiếu CĐS MN Bình Minh.xlsx", "37401003", at(10, 16, 7, 45),
             (type_value("1.2a", 20), leave_blank("2.4.2")),
             mess="only file still wrong: 1.2a = 20 (max 15), 2.4.2 left blank"),
        Drop(zalo + "Mau phieu CDS - MN Anh Sao.xlsx", "37401002", at(10, 17, 14, 5),
             (typed_identity("37401002", "Trường Mầm non Ánh Sao", "17/10/2026"),), blank_template=True,
             mess="blank template; school code, name and date typed by hand"),
        Drop(zalo + "THCS Thinh Duc.xlsx", "37403002", at(10, 18, 20, 40), mess="downloaded from the Zalo group"),
    )
    mails = (
        Mail(th_mail, "37402001", at(10, 12, 9, 5), "Báo cáo tự đánh giá CĐS - TH Thịnh Đức",
             "Kính gửi UBND xã Hải Thịnh (phòng Văn hóa - Xã hội),\nTrường gửi phiếu tự đánh giá và bản báo cáo "
             "đã ký, đóng dấu.\nTrân trọng.\n", (("Bao cao CDS ky dong dau.pdf", "pdf"),)),
        Mail(first_mail, "37403001", at(10, 16, 8, 0), "Báo cáo CĐS THCS Hải Đông",
             "Kính gửi phòng Văn hóa - Xã hội xã Hải Thịnh,\nTrường gửi phiếu tự đánh giá năm học 2026-2027.\n"),
        Mail(second_mail, "37403001", at(10, 20, 7, 40), "Re: Báo cáo CĐS THCS Hải Đông (gửi lại)",
             "Kính gửi phòng Văn hóa - Xã hội xã Hải Thịnh,\nTrường gửi lại phiếu đã bổ sung nhóm 2 theo góp ý.\n"),
    )
    others = (
        Other(th_mail + "!Bao cao CDS ky dong dau.pdf", "pdf", at(10, 12, 8, 50), "not_a_workbook",
              "the scanned signed report, attached beside the workbook"),
        Other(zalo + "TH Long Chau.xlsx", "truncated", at(10, 18, 21, 0), "unreadable",
              "cut short while downloading from Zalo: 37402004 must send it again", "37402004"),
    )
    unit = Unit("UBND xã Hải Thịnh", "", "vhxh.haithinh@lamhong.gov.vn", schools, drops, mails,
                (Zip(cluster, at(10, 15, 16, 0), at(10, 16, 9, 15)),), others,
                missing=("37402004", "37403003"), needs_fix=("37401003",))
    return Sample("xa-hai-thinh", unit.office, (unit,))


# --- the province: Sở GDĐT Lam Hồng, four communes and its own schools ---------------------------------------

def commune(office: str, folder: str, place: str, first: int, names: tuple[tuple[str, str], ...],
            mess: dict[int, str]) -> Unit:
    """One commune of the province: its schools (codes from `first`), each sending one loose file by
    default, with `mess` (school index → what goes wrong) for the few that differ."""
    schools = tuple(School(str(first + i), name, level, place) for i, (level, name) in enumerate(names))
    day = 12
    drops: list[Drop] = []
    mails: list[Mail] = []
    others: list[Other] = []
    missing: list[str] = []
    needs_fix: list[str] = []
    for i, s in enumerate(schools):
        when = at(10, day + i, 9 + i, 15)
        what = mess.get(i, "")
        if what == "missing":
            missing.append(s.code)
        elif what == "mail":
            path = f"Báo cáo CĐS - {s.short_name}.eml"
            drops.append(Drop(f"{path}!Phiếu tự đánh giá - {s.short_name}.xlsx", s.code, when, mess="mail attachment"))
            mails.append(Mail(path, s.code, when.replace(hour=when.hour + 1),
                              f"Báo cáo tự đánh giá CĐS - {s.short_name}",
                              f"Kính gửi {office},\nTrường gửi phiếu tự đánh giá chuyển đổi số.\n"))
        elif what == "needs_fix":
            drops.append(Drop(f"{s.short_name} (nhap).xlsx", s.code, when, (leave_group_blank(1),),
                              mess="half filled: group 1 blank"))
            needs_fix.append(s.code)
        elif what == "docx":
            others.append(Other(f"Công văn - {s.short_name}.docx", "docx", when, "not_a_workbook",
                                "a cover letter sent alone: the workbook never came", s.code))
            missing.append(s.code)
        else:
            drops.append(Drop(f"Bao cao CDS {s.short_name}.xlsx", s.code, when, mess="loose file"))
    return Unit(office, folder, f"vhxh.{folder}@lamhong.gov.vn", schools, tuple(drops), tuple(mails), (),
                tuple(others), tuple(missing), tuple(needs_fix))


def lam_hong() -> Sample:
    mn, th, thcs = "Mầm non", "Tiểu học", "THCS"
    units = [
        commune("UBND xã Đông Lâm", "xa-dong-lam", "Xã Đông Lâm", 37501001,
                ((mn, "Hoa Sen Đông Lâm"), (mn, "Sơn Ca"), (th, "Đông Lâm A"), (th, "Đông Lâm B"),
                 (th, "Trung Lương"), (thcs, "Đông Lâm")),
                {1: "mail", 4: "missing"}),
        commune("UBND xã Tân Hòa", "xa-tan-hoa", "Xã Tân Hòa", 37502001,
                ((mn, "Tân Hòa"), (mn, "Tuổi Hồng"), (th, "Tân Hòa"), (th, "Phú Mậu"), (thcs, "Tân Hòa")),
                {0: "needs_fix", 3: "mail"}),
        commune("UBND phường Nam Giang", "phuong-nam-giang", "Phường Nam Giang", 37503001,
                ((mn, "Vành Khuyên"), (mn, "Hoa Mai"), (th, "Nam Giang"), (th, "Bến Đò"), (thcs, "Nam Giang")),
                {2: "docx"}),
        commune("UBND xã Yên Thượng", "xa-yen-thuong", "Xã Yên Thượng", 37504001,
                ((mn, "Yên Thượng"), (th, "Yên Thượng"), (thcs, "Yên Thượng"), (thcs, "Lê Quý Đôn Yên Thượng")),
                {}),
    ]
    thpt = (School("37601001", "Chuyên Lam Hồng", "THPT", "Phường Nam Giang"),
            School("37601002", "Đông Lâm", "THPT", "Xã Đông Lâm"),
            School("37601003", "Tân Hòa", "THPT", "Xã Tân Hòa"),
            School("37601004", "tỉnh Lam Hồng", "GDTX", "Phường Nam Giang"))
    mail_path = "Thư 14-10/Bao cao CDS THPT Tan Hoa.eml"
    sent_again = "Thư 21-10/Bao cao CDS THPT Tan Hoa - ban sua.eml"
    so_drops = (
        Drop("Thư 13-10/Phiếu CĐS - THPT Chuyên Lam Hồng.xlsx", "37601001", at(10, 12, 16, 0)),
        Drop("Thư 13-10/THPT Dong Lam - tu danh gia CDS.xlsx", "37601002", at(10, 13, 10, 30),
             (fail_condition("2.2"),), mess="condition 2.2 'Không đạt': group 2 scores 0"),
        Drop(mail_path + "!THPT Tan Hoa.xlsx", "37601003", at(10, 14, 8, 0), (type_value("1.3.1", 9),),
             fate="superseded", mess="first mail: 1.3.1 = 9 (max 6)"),
        Drop(sent_again + "!THPT Tan Hoa (da sua).xlsx", "37601003", at(10, 21, 14, 0),
             mess="resubmission by a second mail, fixed"),
        Drop("Thư 21-10/Trung tam GDNN-GDTX - phieu CDS.xlsx", "37601004", at(10, 20, 15, 0)),
    )
    so_mails = (
        Mail(mail_path, "37601003", at(10, 14, 9, 0), "Báo cáo CĐS THPT Tân Hòa",
             f"Kính gửi {SO},\nTrường gửi phiếu tự đánh giá chuyển đổi số.\n"),
        Mail(sent_again, "37601003", at(10, 21, 14, 30), "Re: Báo cáo CĐS THPT Tân Hòa (bản đã sửa)",
             f"Kính gửi {SO},\nTrường gửi lại phiếu đã sửa tiêu chí 1.3.1.\n"),
    )
    units.append(Unit(SO, "so-gddt", "cds@lamhong.edu.vn", thpt, so_drops, so_mails))
    return Sample("tinh-lam-hong", SO, tuple(units), unit_column=True)


def samples() -> tuple[Sample, ...]:
    return hai_thinh(), lam_hong()
