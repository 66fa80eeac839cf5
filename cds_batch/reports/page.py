"""Report, publication page: the recognised levels as one HTML file for the office's web portal.

In: the `Recognition`, the consolidated `District` (communes), the office and the round.
Out: one self-contained UTF-8 .html, written atomically: the counts per level, then a table of every
school of the recognition (code, name, commune, recognised group levels and overall level, the
decision; why a school decided "Công nhận" is not eligible, or that a recognised school's errors were
resolved by the evaluation) in the order of the annex (`report_recognition.sections`). Headers sort the table on a click
(Vietnamese collation through `localeCompare('vi')`); a search box filters by school name, ignoring
accents. Nothing is loaded from elsewhere: inline CSS and script only, pinned by a Content-Security-
Policy with their hashes, so even a school name that slipped through unescaped could not run. Prints
on A4 without the search box, the header row repeated on every page. Byte-identical for the same inputs.
"""
from __future__ import annotations

import base64
import hashlib
from html import escape
from pathlib import Path
from typing import Iterator, Sequence

from cds_batch.core.atomic import write_text_atomic
from cds_batch.district.consolidate import District
from cds_batch.district.recognition import NOT_ELIGIBLE, Recognition
from cds_batch.reports.labels import ROW_NO, SCHOOL_CODE, SCHOOL_NAME
from cds_batch.reports.recognition_list import LEVELS, Listed, ListPart, sections, summary
from cds_batch.reports.standing import recognition_standing
from cds_batch.rubric.model import Rubric

from cds_batch.reports.contract import PAGE_FILE as PAGE_FILE  # noqa: F401  (imported from here)
TITLE = "Kết quả công nhận mức độ chuyển đổi số"
NOT_RECOGNISED = "Chưa công nhận"
NONE = "—"   # a level the office did not recognise
# (header, sorts as numbers); the table's columns in order.
HEADERS = ((ROW_NO, True), (SCHOOL_CODE, False), (SCHOOL_NAME, False), ("Xã/Phường", False),
           ("Nhóm 1 (dạy, học)", True), ("Nhóm 2 (quản trị)", True), ("Mức chung", True), ("Kết quả", False))
NAME_COLUMN = 2

CSS = """\
:root { color-scheme: light; }
body { margin: 0 auto; max-width: 72rem; padding: 1.5rem 1rem 3rem; color: #1a1a1a; background: #fff;
  font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
header { text-align: center; margin-bottom: 1.25rem; }
.office { margin: 0; font-weight: 600; text-transform: uppercase; letter-spacing: .02em; }
h1 { margin: .35rem 0; font-size: 1.55rem; }
.round { margin: 0; font-size: 1.1rem; }
.counts { display: flex; flex-wrap: wrap; gap: .75rem; justify-content: center; margin: 1rem 0 .5rem;
  padding: 0; list-style: none; }
.counts li { min-width: 8.5rem; padding: .6rem .9rem; border: 1px solid #d0d7de; border-radius: .4rem;
  text-align: center; }
.counts .label { display: block; font-weight: 600; }
.counts strong { display: block; font-size: 1.6rem; line-height: 1.2; }
.total { text-align: center; margin: .25rem 0 1rem; }
.search { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; margin: 0 0 .75rem; }
.search[hidden] { display: none; }
.search input { flex: 1 1 18rem; max-width: 28rem; padding: .4rem .55rem; font: inherit;
  border: 1px solid #8c959f; border-radius: .3rem; }
table { width: 100%; border-collapse: collapse; }
caption { text-align: left; font-weight: 600; padding: .25rem 0 .5rem; }
th, td { border: 1px solid #c7ced6; padding: .35rem .5rem; vertical-align: top; }
thead th { background: #dfe7f3; }
th button { all: unset; cursor: pointer; font-weight: 700; display: block; text-align: center; }
th button:focus-visible { outline: 2px solid #1f4e78; outline-offset: 2px; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; font-size: .75em; }
th[aria-sort="descending"] button::after { content: " \\25BC"; font-size: .75em; }
td.n { text-align: center; white-space: nowrap; }
tbody tr:nth-child(even) { background: #f6f8fa; }
.l3 { color: #006100; font-weight: 600; }
.l2 { color: #1f4e78; font-weight: 600; }
.l1 { color: #7a4b00; font-weight: 600; }
.no { color: #6e7781; }
.wh { color: #9c0006; }
.hint { color: #57606a; font-size: .9rem; }
.standing { margin: .5rem auto 1rem; max-width: 52rem; padding: .5rem .75rem; border: 1px solid #f0c987;
  border-radius: .4rem; background: #fff6e6; color: #6b3b00; font-weight: 600; text-align: center; }
@page { size: A4 portrait; margin: 14mm 12mm 16mm; }
@media print {
  body { max-width: none; padding: 0; font: 10.5pt/1.3 "Times New Roman", Times, serif; color: #000; }
  .search, .hint, [role="status"] { display: none !important; }
  th[aria-sort] button::after { content: none; }
  th button { cursor: auto; display: contents; }   /* Chromium draws no button in a repeated header */
  thead { display: table-header-group; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  tbody tr[hidden] { display: table-row; }
  tbody tr:nth-child(even), thead th { background: none; }
  th, td { border-color: #000; padding: 2pt 4pt; }
  .counts li { border-color: #000; padding: 3pt 6pt; min-width: 0; }
  .counts .label, .counts strong { font-size: 11pt; display: inline; }
  .l3, .l2, .l1, .no, .wh { color: #000; font-weight: normal; }
  .standing { border-color: #000; background: none; color: #000; }
}
"""

