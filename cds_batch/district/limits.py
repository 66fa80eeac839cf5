"""The safety limits of a run, by the names an office types after `--limit NAME=VALUE`.

In: the `--limit` pairs of the command line. Out: `RunLimits`: the inbox limits (`discover.Limits`,
archives and mails), the per-workbook limits (`package.ReadLimits`) and the time one workbook may
take in the reading pool. The same table (`LIMITS`) makes the README's threat table, so what is
documented is what is parsed.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

from cds_batch.intake.discover import Limits
from cds_batch.core.errors import CdsBatchError
from cds_batch.reading.package import ReadLimits
from cds_batch.district.pool import FILE_SECONDS

_MB = 1 << 20


@dataclass(frozen=True)
class RunLimits:
    inbox: Limits = field(default_factory=Limits)
    read: ReadLimits = field(default_factory=ReadLimits)
    file_seconds: float = FILE_SECONDS


@dataclass(frozen=True)
class Limit:
    name: str       # as typed after --limit
    part: str       # the RunLimits field it sets: "inbox", "read" or "file_seconds"
    attr: str       # the field inside that part ("" for file_seconds)
    unit: int       # typed value × unit = stored value (MB for sizes)
    text: str       # what it limits, for --help and the README

    def default(self) -> float:
        """The value as typed after --limit when nobody changed it."""
        part = getattr(RunLimits(), self.part)
        return float(getattr(part, self.attr) if self.attr else part) / self.unit


LIMITS = (
    Limit("archive-depth", "inbox", "max_depth", 1, "tầng tệp nén hoặc thư lồng nhau"),
    Limit("archive-members", "inbox", "max_members", 1, "tệp thành phần trong mọi tệp nén và thư của một lần chạy"),
    Limit("archive-total-mb", "inbox", "max_total_bytes", _MB, "MB giải nén từ mọi tệp nén và thư của một lần chạy"),
    Limit("archive-ratio", "inbox", "max_ratio", 1,
          "lần: tỉ lệ giải nén/nén của một tệp thành phần trên 1 MB (hơn nữa là bom nén)"),
    Limit("member-mb", "inbox", "max_file_bytes", _MB, "MB của một tệp thành phần sau khi giải nén"),
    Limit("sheets", "read", "max_sheets", 1, "trang tính trong một bảng tính"),
    Limit("sheet-rows", "read", "max_rows", 1, "dòng của một trang tính"),
    Limit("sheet-cells", "read", "max_cells", 1, "ô (dòng × cột) của một trang tính"),
    Limit("part-mb", "read", "max_part_bytes", _MB, "MB của một phần XML trong bảng tính khi giải nén"),
    Limit("workbook-mb", "read", "max_total_bytes", _MB, "MB của mọi phần trong một bảng tính khi giải nén"),
    Limit("workbook-parts", "read", "max_parts", 1, "phần (tệp con) trong một bảng tính .xlsx/.ods"),
    Limit("xml-tags", "read", "max_xml_tags", 1, "thẻ XML của một phần công cụ tự phân tích (kiểu, tên, thuộc tính)"),
    Limit("file-seconds", "file_seconds", "", 1,
          "giây đọc một bảng tính (khi đọc song song, từ 50 tệp hoặc với --jobs 2 trở lên)"),
)
_BY_NAME = {limit.name: limit for limit in LIMITS}


def parse_limits(pairs: Sequence[str]) -> RunLimits:
    """`RunLimits` with each "NAME=VALUE" of `pairs` applied; CdsBatchError naming the pair when wrong."""
    limits = RunLimits()
    for pair in pairs:
        name, _, typed = pair.partition("=")
        limit = _BY_NAME.get(name.strip())
        if limit is None:
            raise CdsBatchError(f"Không có giới hạn '{name.strip()}' (trong --limit {pair}). Các giới hạn: "
                                + ", ".join(_BY_NAME) + ".")
        limits = _set(limits, limit, _positive(typed, pair))
    return limits


def _positive(typed: str, pair: str) -> float:
    try:
        value = float(typed.strip().replace(",", "."))
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise CdsBatchError(f"Giá trị của --limit {pair} phải là một số dương, ví dụ --limit file-seconds=120.")
    return value


def _set(limits: RunLimits, limit: Limit, value: float) -> RunLimits:
    if limit.part == "file_seconds":
        return replace(limits, file_seconds=value)
    whole = max(1, int(value * limit.unit))   # counts and bytes
    if limit.part == "inbox":
        return replace(limits, inbox=replace(limits.inbox, **{limit.attr: whole}))
    return replace(limits, read=replace(limits.read, **{limit.attr: whole}))
