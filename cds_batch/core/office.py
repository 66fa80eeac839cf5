"""The office running a round, as its papers name it: who signs them, what a sentence calls it, and
whether its schools lie in districts.

Since 1 July 2025 (Nghị định 142/2025/NĐ-CP) a round is run by a commune's UBND (through its Phòng Văn
hóa - Xã hội) or by the province's Sở GDĐT; before, a district's Phòng GDĐT ran it. So nothing is
assumed: texts name the office given (`--office`), else say "đơn vị".

The signer's title follows Nghị định 30/2020/NĐ-CP, Phụ lục I (quyền hạn, chức vụ của người ký: in
capitals, above the signature): the head of a body run by its head signs with the bare title ("GIÁM
ĐỐC" for a Sở, "TRƯỞNG PHÒNG" for a Phòng); a decision of a People's Committee, a collective body, is
signed on its behalf: "TM. ỦY BAN NHÂN DÂN" over "CHỦ TỊCH" (the annex says "Kèm theo Quyết định … của
<office>", the Committee's decision). Pure text logic.
"""
from __future__ import annotations

import re

from cds_batch.core.text import clean, fold

NEUTRAL = "đơn vị"                 # what a text says of the office when none is named
COMMITTEE_SIGNER = "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH"
DEPARTMENT_SIGNER = "GIÁM ĐỐC"      # a Sở
DIVISION_SIGNER = "TRƯỞNG PHÒNG"    # a Phòng (GDĐT of a former district, or a commune's Phòng)
OTHER_SIGNER = "THỦ TRƯỞNG ĐƠN VỊ"
LINE_BREAK = "/"                    # "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH": one line each side, as typed on one line

# By the office's name in lower case, its first word(s): whose head signs how. "Sở" keeps its diacritics
# ("Số 5 …" is no Sở); "Ủy"/"Uỷ ban" are matched folded, both spellings being current.
_KINDS = ((re.compile(r"^(ubnd|uy ban nhan dan)\b"), True, COMMITTEE_SIGNER),
          (re.compile(r"^sở\b"), False, DEPARTMENT_SIGNER),
          (re.compile(r"^phòng\b"), False, DIVISION_SIGNER))
# A district named in the office's name: "Phòng GDĐT Quận 7", "… huyện Vĩnh Bảo", "… thị xã …".
_DISTRICT = re.compile(r"\b(quan|huyen|thi xa)\b")


def signer_title(office: str, given: str = "") -> str:
    """The title over the signature: `given` as typed (cleaned, in capitals), else the default for the
    office's name ("UBND …" → "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH", "Sở …" → "GIÁM ĐỐC", "Phòng …" →
    "TRƯỞNG PHÒNG", anything else or nothing → "THỦ TRƯỞNG ĐƠN VỊ")."""
    typed = " / ".join(signer_lines(given))
    if typed:
        return typed
    name = clean(office).casefold()
    return next((signer for pattern, folded, signer in _KINDS if pattern.search(fold(name) if folded else name)),
                OTHER_SIGNER)


def signer_lines(title: str) -> tuple[str, ...]:
    """The title's printed lines, in capitals: "tm. ủy ban nhân dân / chủ tịch" → ("TM. ỦY BAN NHÂN DÂN",
    "CHỦ TỊCH")."""
    return tuple(line.upper() for line in (clean(part) for part in clean(title).split(LINE_BREAK)) if line)


def office_or_neutral(office: str, neutral: str = NEUTRAL) -> str:
    """The office as a sentence names it: its own name, else the neutral words given."""
    return clean(office) or neutral


def asks_district(office: str, districts: tuple[str, ...] = ()) -> bool:
    """Whether a school's template asks for its "Quận/Huyện": only when the roster gives districts or the
    office names one (a round before July 2025); a commune's or a Sở's round has no districts."""
    return any(d.strip() for d in districts) or bool(_DISTRICT.search(fold(clean(office))))
