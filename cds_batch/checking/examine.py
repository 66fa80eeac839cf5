"""Checking, examine: every workbook the inbox held → a `Submission` (read, identified, validated, scored).

In: ledger entries from `discover` whose fate is still open (workbooks to read), the rubrics of
the run, the roster and the round label.
Out: one `Submission` per entry, in the entries' order: the school it belongs to, its raw answers,
its score (None when the rubric cannot be trusted) and every finding; or the fate that ends it
here (`unreadable`, `not_our_template`, `unidentified`) with the reason.

`district.pool.examine_all` runs `examine_safely` over the cores; `district.interning` then holds
equal parts of the submissions once.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Mapping

from cds_batch.intake.discover import Entry, Fate
from cds_batch.reading.evidence import evidence_of, pack, unpack
from cds_batch.core.findings import Code, Finding, Severity, finding
from cds_batch.checking.identify import Identification, RosterIndex, identify, rubric_by_codes
from cds_batch.form.layout import TEMPLATE_VERSION
from cds_batch.reading.package import ReadLimits
from cds_batch.reading.workbook import ReadError, SchoolResponse, Workbook, read_identity, read_workbook
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.rubric.model import Rubric
from cds_batch.checking.score import SchoolResult, score
from cds_batch.checking.validate import identity_findings, reading_findings, trust_findings, validate


@dataclass(frozen=True)
class Context:
    """What every worker needs: the run's rubrics (first = default), roster, round and read limits."""

    rubrics: tuple[Rubric, ...]
    roster: tuple[SchoolInfo, ...]
    round_label: str = ""
    limits: ReadLimits = field(default_factory=ReadLimits)   # what one workbook may hold
    # The SHA-256 of the files the previous run had (--previous): one of them, still in the mailbox
    # that grows over rounds, is carried over, not "a file of another round" (no E115).
    carried: frozenset[str] = frozenset()

    def rubric(self, rid: str | None) -> Rubric | None:
        return next((r for r in self.rubrics if r.id == rid), None)

    @cached_property
    def index(self) -> RosterIndex:
        """The roster's lookups, built once per process (workers build their own: it is not pickled)."""
        return RosterIndex(self.roster)

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k != "index"}


@dataclass(frozen=True)
class Submission:
    """One workbook of the inbox after intake. `fate` is None while it is a candidate for its school."""

    entry: Entry
    fate: Fate | None
    reason: str = ""
    school_code: str | None = None
    in_roster: bool = False
    rubric_id: str = ""
    school_fields: dict[str, str] = field(default_factory=dict)   # CDS_SCHOOL_NAME … as typed
    answers: dict[str, object] = field(default_factory=dict)      # answer key → value read
    result: SchoolResult | None = None
    findings: tuple[Finding, ...] = ()
    stopped: bool = False   # the pool stopped its reading (too slow, or its worker died): not kept in the cache
    evidence_blob: bytes = b""   # what it listed as evidence per criterion (`evidence.pack`), for the review workbook

    @property
    def evidence(self) -> dict[str, str]:
        """Criterion code → the evidence the school listed for it, as text."""
        return unpack(self.evidence_blob)

    @property
    def errors(self) -> int:
        return sum(f.severity is Severity.ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity is Severity.WARNING for f in self.findings)

    @property
    def valid(self) -> bool:
        return self.fate is None and self.result is not None and self.errors == 0


def examine(entry: Entry, ctx: Context) -> Submission:
    """Read, identify, validate and score one workbook entry. Never raises on user data."""
    assert entry.path is not None, entry.source
    try:
        with Workbook(entry.path, ctx.limits) as book:
            return _examine(book, entry, ctx)
    except ReadError as exc:
        return Submission(entry, Fate.UNREADABLE, str(exc))