SCRIPT = """\
(function () {
  "use strict";
  var table = document.getElementById("ds"), body = table.tBodies[0];
  var heads = table.tHead.rows[0].cells, input = document.getElementById("tim");
  var status = document.getElementById("dem"), total = body.rows.length;
  function key(row, i) {
    var cell = row.cells[i];
    return cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent;
  }
  function compare(i, numeric, sign) {
    return function (a, b) {
      var x = key(a, i), y = key(b, i);
      if (x === "" || y === "") { return x === y ? 0 : (x === "" ? 1 : -1); }
      var d = numeric ? x - y : x.localeCompare(y, "vi", {numeric: true, sensitivity: "base"});
      return sign * d || key(a, 0) - key(b, 0);
    };
  }
  function sortBy(i) {
    var sign = heads[i].getAttribute("aria-sort") === "ascending" ? -1 : 1;
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(compare(i, heads[i].hasAttribute("data-number"), sign));
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(heads, function (th) { th.removeAttribute("aria-sort"); });
    heads[i].setAttribute("aria-sort", sign > 0 ? "ascending" : "descending");
  }
  Array.prototype.forEach.call(heads, function (th, i) {
    th.querySelector("button").addEventListener("click", function () { sortBy(i); });
  });
  function fold(text) {
    return text.normalize("NFD").replace(/[\\u0300-\\u036f]/g, "").replace(/[\\u0111\\u0110]/g, "d").toLowerCase();
  }
  input.addEventListener("input", function () {
    var q = fold(input.value.trim()), shown = 0;
    Array.prototype.forEach.call(body.rows, function (row) {
      row.hidden = q !== "" && fold(row.cells[__NAME__].textContent).indexOf(q) < 0;
      shown += row.hidden ? 0 : 1;
    });
    status.textContent = q === "" ? "" : "Đang hiện " + shown + "/" + total + " trường.";
  });
  document.getElementById("tim-kiem").hidden = false;
}());
""".replace("__NAME__", str(NAME_COLUMN))


def write_publication_page(recognition: Recognition, district: District, target: Path, *, office: str,
                           round_label: str, rubrics: Sequence[Rubric] = ()) -> None:
    """Write the publication page of the recognised levels to `target` atomically (UTF-8 HTML).

    :param district: the run's district; only the roster's commune of each school is taken from it.
    :param rubrics: the run's rubrics: a line under the heading names those of the page that are not official.
    """
    write_text_atomic(target, page(sections(recognition, district), office=office, round_label=round_label,
                                   standing=recognition_standing(recognition, rubrics)))


def page(parts: Sequence[ListPart], *, office: str, round_label: str, standing: str | None = None) -> str:
    """The whole HTML document. Pure: the same parts, office and round give the same text."""
    title = f"{TITLE} - {round_label}" if round_label else TITLE
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="vi">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{_policy()}">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        *_top(parts, office, round_label, standing),
        *_table(parts),
        f"<script>{SCRIPT}</script>",
        "</body>",
        "</html>",
        "",
    ])


