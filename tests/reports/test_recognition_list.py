"""Recognition list and publication page: the annex to the office's decision and the web page.

The bundled samples district (`cds-batch run` on samples/inbox, as `review_helpers.samples` runs it)
with the decisions below, and one evaluated line that lowers a school's level. Every other scored school
is decided "Công nhận", also the two whose self-assessment still has errors: 79707, whose two erring
criteria the evaluators valued (recognised, its errors marked resolved), and 79904, whose 13 blank
criteria of group 2 they did not (withheld: listed apart, no level). Three schools are given
hostile names and communes: markup, a formula, and quotes with '&'. The expected sections are worked
out here from the `Recognition` and the roster's order, never from the writers' own helpers.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
from dataclasses import dataclass, field, replace
from fractions import Fraction
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from cds_batch.core.findings import Code, finding
from cds_batch.district.recognition import CriterionReview, Decision, Recognition, Review, SchoolDecision, recognise
from cds_batch.reports.page import PAGE_FILE, write_publication_page
from cds_batch.reports.recognition_list import RECOGNITION_FILE, SHEET, TITLE, write_recognition_list

from tests.review_helpers import OFFICE, ROUND, samples, table_rows
from tests.builders.office import soffice_convert

# Every scored school not in this table is recognised ("Công nhận"); "-" is a school with no decision yet.
DECISIONS = """
| Mã trường | Quyết định      | Nhận xét                             |
| 79901     | Yêu cầu bổ sung | Bổ sung kế hoạch dạy học trực tuyến. |
| 79702     | Không công nhận | Minh chứng không khớp với điểm       |
| 79803     | -               |                                      |
"""
LABELS = {"Công nhận": Decision.RECOGNISED, "Yêu cầu bổ sung": Decision.MORE_EVIDENCE,
          "Không công nhận": Decision.NOT_RECOGNISED, "-": None}
# 79906 claimed 14 points for 1.5.1; evaluated 0, its group 1 falls from 88 to 74: Mức 3 → Mức 2.
LOWERED = CriterionReview("79906", "1.5.1", points=Fraction(0), comment="Chưa có phòng máy")
# 79707 answered 1.2a out of range and 2.3a with no option: the evaluators give both a value.
CURED = (CriterionReview("79707", "1.2a", points=Fraction(10)), CriterionReview("79707", "2.3a", points=Fraction(3)))
GROUP_2 = ("2.1", "2.2", *(f"2.3.{n}" for n in range(1, 9)), "2.4.1", "2.4.2", "2.4.3")   # 79904 left them blank
SCRIPT_NAME = "<script>alert(1)</script>"
FORMULA_NAME = '=HYPERLINK("http://x","y")'
QUOTED_COMMUNE = 'Phường "Tân Phong" & <Phú Mỹ>'
HOSTILE = {"79909": (SCRIPT_NAME, None), "79908": (FORMULA_NAME, None), "79709": (None, QUOTED_COMMUNE)}
NOT_RECOGNISED, WITHHELD = "IV", "V"
SECTION = {3: "I", 2: "II", 1: "III", None: NOT_RECOGNISED}


@dataclass
class Built:
    district: object
    recognition: object
    folder: Path
    rubrics: tuple = ()
    xlsx: Path = field(init=False)
    html: Path = field(init=False)

    def __post_init__(self):
        self.xlsx, self.html = self.folder / RECOGNITION_FILE, self.folder / PAGE_FILE


def hostile(district):
    """The district with some schools' names and communes replaced by hostile text."""
    def changed(row):
        name, commune = HOSTILE.get(row.info.code, (None, None))
        return replace(row, info=replace(row.info, name=name or row.info.name, commune=commune or row.info.commune))
    return replace(district, schools=tuple(changed(row) for row in district.schools))


