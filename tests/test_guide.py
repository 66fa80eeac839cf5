"""The Vietnamese user guide (docs/huong-dan-su-dung.md) is tested like the README: every finding code
with what to do (tables generated from the catalogue), every output file and sheet of the contract,
every picture present and taken from the current page, every command it quotes accepted by the CLI,
and the HTML the Windows bundle ships rendered from it."""
from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import shlex
import sys
from html.parser import HTMLParser
from pathlib import Path

import click
import pytest

from cds_batch.cli import cli
from cds_batch.cli import exits
from cds_batch.core.findings import Code
from cds_batch.reports import contract
from cds_batch.web.server import default_data

ROOT = Path(__file__).resolve().parent.parent
GUIDE_PATH = ROOT / "docs" / "huong-dan-su-dung.md"
GUIDE = GUIDE_PATH.read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def script(name: str):
    """A module of scripts/ (not a package), loaded from its file."""
    spec = importlib.util.spec_from_file_location(f"scripts_{name}", ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


render = script("render_guide")
screenshots = script("take_screenshots")


# --- Findings: every code, with what to do, generated ---------------------------------------------
@pytest.mark.parametrize("code", list(Code), ids=lambda c: c.name)
def test_every_finding_code_is_in_the_guide(code):
    assert f"| {code.name} |" in GUIDE


def test_the_finding_tables_are_the_catalogue():
    """Written by scripts/render_guide.py between its markers; a stale table fails here."""
    start = GUIDE.index(render.START) + len(render.START)
    assert GUIDE[start:GUIDE.index(render.END)] == "\n" + render.finding_table() + "\n", \
        "run: python scripts/render_guide.py"


def test_every_code_family_says_who_acts():
    prefixes = [prefix for prefix, _, _ in render.WHO if prefix]
    assert all(any(code.name.startswith(p) for code in Code) for p in prefixes)
    for code in Code:
        assert render.family(code)[0], f"{code.name}: add its family to WHO in scripts/render_guide.py"


# --- Outputs: every file and sheet the contract names -------------------------------------------
NOT_FOR_USERS = {"PAYLOAD_SHEET", "PAYLOAD_FORMAT", "VERSION_KEY"}   # hidden sheet, JSON keys and tags


def contract_names() -> list[tuple[str, str]]:
    return [(name, value) for name, value in vars(contract).items()
            if name.isupper() and isinstance(value, str) and name not in NOT_FOR_USERS]


@pytest.mark.parametrize("name, value", contract_names(), ids=[n for n, _ in contract_names()])
def test_every_output_file_and_sheet_of_the_contract_is_explained(name, value):
    assert value in GUIDE, f"{name} = {value!r} is not explained in docs/huong-dan-su-dung.md"


def test_the_contract_names_the_files_the_guide_lists():
    files = {value for _, value in contract_names() if re.search(r"\.(xlsx|csv|json|html)$", value)}
    assert {"tong-hop.xlsx", "tong-hop.csv", "results.json", "findings.json", "ledger.json",
            "danh-gia-ngoai.xlsx", "danh-sach-cong-nhan.xlsx", "ket-qua-cong-nhan.html", "tong-hop-tinh.xlsx"} <= files


@pytest.mark.parametrize("code", sorted(v for k, v in vars(exits).items() if k.startswith("EXIT_")))
def test_every_exit_code_is_explained(code):
    assert f"| {code} |" in GUIDE


def test_the_data_folder_described_is_the_one_the_server_uses():
    folder = default_data().relative_to(Path.home())
    assert f"`%USERPROFILE%\\{folder}`" in GUIDE
    assert "%LOCALAPPDATA%\\cds_batch" in GUIDE


# --- Pictures: present, all shown, taken from the current page ----------------------------------
def test_every_picture_the_guide_shows_exists_and_every_picture_is_shown():
    shown = render.images(GUIDE)
    assert shown, "the guide shows no screenshot"
    assert all((GUIDE_PATH.parent / image).is_file() for image in shown), shown
    assert {f"img/{name}" for name in screenshots.SHOTS} == set(shown)
    on_disk = {f"img/{p.name}" for p in (GUIDE_PATH.parent / "img").glob("*.png")}
    assert on_disk == set(shown), "a screenshot no page of the guide shows, or one missing"


def test_the_screenshots_are_of_the_current_page():
    manifest = json.loads(screenshots.MANIFEST.read_text(encoding="utf-8"))
    assert manifest["page_files_sha256"] == screenshots.page_files_hash(), (
        "the web page's templates or static files changed since the guide's screenshots were taken: "
        "run python scripts/take_screenshots.py")
    taken = {name: hashlib.sha256((screenshots.IMG / name).read_bytes()).hexdigest()
             for name in screenshots.SHOTS}
    assert manifest["images"] == taken, "a screenshot was replaced by hand: run python scripts/take_screenshots.py"


def test_the_page_hash_follows_the_page_files(tmp_path):
    """A change to any template or static file changes the hash the manifest is checked against."""
    web = tmp_path / "web"
    for folder in screenshots.PAGE_FILES:
        (web / folder).mkdir(parents=True)
        (web / folder / "a.txt").write_text("một", encoding="utf-8")
    before = screenshots.page_files_hash(web)
    (web / "static" / "a.txt").write_text("hai", encoding="utf-8")
    assert screenshots.page_files_hash(web) != before


# --- Commands: every `cds-batch …` the guide quotes exists ---------------------------------------
def quoted_commands() -> list[tuple[str, bool]]:
    """Each `cds-batch …` of the guide, and whether it is a whole command (a code block's line) or a
    mention in running text (inline code, where required options may be left out)."""
    found: list[tuple[str, bool]] = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", GUIDE, flags=re.S):
        found += [(line.strip(), True) for line in block.splitlines() if line.strip().startswith("cds-batch")]
    outside = re.sub(r"```.*?```", "", GUIDE, flags=re.S)
    found += [(span, False) for span in re.findall(r"`(cds-batch[^`]*)`", outside)]
    # A placeholder ('cds-batch <lệnh> --help') leaves the words before it to check.
    return [(line.split("<")[0].strip(), whole) for line, whole in found]


def resolve(line: str) -> tuple[click.Command, list[str]]:
    """The click command a quoted line runs, and its arguments after the command's name."""
    tokens = shlex.split(line.replace("\\", "/"))
    command: click.Command = cli
    rest = tokens[1:]
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        assert rest[0] in command.commands, f"{line}: no command '{rest[0]}'"
        command, rest = command.commands[rest[0]], rest[1:]
    return command, rest


@pytest.mark.parametrize("line, whole", quoted_commands(), ids=[c for c, _ in quoted_commands()])
def test_every_command_the_guide_quotes_exists(line, whole):
    command, args = resolve(line)
    options = {name for p in command.params if isinstance(p, click.Option) for name in p.opts + p.secondary_opts}
    options.add("--help")
    given = [a.split("=")[0] for a in args if a.startswith("--")]
    assert set(given) <= options, f"{line}: unknown option(s) {sorted(set(given) - options)}"
    if whole and "--help" not in given:
        required = [p.opts[0] for p in command.params if isinstance(p, click.Option) and p.required]
        assert all(r in given for r in required), f"{line}: missing {required}"


def test_the_guide_quotes_the_main_commands():
    quoted = {resolve(line)[0].name for line, _ in quoted_commands()}
    assert {"template", "run", "province", "serve", "list", "check", "export"} <= quoted
    assert any("--previous" in line for line, whole in quoted_commands() if whole)
    assert any("--review" in line for line, whole in quoted_commands() if whole)


# --- The README and the rendered HTML -------------------------------------------------------------
def test_the_readme_opens_with_the_two_commands_and_the_guide():
    top = README[:README.index("\n## ")]
    assert "bash scripts/demo.sh" in top and "bash scripts/test.sh" in top
    assert "(docs/huong-dan-su-dung.md)" in top


class Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.images: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        self.tags.add(tag)
        if found.get("id"):
            self.ids.add(found["id"])
        if tag == "a" and (found.get("href") or "").startswith("#"):
            self.links.append(found["href"][1:])
        if tag == "img":
            self.images.append(found["src"])


def test_the_guide_renders_to_one_html_page_with_its_pictures(tmp_path):
    page = render.render_guide(GUIDE_PATH, tmp_path / "huong-dan")[0]
    html = page.read_text(encoding="utf-8")
    parsed = Anchors()
    parsed.feed(html)
    assert "script" not in parsed.tags and "http" not in html.split("<body>")[0]   # nothing from the internet
    assert parsed.links and set(parsed.links) <= parsed.ids, "a link of the guide leads to no heading"
    assert parsed.images == render.images(GUIDE)
    assert all((page.parent / src).is_file() for src in parsed.images)
    assert "<table>" in html and "Hướng dẫn sử dụng cds_batch" in html
    for heading in re.findall(r"^## (.+)$", GUIDE, flags=re.M):
        assert heading in html
