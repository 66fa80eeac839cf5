"""Fuzzing the reader: no workbook, however damaged, makes `examine` raise.

Rules covered: F1 (mutation pass) real workbooks — a filled template typed with openpyxl, the
committed blank template (XlsxWriter), a filled sample of the inbox and its LibreOffice-saved
.ods — damaged at seeded random places, on the raw file and inside one XML part re-zipped (so the
damage reaches the XML parsers and python-calamine), each one examined: always a Submission, an
unreadable one with a reason in Vietnamese, a score never above the rubric's maximum; F2
(property) any values typed into the named cells of a valid template — odd Unicode, huge and
non-finite numbers, formulas, dates, booleans, errors, empty and very long text: the same.

Budget: MUTANTS mutants (CDS_FUZZ_MUTANTS to change it) and EXAMPLES hypothesis examples
(CDS_FUZZ_EXAMPLES), about 15 s in all on a 2-core machine; the mutation seed is fixed
(CDS_FUZZ_SEED to change it) and hypothesis is derandomized (unless CDS_FUZZ_RANDOM is set), so CI
sees the same files every run.
"""
from __future__ import annotations

import io
import os
import random
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cds_batch.intake.discover import Fate
from cds_batch.checking.examine import Context, Submission, examine
from cds_batch.reading.defined_names import names_in
from cds_batch.reading.package import Package, sheet_parts
from cds_batch.reading.roster_file import load_roster
from cds_batch.rubric import load_rubric

from tests.hostile_files import BLANK_TEMPLATE, ROOT, SAMPLE_ODS, rezip, write
from tests.validate_fixtures import RUBRIC, ROSTER, blank_template, entry, workbook

MUTANTS = int(os.environ.get("CDS_FUZZ_MUTANTS", "600"))
EXAMPLES = int(os.environ.get("CDS_FUZZ_EXAMPLES", "300"))
SEED = int(os.environ.get("CDS_FUZZ_SEED", "4725"))
SAMPLE_XLSX = ROOT / "samples" / "inbox" / "email 20-10" / "TH Tân Quy.xlsx"
CONTEXT = Context(rubrics=(RUBRIC, load_rubric("qd4725-phothong"), load_rubric("quan7-mamnon-2023")),
                  roster=ROSTER + load_roster(ROOT / "samples" / "danh-sach-truong.csv"), round_label="Đợt 1 năm 2025")
VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]")
# What damage likes to write: values that keep the XML well-formed (so they reach the code that
# reads them: numbers at the edges, far cells, words where numbers belong) and ones that break it.
VALUES_XML = (b"-1", b"0", b"", b"99999999999999999999", b"1048576", b"XFD1048576", b"A0", b"ZZZZ9", b"1e999",
              b"NaN", b"inf", b"-0", b"x", b"1.5", b"&amp;", b"&#65;", b"\xc4\x90\xe1\xba\xa1t", b"true", b"s")
TOKENS = VALUES_XML + (b"&#0;", b"&#xD800;", b"&bogus;", b"<", b">", b'"', b"'", b"\x00", b"\xff\xfe", b"]]>",
                       b"<!--", b"<!DOCTYPE x>", b"<c>", b"</c>", b"<v>", b'<row r="70000">', b" r=\"A1\"")


def check(sub: Submission) -> None:
    """What every examined file must give: a Submission; a reason in Vietnamese when it ends the file;
    scores within the rubric's maximum."""
    assert isinstance(sub, Submission)
    if sub.fate is not None:
        assert sub.reason and VIETNAMESE.search(sub.reason.lower()), (sub.fate, sub.reason)
    if sub.result is not None:
        for group in sub.result.groups:
            assert group.score <= group.max, (group.id, group.score, group.max)
        for criterion in sub.result.criteria:
            assert criterion.points <= criterion.max, (criterion.code, criterion.points, criterion.max)


# --- F1: mutation pass -------------------------------------------------------------------------------