def write_both(recognition, district, folder):
    write_recognition_list(recognition, district, folder / RECOGNITION_FILE, office=OFFICE, round_label=ROUND)
    write_publication_page(recognition, district, folder / PAGE_FILE, office=OFFICE, round_label=ROUND)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    run = samples(tmp_path_factory.mktemp("recognition-run"))
    district = hostile(run.district)
    typed = {code: LABELS[label] for code, label, _ in table_rows(DECISIONS)}
    notes = {code: note for code, _, note in table_rows(DECISIONS)}
    scored = [row.info.code for row in district.schools if row.used is not None and row.used.result is not None]
    review = Review("danh-gia-ngoai.xlsx", ROUND, OFFICE, {}, criteria=(LOWERED, *CURED), schools=tuple(
        SchoolDecision(code, typed.get(code, Decision.RECOGNISED), "Nguyễn Văn An", notes.get(code, ""))
        for code in scored))
    recognition = recognise(district, review, run.rubrics)
    folder = tmp_path_factory.mktemp("recognition")
    write_both(recognition, district, folder)
    return Built(district, recognition, folder, run.rubrics)


def expected_sections(built):
    """Section numeral → school codes in the roster's order: recognised by level, the rest, then the withheld."""
    order = [row.info.code for row in built.district.schools]
    out: dict[str, list[str]] = {numeral: [] for numeral in (*SECTION.values(), WITHHELD)}
    for school in sorted(built.recognition.schools, key=lambda s: order.index(s.code)):
        out[WITHHELD if school.withheld else SECTION[school.recognised_level]].append(school.code)
    return out


def annex_rows(path):
    """(section numeral, [row cells]) for every school row of the annex, read back with openpyxl."""
    ws = openpyxl.load_workbook(path)[SHEET]
    section, rows = None, []
    for cells in ws.iter_rows(min_row=1, max_col=8):
        first = cells[0].value
        if isinstance(first, str) and (m := re.match(r"(I|II|III|IV|V)\. ", first)):
            section = m.group(1)
        elif isinstance(first, int) and section is not None:
            rows.append((section, cells))
    return rows


# ---- the annex: grouping and content ------------------------------------------------------------

def test_the_sample_decisions_give_every_section_a_school(built):
    got = {numeral: len(codes) for numeral, codes in expected_sections(built).items()}
    assert all(got.values()), got
    assert built.recognition.school("79906").recognised_level == 2
    assert built.recognition.school("79906").self_result.overall_level == 3
    assert expected_sections(built)[WITHHELD] == ["79904"]
    assert built.recognition.school("79707").errors_resolved


def test_a_school_decided_recognised_with_uncured_errors_is_withheld_with_a_finding_at_its_decision(built):
    held = built.recognition.school("79904")
    assert held.decision is Decision.RECOGNISED and held.recognised_level is None and held.withheld
    assert held.unresolved == GROUP_2 and held.file_errors == () and held.resolved == ()
    assert [f.code.name for f in built.recognition.findings] == ["V106"]
    found = built.recognition.findings[0]
    assert found.file == "danh-gia-ngoai.xlsx" and "79904" in found.message
    assert ", ".join(GROUP_2) in found.message and "--review" in found.message
    cured = built.recognition.school("79707")
    assert (cured.resolved, cured.unresolved) == (("1.2a", "2.3a"), ())
    assert cured.recognised_level == cured.result.overall_level


def test_an_error_tied_to_no_criterion_is_not_cured_by_evaluated_values(built):
    """An identity error (E401: the file was made for another school) withholds even a fully valued school."""
    row = next(r for r in built.district.schools if r.info.code == "79707")
    identity = finding(Code.E401, file="x.xlsx", value="79001", expected="79707")
    wrong = replace(row.used, findings=(*row.used.findings, identity))
    district = replace(built.district, schools=tuple(replace(r, used=wrong) if r is row else r
                                                     for r in built.district.schools))
    review = Review("danh-gia-ngoai.xlsx", ROUND, OFFICE, {}, criteria=CURED,
                    schools=(SchoolDecision("79707", Decision.RECOGNISED, sheet="Kết luận", cell="F9"),))
    again = recognise(district, review, built.rubrics)
    school = again.school("79707")
    assert school.file_errors == ("E401",) and school.unresolved == () and school.recognised_level is None
    assert [(f.code.name, f.sheet, f.cell) for f in again.findings] == [("V107", "Kết luận", "F9")]