def _policy() -> str:
    """Nothing but this page's own style and script may run or load: no network, no injected code."""
    return (f"default-src 'none'; style-src '{_digest(CSS)}'; script-src '{_digest(SCRIPT)}'; "
            "img-src 'none'; base-uri 'none'; form-action 'none'")


def _digest(text: str) -> str:
    """A CSP source for an inline element whose content is exactly `text`."""
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _top(parts: Sequence[ListPart], office: str, round_label: str, standing: str | None = None) -> Iterator[str]:
    """The heading, the schools per level and the search box (shown by the script, so never dead)."""
    yield "<header>"
    if office:
        yield f'<p class="office">{escape(office)}</p>'
    yield f"<h1>{escape(TITLE)}</h1>"
    if round_label:
        yield f'<p class="round">{escape(round_label)}</p>'
    yield "</header>"
    if standing:   # the rubric is not the official text: said before any level
        yield f'<p class="standing" role="note">{escape(standing)}</p>'
    yield '<ul class="counts">'
    for part in parts:
        label = f"Mức {part.level}" if part.level is not None else NOT_ELIGIBLE if part.withheld else NOT_RECOGNISED
        look = "wh" if part.withheld else _look(part.level)
        yield (f'<li class="{look}"><span class="label">{escape(label)}:</span> '
               f"<strong>{len(part.schools)}</strong> trường</li>")
    yield "</ul>"
    yield f'<p class="total">{escape(summary(parts))}</p>'
    yield '<p class="search" id="tim-kiem" hidden><label for="tim">Tìm theo tên trường:</label>'
    yield '<input id="tim" type="search" autocomplete="off" placeholder="Ví dụ: Nguyễn Hiền">'
    yield '<span role="status" id="dem"></span></p>'


def _table(parts: Sequence[ListPart]) -> Iterator[str]:
    """The table of every school, numbered in the annex's order; a click on a header sorts it."""
    yield '<table id="ds">'
    yield "<caption>Danh sách trường và mức độ chuyển đổi số được công nhận</caption>"
    yield "<thead><tr>"
    for n, (header, numeric) in enumerate(HEADERS):
        attrs = ' aria-sort="ascending"' if n == 0 else ""
        attrs += " data-number" if numeric else ""
        yield f'<th scope="col"{attrs}><button type="button">{escape(header)}</button></th>'
    yield "</tr></thead>"
    yield "<tbody>"
    rows = [school for part in parts for school in part.schools]
    for n, school in enumerate(rows, start=1):
        yield _row(n, school)
    yield "</tbody>"
    yield "</table>"
    yield ('<p class="hint">Nhóm 1: chuyển đổi số trong dạy, học; nhóm 2: chuyển đổi số trong quản trị cơ sở giáo '
           "dục. Bấm vào tiêu đề cột để sắp xếp.</p>")


def _row(n: int, school: Listed) -> str:
    """One school's row: every text escaped, levels with their number as the sort key."""
    decision = "Công nhận" if school.overall is not None else school.decision
    if school.withheld:
        decision = school.standing
    elif school.standing:
        decision = f"{decision}. {school.standing}"
    look = "wh" if school.withheld else _look(school.overall)
    cells = [f'<td class="n" data-v="{n}">{n}</td>', f'<td class="n">{escape(school.code)}</td>',
             f"<td>{escape(school.name)}</td>", f"<td>{escape(school.commune)}</td>",
             *(_level_cell(level) for level in (*school.levels, school.overall)),
             f'<td class="{look}">{escape(decision)}</td>']
    return "<tr>" + "".join(cells) + "</tr>"


def _level_cell(level: int | None) -> str:
    """'Mức 3' sorting as 3; a level not recognised shows a dash and sorts last."""
    if level is None:
        return f'<td class="n no" data-v="">{NONE}</td>'
    return f'<td class="n {_look(level)}" data-v="{level}">Mức {level}</td>'


def _look(level: int | None) -> str:
    """The CSS class of a level (its colour on screen)."""
    return f"l{level}" if level in LEVELS else "no"