def damage(data: bytes, rng: random.Random) -> bytes:
    """`data` with one to three random edits: bits flipped, bytes inserted, deleted, duplicated, cut
    off, or a number or attribute value replaced by an edge case."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        if not out:
            break
        at, kind = rng.randrange(len(out)), rng.randrange(7)
        if kind == 0:
            for _ in range(rng.randint(1, 8)):
                out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
        elif kind == 1:
            out[at:at] = rng.choice(TOKENS) if rng.random() < 0.7 else rng.randbytes(rng.randint(1, 16))
        elif kind == 2:
            del out[at:at + rng.randint(1, 64)]
        elif kind == 3:
            del out[at:]
        elif kind == 4:
            size = rng.randint(1, 256)
            out[rng.randrange(len(out)):0] = out[at:at + size]
        else:   # an edge case where a number or an attribute value was (the first one after `at`)
            pattern = rb"\d+" if kind == 5 else rb'="[^"<>]{0,40}"'
            found = re.compile(pattern).search(out, at) or re.compile(pattern).search(out)
            if found:
                token = rng.choice(VALUES_XML if rng.random() < 0.8 else TOKENS)
                out[found.start():found.end()] = token if kind == 5 else b'="' + token + b'"'
    return bytes(out)


def mutant(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """A damaged copy of a workbook and what was damaged: the raw file (a third of the time) or one
    member of its zip, unzipped, damaged and zipped again."""
    if rng.random() < 0.33:
        return damage(data, rng), "raw"
    members = [i.filename for i in zipfile.ZipFile(io.BytesIO(data)).infolist()]
    xml = [m for m in members if m.endswith((".xml", ".rels"))]
    member = rng.choice(xml if xml and rng.random() < 0.9 else members)
    return rezip(data, {member: lambda body: damage(body, rng)}), member


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> list[tuple[str, bytes]]:
    """(name, bytes) of the real workbooks the mutants start from."""
    tmp = tmp_path_factory.mktemp("fuzz-seeds")
    filled = workbook(blank_template(tmp / "blank"), tmp / "filled.xlsx").read_bytes()
    return [("phieu.xlsx", filled), ("mau-trong.xlsx", BLANK_TEMPLATE.read_bytes()),
            ("tan-quy.xlsx", SAMPLE_XLSX.read_bytes()), ("phu-my.ods", SAMPLE_ODS.read_bytes())]


def test_seeds_read_cleanly(tmp_path, seeds):
    """The starting points themselves read: a mutant's failure is the mutation's doing."""
    for name, data in seeds:
        sub = examine(entry(write(tmp_path / name, data)), CONTEXT)
        check(sub)
        assert sub.fate is not Fate.UNREADABLE, (name, sub.reason)   # the blank template is unidentified


def test_mutants_never_break_examine(tmp_path, seeds):
    """F1: every mutant examined gives a Submission; crashes are collected, then reported together."""
    crashes: list[str] = []
    fates: dict[str, int] = {}
    for n in range(MUTANTS):
        rng = random.Random(SEED * 1_000_003 + n)
        name, data = seeds[n % len(seeds)]
        damaged, where = mutant(data, rng)
        path = write(tmp_path / f"{n % 8}-{name}", damaged)
        try:
            sub = examine(entry(path), CONTEXT)
            check(sub)
        except Exception as exc:   # noqa: BLE001  (a finding of the fuzz: reported with its seed)
            crashes.append(f"mutant {n} ({name}, {where}): {type(exc).__name__}: {exc}"[:300])
            continue
        key = sub.fate.value if sub.fate else "read"
        fates[key] = fates.get(key, 0) + 1
    assert not crashes, "\n".join(crashes[:20])
    assert fates.get("read", 0) and fates.get("unreadable", 0), fates   # the pass reached both outcomes


# --- F2: any values typed into the named cells ---------------------------------------------------

@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[bytes, dict[str, tuple[str, str]]]:
    """A filled template and, for each single-cell CDS_ name, (sheet part, A1 ref)."""
    tmp = tmp_path_factory.mktemp("fuzz-typed")
    data = workbook(blank_template(tmp / "blank"), tmp / "filled.xlsx").read_bytes()
    pkg = Package("filled.xlsx", data, "xlsx")
    parts = dict(sheet_parts(pkg)[0])
    spots = {name: (parts[sheet], ref) for name, (sheet, ref) in names_in(pkg).items()
             if name.startswith("CDS_") and ":" not in ref}
    return data, spots


SPECIAL = ("Đạt", "Không đạt", "Có", "Không", "x", "✓", "7,5", "1.234,5", "NaN", "nan", "inf", "-inf", "Infinity",
           "1e308", "1e999", "-0", "8 điểm", "85%", "#DIV/0!", "#N/A", "", " ", "\u00a0", "Tr\u00adêng THCS",
           "=1/0", "=SUM(A1:A3)", '="Đạt"', "05/09/2025", "31/02/2025", "0001-01-01", "qd4725-phothong",
           "79001", "79001.0", "\u202e\u0301", "🙂" * 5)
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")) | st.sampled_from("\t\n"), max_size=60)
LONG = st.builds(lambda piece, n: piece * n, st.sampled_from(["Đ", "a ", "7,5", "🙂"]), st.integers(1_000, 40_000))
EDGES = st.sampled_from([float("inf"), float("-inf"), float("nan"), -0.0, 1e308, -1e308, 5e-324, 2.0 ** 53 + 1,
                         10 ** 30, -(10 ** 30), 0.85, 36526, 73050])
VALUES = st.one_of(st.none(), st.sampled_from(SPECIAL), EDGES, TEXT, LONG, st.booleans(),
                   st.integers(-(2 ** 70), 2 ** 70), st.floats(), st.dates(), st.datetimes())


def cell_xml(ref: str, value: object) -> bytes:
    """The <c> a spreadsheet program writes for `value` at `ref` ('=…' text is a formula without a
    stored result, '#…' an error cell)."""
    head = f'<c r="{ref}"'
    if value is None:
        body = "/>"
    elif isinstance(value, bool):
        body = f' t="b"><v>{int(value)}</v></c>'
    elif isinstance(value, (int, float)):
        body = f' t="n"><v>{value!r}</v></c>'
    elif isinstance(value, (date, datetime)):
        body = f' t="d"><v>{value.isoformat()}</v></c>'
    elif isinstance(value, str) and value.startswith("=") and len(value) > 1:
        body = f"><f>{escape(value[1:])}</f></c>"
    elif isinstance(value, str) and value.startswith("#"):
        body = f' t="e"><v>{escape(value)}</v></c>'
    else:
        body = f' t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'
    return (head + body).encode()


def typed_into(data: bytes, spots: dict[str, tuple[str, str]], values: dict[str, object]) -> bytes:
    """The template `data` with each named cell of `values` rewritten in its sheet part."""
    edits: dict[str, dict[str, object]] = {}
    for name, value in values.items():
        part, ref = spots[name]
        edits.setdefault(part, {})[ref] = value

    def edit(cells: dict[str, object]):
        def rewrite(xml: bytes) -> bytes:
            for ref, value in cells.items():
                m = re.search(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', xml, re.S)
                assert m, ref
                xml = xml[:m.start()] + cell_xml(ref, value) + xml[m.end():]
            return xml
        return rewrite

    return rezip(data, {part: edit(cells) for part, cells in edits.items()})


@settings(max_examples=EXAMPLES, deadline=None, derandomize="CDS_FUZZ_RANDOM" not in os.environ, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_any_typed_values_never_break_examine(tmp_path, template, data):
    """F2: whatever a school (or a script) types into the named cells, examine gives a Submission and
    never a score above the maximum."""
    source, spots = template
    values = data.draw(st.dictionaries(st.sampled_from(sorted(spots)), VALUES, min_size=1, max_size=10))
    sub = examine(entry(write(tmp_path / "phieu.xlsx", typed_into(source, spots, values))), CONTEXT)
    check(sub)


def test_typed_values_reach_the_reader(tmp_path, template):
    """The property test edits the right cells: a value typed this way is read back as typed."""
    source, spots = template
    sub = examine(entry(write(tmp_path / "phieu.xlsx", typed_into(source, spots, {"CDS_V_1_2": 4.5}))), CONTEXT)
    assert sub.answers["1.2"] == 4.5


@pytest.mark.parametrize("path", [SAMPLE_XLSX, SAMPLE_ODS, BLANK_TEMPLATE], ids=lambda p: Path(p).suffix)
def test_seed_files_exist(path):
    assert path.is_file(), path


# --- regressions: each crash the fuzz found, with the smallest file that showed it ----------------

def _set_attr(member: str, old: bytes, new: bytes):
    return {member: lambda xml: xml.replace(old, new, 3)}


TYPED_REGRESSIONS = {   # a value typed into a named cell → the crash it caused (module:function)
    "total-inf": ({"CDS_T_1": float("inf")}, "validate.total_findings: Fraction('inf')"),
    "total-nan": ({"CDS_T_1": float("nan")}, "validate.total_findings: Fraction('nan')"),
    "report-date-inf": ({"CDS_REPORT_DATE": float("-inf")}, "read_values.report_date: int(-inf)"),
    "report-date-nan": ({"CDS_REPORT_DATE": float("nan")}, "read_values.report_date: int(nan)"),
}


@pytest.mark.parametrize("values,crash", list(TYPED_REGRESSIONS.values()), ids=list(TYPED_REGRESSIONS))
def test_regression_typed_non_finite_numbers(tmp_path, template, values, crash):
    """A cached total or a report date that no spreadsheet shows (inf, nan) is text to the checks,
    not a crash; the file is still scored."""
    source, spots = template
    sub = examine(entry(write(tmp_path / "phieu.xlsx", typed_into(source, spots, values))), CONTEXT)
    check(sub)
    assert sub.fate is None and sub.result is not None, crash


PART_REGRESSIONS = {   # (seed, member, old, new) → the crash it caused
    "style-number-format": ("phieu.xlsx", "xl/styles.xml", b'numFmtId="', b'numFmtId="]]>',
                            "read_extras._xlsx_styles: int(']]>') (mutant 6392 of seed 99)"),
    "style-font": ("phieu.xlsx", "xl/styles.xml", b'fontId="', b'fontId="x', "read_extras._xlsx_styles: int('x0')"),
    "custom-integer": ("phieu.xlsx", "docProps/custom.xml", b"<vt:lpwstr>", b"<vt:i4>abc</vt:i4><vt:lpwstr>",
                       "read_extras.custom_properties: int('abc')"),
    "ods-float-property": ("phu-my.ods", "meta.xml", b'meta:value-type="string"', b'meta:value-type="float"',
                           "read_extras.custom_properties: float('quan7-mamnon-2023')"),
}


@pytest.mark.parametrize("seed,member,old,new,crash", list(PART_REGRESSIONS.values()), ids=list(PART_REGRESSIONS))
def test_regression_damaged_attributes(tmp_path, seeds, seed, member, old, new, crash):
    """A style index, a property type or a value that is not the number it should be: read as if
    absent, never a crash."""
    data = dict(seeds)[seed]
    assert old in zipfile.ZipFile(io.BytesIO(data)).read(member)
    sub = examine(entry(write(tmp_path / seed, rezip(data, _set_attr(member, old, new)))), CONTEXT)
    check(sub)
    assert sub.fate is None, (crash, sub.reason)


def test_regression_row_number_not_a_number(tmp_path, seeds):
    """read_extras._xlsx_cells: int('x1') for a <row r="x1"> once a cell without r made it count
    positions (calamine reads such a sheet)."""
    data = dict(seeds)["phieu.xlsx"]

    def edit(xml: bytes) -> bytes:
        return xml.replace(b'<row r="', b'<row r="x', 1).replace(b'<c r="A', b'<c foo="A', 1)

    sub = examine(entry(write(tmp_path / "phieu.xlsx", rezip(data, {"xl/worksheets/sheet3.xml": edit}))), CONTEXT)
    check(sub)