def test_schools_are_grouped_by_recognised_level_then_not_recognised_in_roster_order(built):
    got: dict[str, list[str]] = {numeral: [] for numeral in (*SECTION.values(), WITHHELD)}
    numbers: dict[str, list[int]] = {numeral: [] for numeral in (*SECTION.values(), WITHHELD)}
    for section, cells in annex_rows(built.xlsx):
        got[section].append(cells[1].value)
        numbers[section].append(cells[0].value)
    assert got == expected_sections(built)
    assert all(n == list(range(1, len(n) + 1)) for n in numbers.values())   # STT restarts in each section


def test_every_school_appears_once_with_its_recognised_group_and_overall_levels(built):
    rows = annex_rows(built.xlsx)
    codes = [cells[1].value for _, cells in rows]
    assert sorted(codes) == sorted(s.code for s in built.recognition.schools)
    assert len(codes) == len(set(codes))
    for section, cells in rows:
        school = built.recognition.school(cells[1].value)
        levels = [c.value for c in cells[4:7]]
        if school.recognised_level is None:
            assert levels == [None, None, None] and section == (WITHHELD if school.withheld else NOT_RECOGNISED)
        else:
            assert section == SECTION[school.recognised_level]
            assert levels == [school.result.group(1).level, school.result.group(2).level, school.recognised_level]


def test_names_and_communes_come_from_the_roster_and_notes_give_decision_and_reason(built):
    info = {row.info.code: row.info for row in built.district.schools}
    notes = {}
    for _, cells in annex_rows(built.xlsx):
        code = cells[1].value
        assert (cells[2].value, cells[3].value) == (info[code].name, info[code].commune)
        notes[code] = cells[7].value
    assert notes["79901"] == "Yêu cầu bổ sung: Bổ sung kế hoạch dạy học trực tuyến. Tự đánh giá: Mức 2."
    assert notes["79702"] == "Không công nhận: Minh chứng không khớp với điểm. Tự đánh giá: Mức 2."
    assert notes["79803"] == "Chưa có kết luận. Tự đánh giá: Mức 2."
    assert notes["79906"] == "Tự đánh giá: Mức 3."
    assert notes["79904"].startswith("Chưa đủ điều kiện công nhận: phiếu tự đánh giá còn lỗi ở tiêu chí 2.1, 2.2, ")
    assert notes["79904"].endswith("2.4.3 nhưng bảng đánh giá ngoài chưa có giá trị đánh giá của các tiêu chí này. "
                                   f"Tự đánh giá: Mức {built.recognition.school('79904').self_result.overall_level}.")
    assert notes["79707"].startswith("Đã xử lý lỗi khi đánh giá ngoài (tiêu chí 1.2a, 2.3a).")
    assert notes["79808"] is None   # recognised at the level it gave itself: nothing to note


def test_title_block_names_the_office_the_round_and_the_decision_it_is_attached_to(built):
    ws = openpyxl.load_workbook(built.xlsx)[SHEET]
    top = [ws.cell(r, 1).value for r in range(1, 6)]
    assert top[:3] == ["PHỤ LỤC", TITLE, ROUND]
    assert top[3].startswith("(Kèm theo Quyết định số ") and top[3].endswith(f"của {OFFICE})")
    assert top[4].startswith(f"Tổng số: {len(built.recognition.schools)} trường; được công nhận: ")
    last = [ws.cell(r, 5).value for r in range(ws.max_row - 8, ws.max_row + 1)]
    assert "TRƯỞNG PHÒNG" in last and "(Ký, ghi rõ họ tên và đóng dấu)" in last


def test_prints_on_a4_one_page_wide_with_the_header_rows_repeated_and_page_numbers(built):
    ws = openpyxl.load_workbook(built.xlsx)[SHEET]
    setup = ws.page_setup
    assert int(setup.paperSize) == 9 and setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0)   # the file format's default width is 1
    assert ws.print_title_rows == "$7:$8"
    assert [ws.cell(r, 1).value for r in (7, 8)] == ["STT", None] and ws.cell(8, 5).value == "Nhóm 1 (dạy, học)"
    assert "Trang &P/&N" in ws.oddFooter.right.text
    assert ws.freeze_panes == "A9"