def _examine(book: Workbook, entry: Entry, ctx: Context) -> Submission:
    file = entry.source
    identity = read_identity(book)
    rid = identity.get("CDS_RUBRIC_ID")
    named = ctx.rubric(rid)
    by_codes = rubric_by_codes(book, ctx.rubrics) if not rid and len(ctx.rubrics) > 1 else None
    rubric = named or by_codes or ctx.rubrics[0]
    response = read_workbook(book, rubric, file)
    ident = _identify(identity, response, entry, ctx)
    extra: list[Finding] = []
    if not rid and ident.code is not None:
        rubric, response, note = _rubric_by_roster(ident.code, rubric, response, book, ctx, by_codes is not None)
        extra.append(note)
    if not rid and not response.answers:
        return Submission(entry, Fate.NOT_OUR_TEMPLATE,
                          "Bảng tính không phải phiếu tự đánh giá của công cụ: không có thông tin nhận dạng "
                          "và không có cột 'Mã tiêu chí' nào khớp bộ chỉ số.")
    fields = {name: str(cell.value) for name, cell in response.school.items() if cell.value is not None}
    if ident.code is None:
        found = identity_findings(ident, response, file)
        return Submission(entry, Fate.UNIDENTIFIED, found[0].message if found else "", school_fields=fields,
                          rubric_id=rubric.id, findings=tuple(reading_findings(response, file) + found))
    this_round = "" if entry.sha256 in ctx.carried else ctx.round_label   # a carried file keeps its round
    trust = trust_findings(identity, named, [r.id for r in ctx.rubrics], TEMPLATE_VERSION, this_round, file)
    answers = response.raw_answers()
    base = Submission(entry, None, school_code=ident.code, in_roster=ident.in_roster, school_fields=fields,
                      answers=answers)
    if rid and (named is None or any(f.code in (Code.E113, Code.E114) for f in trust)):
        # An unknown or changed rubric: reported, never scored against the wrong one.
        return replace(base, rubric_id=rid, findings=tuple(reading_findings(response, file) + trust))
    result = score(rubric, answers)
    findings = validate(response, rubric, result, ident, trust + extra, file)
    return replace(base, rubric_id=rubric.id, result=result, findings=findings,
                   evidence_blob=pack(evidence_of(response)))


def _identify(identity: Mapping[str, str | None], response: SchoolResponse, entry: Entry,
              ctx: Context) -> Identification:
    def typed(name: str) -> object:
        cell = response.school.get(name)
        return cell.value if cell is not None else None

    return identify(identity.get("CDS_ISSUED_FOR"), typed("CDS_SCHOOL_CODE"), typed("CDS_SCHOOL_NAME"),
                    entry.sender, ctx.index)


def _rubric_by_roster(code: str, rubric: Rubric, response: SchoolResponse, book: Workbook,
                      ctx: Context, by_codes: bool = False) -> tuple[Rubric, SchoolResponse, Finding]:
    """A workbook that lost its identity cells: the rubric the roster gives its school, else the one its
    criterion codes match (`by_codes`: `rubric` is that one), else the default."""
    school = ctx.index.by_code.get(code)
    chosen = ctx.rubric(school.rubric) if school is not None and school.rubric else None
    how = (f"theo danh sách trường (trường {code})" if chosen else
           "theo các mã tiêu chí trong tệp" if by_codes else "mặc định của lần chạy")
    if chosen is not None and chosen.id != rubric.id:
        response = read_workbook(book, chosen, response.entry_source)
        rubric = chosen
    return rubric, response, finding(Code.E116, file=response.entry_source, value=rubric.id, detail=how)


def examine_safely(entry: Entry, ctx: Context) -> Submission:
    """`examine`, with a bug of ours on one odd file ending that file as `unreadable`, not the run."""
    try:
        return examine(entry, ctx)
    except Exception:   # noqa: BLE001  (the last line of defence for one file; reason says so)
        return Submission(entry, Fate.UNREADABLE,
                          "Công cụ gặp lỗi nội bộ khi đọc tệp này; hãy mở tệp bằng "
                          "Excel, lưu lại dạng .xlsx rồi thử lại, và báo cho người hỗ trợ kèm tệp.")
