"""The result page of a round whose schools span several management units: a labelled unit filter above the
table, a unit on every row and the missing schools grouped by unit; none of it for a round of one unit.

The bundled sample round, run once from the page with its roster as it is (one unit: every school in Quận 7)
and once with a "Đơn vị quản lý" column naming the commune's People's Committee of each mầm non and tiểu
học school and the office for the THCS schools (its own).
"""
from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest

from tests.web_helpers import OFFICE, ROSTER, client_with_token, create_round, make_app, upload_inbox, wait_done

SLUG = "Dot-1-nam-2025"


def unit_roster(folder):
    rows = list(csv.reader(io.StringIO(ROSTER.read_text(encoding="utf-8-sig"))))
    head, body = rows[0], rows[1:]
    commune, level = head.index("Xã/Phường"), head.index("Cấp học")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*head, "Đơn vị quản lý"])
    for r in body:
        writer.writerow([*r, OFFICE if r[level] == "Trung học cơ sở" else f"UBND {r[commune]}"])
    path = folder / "ds-don-vi.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def run_page(base, roster):
    app = make_app(base / "ws")
    client = client_with_token(app)
    assert create_round(client, roster=roster).status_code == 303
    assert upload_inbox(client, SLUG).status_code == 303
    assert client.post(f"/dot/{SLUG}/chay").status_code == 303
    assert wait_done(app, SLUG).state == "done"
    results = json.loads((base / "ws" / SLUG / "ket-qua" / "results.json").read_text(encoding="utf-8"))
    return client.get(f"/dot/{SLUG}/ket-qua").get_data(as_text=True), results


@pytest.fixture(scope="module")
def by_unit(tmp_path_factory):
    base = tmp_path_factory.mktemp("web-units")
    return run_page(base, unit_roster(base))


def test_the_table_filters_by_unit_with_a_labelled_select(by_unit):
    page, results = by_unit
    units = {s["unit"] for s in results}
    assert OFFICE in units and len(units) > 3   # the communes' committees and the office's own THCS schools
    label = re.search(r"<label>Đơn vị quản lý\s*<select id=\"loc-don-vi\">(.*?)</select></label>", page, re.S)
    assert label, "the unit select is inside its label"
    options = [html.unescape(v) for v in re.findall(r'<option value="([^"]*)"', label.group(1))]
    assert options[0] == "" and sorted(options[1:]) == sorted(units) and len(options) == len(units) + 1
    rows = re.findall(r'<tr data-code="([^"]*)" data-status="[^"]*" data-level="[^"]*" data-unit="([^"]*)"',
                      page.split('id="bang-truong"')[1].split("</tbody>")[0])
    assert [(code, html.unescape(unit)) for code, unit in rows] == [(s["school_code"], s["unit"]) for s in results]
    assert "<th data-kieu=\"chu\"><button type=\"button\">Đơn vị quản lý</button></th>" in page


def test_the_missing_schools_are_grouped_by_unit(by_unit):
    page, results = by_unit
    missing = page.split('id="chua-nop"')[1].split("</section>")[0]
    shown = [html.unescape(u) for u in re.findall(r"<tr><td>([^<]*)</td><td>\d+</td>", missing)]
    assert len(shown) == sum(s["status"] == "missing" for s in results) and len(set(shown)) > 1
    select = page.split('id="loc-don-vi"')[1].split("</select>")[0]
    order = [html.unescape(v) for v in re.findall(r'<option value="([^"]+)"', select)]
    assert shown == sorted(shown, key=order.index), "in the select's order, each unit's schools together"


def test_a_round_of_one_unit_has_no_unit_filter(tmp_path):
    page, results = run_page(tmp_path, ROSTER)
    assert {s["unit"] for s in results} == {OFFICE}
    assert 'id="loc-don-vi"' not in page and "data-unit=" not in page and "Đơn vị quản lý" not in page