def test_school_text_is_stored_as_strings_even_when_it_looks_like_a_formula(built):
    ws = openpyxl.load_workbook(built.xlsx)[SHEET]
    for _, cells in annex_rows(built.xlsx):
        for cell in (cells[1], cells[2], cells[3]):
            assert cell.data_type == "s" and isinstance(cell.value, str), cell.coordinate
    formula = next(cells[2] for _, cells in annex_rows(built.xlsx) if cells[1].value == "79908")
    assert formula.value == FORMULA_NAME
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_the_same_recognition_gives_the_same_bytes(built, tmp_path):
    write_both(built.recognition, built.district, tmp_path)
    assert (tmp_path / RECOGNITION_FILE).read_bytes() == built.xlsx.read_bytes()
    assert (tmp_path / PAGE_FILE).read_bytes() == built.html.read_bytes()


def test_an_empty_section_says_so_and_a_missing_office_leaves_the_blank_to_fill(built, tmp_path):
    only_two = Recognition(tuple(s for s in built.recognition.schools if s.recognised_level == 2))
    target = tmp_path / RECOGNITION_FILE
    write_recognition_list(only_two, built.district, target, office="", round_label="")
    ws = openpyxl.load_workbook(target)[SHEET]
    column = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    for numeral, count in (("I", 0), ("II", len(only_two.schools)), ("III", 0), ("IV", 0)):
        at = next(i for i, v in enumerate(column) if isinstance(v, str) and v.startswith(f"{numeral}. "))
        assert column[at].endswith(f"({count} trường)")
        assert (column[at + 1] == "Không có trường nào.") == (count == 0)
    assert column[2] is None and column[3].endswith("của ……………)")
    write_publication_page(only_two, built.district, tmp_path / PAGE_FILE, office="", round_label="")
    shown = Page((tmp_path / PAGE_FILE).read_text(encoding="utf-8"))
    assert len(shown.rows) == len(only_two.schools) and ("p", {"class": "office"}) not in shown.tags


# ---- the publication page ------------------------------------------------------------------------

class Page(HTMLParser):
    """What a browser would load and show: every tag's attributes, the table's cells, script and style text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.rows: list[list[str]] = []
        self.heads: list[str] = []
        self.texts: dict[str, list[str]] = {"script": [], "style": []}
        self._cell: list[str] | None = None
        self._raw: str | None = None
        self._body = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag in self.texts:
            self._raw = tag
            self.texts[tag].append("")
        elif tag == "tbody":
            self._body = True
        elif tag == "tr" and self._body:
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in self.texts:
            self._raw = None
        elif tag == "tbody":
            self._body = False
        elif tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell)
            (self.rows[-1] if tag == "td" else self.heads).append(text)
            self._cell = None

    def handle_data(self, data):
        if self._raw is not None:
            self.texts[self._raw][-1] += data
        elif self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def page(built):
    return Page(built.html.read_text(encoding="utf-8"))


def test_the_page_loads_nothing_from_elsewhere(built, page):
    text = built.html.read_text(encoding="utf-8")
    links = {k: v for _, attrs in page.tags for k, v in attrs.items()
             if k in ("src", "href", "action", "formaction", "poster", "srcset", "data", "background")}
    assert not [v for v in links.values() if re.match(r"\s*(https?:|//)", v, re.IGNORECASE)], links
    assert not links   # not even a local file: the page is one file
    assert not [t for t, _ in page.tags if t in ("link", "img", "iframe", "object", "embed", "base")]
    assert not re.search(r"url\(|@import|https?://", "".join(page.texts["style"]))
    assert not re.search(r"https?:|fetch\(|XMLHttpRequest|import\(", "".join(page.texts["script"]))
    shown = text.replace(escape(FORMULA_NAME), "")   # the one school name holding a URL, shown as text
    assert not re.search(r"https?://|\b(src|href)\s*=", shown)


def test_the_page_is_vietnamese_utf8_and_its_policy_allows_exactly_its_own_style_and_script(page):
    html = next(attrs for tag, attrs in page.tags if tag == "html")
    assert html["lang"] == "vi"
    assert ("meta", {"charset": "utf-8"}) in page.tags
    tags = [t for t, _ in page.tags]
    assert tags.count("script") == 1 and tags.count("style") == 1
    policy = next(a["content"] for t, a in page.tags if a.get("http-equiv") == "Content-Security-Policy")

    def digest(text):
        return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    # A browser refuses a style or script whose hash the policy does not list: the page would silently not sort.
    assert f"style-src '{digest(page.texts['style'][0])}'" in policy
    assert f"script-src '{digest(page.texts['script'][0])}'" in policy
    assert policy.startswith("default-src 'none';")


def test_every_school_has_its_row_with_recognised_levels_and_decision(built, page):
    assert page.heads == ["STT", "Mã trường", "Tên trường", "Xã/Phường", "Nhóm 1 (dạy, học)", "Nhóm 2 (quản trị)",
                          "Mức chung", "Kết quả"]
    info = {row.info.code: row.info for row in built.district.schools}
    order = [code for codes in expected_sections(built).values() for code in codes]
    assert [row[1] for row in page.rows] == order
    for n, row in enumerate(page.rows, start=1):
        school = built.recognition.school(row[1])
        assert row[:4] == [str(n), school.code, info[school.code].name, info[school.code].commune]
        if school.withheld:
            assert row[4:7] == ["—", "—", "—"] and row[7].startswith("Chưa đủ điều kiện công nhận: ")
        elif school.recognised_level is None:
            assert row[4:] == ["—", "—", "—", school.decision.label if school.decision else "Chưa có kết luận"]
        else:
            resolved = ". Đã xử lý lỗi khi đánh giá ngoài (tiêu chí 1.2a, 2.3a)" if school.code == "79707" else ""
            assert row[4:] == [f"Mức {school.result.group(1).level}", f"Mức {school.result.group(2).level}",
                               f"Mức {school.recognised_level}", "Công nhận" + resolved]


def test_the_counts_at_the_top_are_the_schools_per_level(built, page):
    counts = {numeral: len(codes) for numeral, codes in expected_sections(built).items()}
    text = built.html.read_text(encoding="utf-8")
    for level, numeral in SECTION.items():
        label = f"Mức {level}" if level else "Chưa công nhận"
        assert f'<span class="label">{label}:</span> <strong>{counts[numeral]}</strong> trường' in text
    assert f'<span class="label">Chưa đủ điều kiện công nhận:</span> <strong>{counts[WITHHELD]}</strong>' in text


def test_hostile_school_text_is_escaped_and_shown_as_text(built, page):
    text = built.html.read_text(encoding="utf-8")
    assert SCRIPT_NAME not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert [t for t, _ in page.tags].count("script") == 1
    names = {row[1]: (row[2], row[3]) for row in page.rows}
    assert names["79909"][0] == SCRIPT_NAME and names["79908"][0] == FORMULA_NAME
    assert names["79709"][1] == QUOTED_COMMUNE


def test_print_css_hides_the_controls_and_repeats_the_header(page):
    style = page.texts["style"][0]
    printing = style[style.index("@media print"):]
    assert "@page { size: A4" in style
    assert re.search(r"\.search[^{]*\{ display: none !important; \}", printing)
    assert "thead { display: table-header-group; }" in printing
    search = next(attrs for tag, attrs in page.tags if attrs.get("id") == "tim-kiem")
    assert "hidden" in search   # shown by the script: without it, no search box that does nothing


# What a browser does with the page's script, in Node with a minimal DOM: click the name header, then
# type into the search box. Rows are [[text, data-v or null], ...]; the output is the visible codes.
_NODE_DOM = r"""
const spec = JSON.parse(require("fs").readFileSync(0, "utf8"));
function el(text, attrs) {
  const a = Object.assign({}, attrs || {}), handlers = {};
  return {textContent: text, hidden: false, cells: [], value: "",
    hasAttribute: k => k in a, getAttribute: k => (k in a ? a[k] : null),
    setAttribute: (k, v) => { a[k] = String(v); }, removeAttribute: k => { delete a[k]; },
    addEventListener: (type, f) => { handlers[type] = f; }, fire: type => handlers[type](),
    querySelector: () => null};
}
const heads = spec.heads.map(([text, attrs]) => { const th = el(text, attrs); th.button = el(text);
  th.querySelector = () => th.button; return th; });
const rows = spec.rows.map(cells => { const tr = el("");
  tr.cells = cells.map(([text, v]) => el(text, v === null ? {} : {"data-v": v})); return tr; });
const body = {rows: rows, appendChild: r => { rows.splice(rows.indexOf(r), 1); rows.push(r); }};
const ids = {ds: {tBodies: [body], tHead: {rows: [{cells: heads}]}}, tim: el(""), dem: el(""), "tim-kiem": el("")};
global.document = {getElementById: id => ids[id]};
eval(spec.script);
const out = {};
const byName = heads.findIndex(h => h.textContent === "Tên trường");
heads[byName].button.fire("click");
out.ascending = rows.map(r => r.cells[1].textContent);
heads[byName].button.fire("click");
out.descending = rows.map(r => r.cells[1].textContent);
const byLevel = heads.findIndex(h => h.textContent === "Mức chung");
heads[byLevel].button.fire("click");
out.level = rows.map(r => r.cells[1].textContent);
ids.tim.value = spec.query; ids.tim.fire("input");
out.found = rows.filter(r => !r.hidden).map(r => r.cells[1].textContent);
out.status = ids.dem.textContent;
out.shown = !ids["tim-kiem"].hidden;
process.stdout.write(JSON.stringify(out));
"""


class Cells(HTMLParser):
    """The header cells and body rows with their data-v attributes, for the Node DOM."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.heads: list[list[object]] = []
        self.rows: list[list[list[object]]] = []
        self._cell: list[object] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "tr" and self.heads:
            self.rows.append([])
        elif tag == "th":
            self._cell = ["", {k: v for k, v in a.items() if k in ("aria-sort", "data-number")}]
            self.heads.append(self._cell)
        elif tag == "td":
            self._cell = ["", a.get("data-v")]
            self.rows[-1].append(self._cell)

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data


# Node.js comes with the test set-up (scripts/test.sh), so a missing one fails here, not skips.
def test_the_script_sorts_names_the_vietnamese_way_and_filters_ignoring_accents(built, page):
    cells = Cells(built.html.read_text(encoding="utf-8"))
    spec = {"heads": cells.heads, "rows": cells.rows, "script": page.texts["script"][0], "query": "nguyen hien"}
    done = subprocess.run(["node", "-e", _NODE_DOM], input=json.dumps(spec), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    names = {row[1]: row[2] for row in page.rows}
    position = {names[c]: i for i, c in enumerate(out["ascending"])}
    assert out["descending"] == out["ascending"][::-1]
    # Vietnamese order, which code point order gets wrong: Đ right after D (before K, not after Z), and
    # the tone mark only breaks ties ("Họa Mi" before "Hoa Sen", as "hoa mi" before "hoa sen").
    assert position["Trường Tiểu học Đinh Bộ Lĩnh"] < position["Trường Tiểu học Kim Đồng"]
    assert position["Trường Mầm non Họa Mi"] < position["Trường Mầm non Hoa Sen"]
    assert position["Trường THCS Nguyễn Hiền"] < position["Trường Tiểu học Đinh Bộ Lĩnh"]
    levels = {row[1]: row[6] for row in page.rows}
    recognised = sorted((v for v in levels.values() if v != "—"), key=lambda v: int(v[-1]))
    assert [levels[c] for c in out["level"]] == recognised + ["—"] * (len(levels) - len(recognised))
    assert out["found"] == ["79906"] and out["status"] == f"Đang hiện 1/{len(page.rows)} trường."
    assert out["shown"]


# ---- printed through LibreOffice -----------------------------------------------------------------

@pytest.mark.slow
def test_libreoffice_prints_the_annex_on_a4_with_the_title_and_every_school(built, tmp_path):
    pdf = soffice_convert(built.xlsx, "pdf", tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "PHỤ LỤC" in text and TITLE in text and ROUND in text
    for school in built.recognition.schools:
        assert " ".join(school.name.split()) in text, school.name
    assert "Trang 1/" in text and "TRƯỞNG PHÒNG" in text
