"""click's own texts in Vietnamese: every `--help`, usage errors, a path click refuses (exit 3), whatever the
locale says. The English to keep out is read from the installed click's source, so a click upgrade that adds
or changes a message fails here until the catalogue (`cds_batch/cli/click_vi.py`) has it."""
from __future__ import annotations

import ast
import gettext
import inspect
import os
import re
import string
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import click
import pytest

from cds_batch.cli import cli, click_vi

ROOT = Path(__file__).resolve().parents[2]
ROSTER = ROOT / "samples" / "danh-sach-truong.csv"
INBOX = ROOT / "samples" / "inbox"
# An office PC left in C or English: click's gettext would follow these; our catalogue must not.
LOCALES = {
    "as-is": {},
    "C": {"LANG": "C", "LC_ALL": "C", "LC_MESSAGES": "C", "LANGUAGE": ""},
    "en_US": {"LANG": "en_US.UTF-8", "LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "en_US.UTF-8", "LANGUAGE": "en_US:en"},
}

# click 8.1 and 8.2 name the first help option (-h) in the hint, 8.5 the longest (--help).
HINT = "Gõ '{} (-h|--help)' để xem cách dùng."
NAMES = {"windows", "bash"}   # in click's texts, but names in any language


def cds(*args: str, locale: str = "as-is") -> subprocess.CompletedProcess[str]:
    """The CLI as a separate process of this checkout, as an office starts it."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", **LOCALES[locale]}
    return subprocess.run([sys.executable, "-m", "cds_batch", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=120)


def gettext_calls() -> list[tuple[str, list[str]]]:
    """Each `_(…)` and `ngettext(…)` call in the installed click's source: the function and its literal texts."""
    calls = []
    for source in sorted(Path(click.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
                texts = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                calls.append((node.func.id, texts))
    return calls


@lru_cache(maxsize=1)
def click_message_ids() -> tuple[str, ...]:
    """Every text click translates (both forms of a plural), and "required", which click 8.2+ hands to `_`
    through a variable (`_(extra["required"])`)."""
    ids = [text for function, texts in gettext_calls() for text in (texts if function == "ngettext" else texts[:1])]
    return tuple(dict.fromkeys(ids + ["required"]))


def click_plural_ids() -> list[tuple[str, str]]:
    return [(texts[0], texts[1]) for function, texts in gettext_calls() if function == "ngettext"]


@lru_cache(maxsize=1)
def forbidden() -> re.Pattern[str]:
    """click's English words (3 letters or more, outside placeholders) and the names of its types and usage
    metavars ("TEXT", "INTEGER", "[OPTIONS]", "COMMAND [ARGS]..."), as whole words: "--help" and
    "file-seconds" are ours, not English prose."""
    texts = [prose(text) for text in click_message_ids()]
    names = [getattr(kind, "name", "") for kind in vars(click.types).values()
             if inspect.isclass(kind) and issubclass(kind, click.ParamType)]
    texts += [n for n in names if isinstance(n, str)]
    texts += [click.Command("x").options_metavar or "", click.Group("x").subcommand_metavar]
    words = sorted({w.lower() for text in texts for w in re.findall(r"[A-Za-z]{3,}", text)} - NAMES)
    return re.compile(r"(?<![\w.\-/\\])(" + "|".join(words) + r")(?![\w.\-/\\])", re.IGNORECASE)


def prose(text: str) -> str:
    """A message id without its placeholders ("{name!r}", "%(prog)s")."""
    return re.sub(r"\{[^}]*\}|%\([^)]*\)s", " ", text)


def english_in(text: str) -> list[str]:
    return forbidden().findall(text)


def command_paths(group: click.Group = cli, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and subcommand, found by walking the tree: a new command is covered without a change here."""
    paths = [path]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            paths += command_paths(command, (*path, name))
        else:
            paths.append((*path, name))
    return paths


# --- the catalogue against the installed click --------------------------------------------------------

def test_every_message_id_of_the_installed_click_has_a_vietnamese_text():
    singular = set(click_vi.MESSAGES) | {one for one, _ in click_vi.PLURALS} | {many for _, many in click_vi.PLURALS}
    missing = [text for text in click_message_ids() if text not in singular]
    assert not missing, f"click {click_version()} has texts the catalogue lacks: {missing}"
    assert not [pair for pair in click_plural_ids() if pair not in click_vi.PLURALS]
    assert len(click_message_ids()) > 50   # the extraction found click's texts at all


def test_a_translation_uses_only_its_ids_placeholders_and_differs_from_the_english():
    def fields(text: str) -> set[str]:
        named = {name for _, name, _, _ in string.Formatter().parse(text) if name}
        return named | set(re.findall(r"%\((\w+)\)s", text))

    pairs = list(click_vi.MESSAGES.items())
    pairs += [(one, vi) for (one, _), (vi, _) in click_vi.PLURALS.items()]
    pairs += [(many, vi) for (_, many), (_, vi) in click_vi.PLURALS.items()]
    for english, vietnamese in pairs:
        assert fields(vietnamese) <= fields(english), english   # str.format would raise KeyError on click's call
        if prose(english).strip():
            assert vietnamese != english and not english_in(prose(vietnamese)), english


def test_every_click_module_translating_with_gettext_gets_the_catalogue():
    click_vi.install()
    for module in click_vi.click_modules():
        assert getattr(module, "_", None) is not gettext.gettext, module.__name__
        assert getattr(module, "ngettext", None) is not gettext.ngettext, module.__name__
    assert click.exceptions.ngettext("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)",
                                     2).startswith("(Có phải ý bạn là")


# --- the command line, as a separate process ------------------------------------------------------------

@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "cds-batch")
def test_every_help_is_vietnamese(path):
    shown = cds(*path, "--help")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"Cách dùng: {' '.join(('cds-batch', *path))} {click_vi.OPTIONS_METAVAR}")
    assert "\nTùy chọn:\n" in shown.stdout and re.search(r"-h, --help +Hiện hướng dẫn này rồi thoát\.", shown.stdout)
    command = cli
    for name in path:
        command = command.commands[name]   # type: ignore[attr-defined]
    if isinstance(command, click.Group):
        assert "\nLệnh:\n" in shown.stdout and click_vi.SUBCOMMAND_METAVAR in shown.stdout
    assert not english_in(shown.stdout), shown.stdout


@pytest.mark.parametrize("locale", LOCALES)
def test_the_locale_does_not_bring_english_back(locale):
    shown = cds("--help", locale=locale)
    assert shown.returncode == 0 and "Hiện phiên bản rồi thoát." in shown.stdout
    assert not english_in(shown.stdout), shown.stdout
    bogus = cds("bogus", locale=locale)
    assert bogus.returncode == 2
    assert "Lỗi: Không có lệnh 'bogus'." in bogus.stderr and re.search(HINT.format("cds-batch"), bogus.stderr)
    assert not english_in(bogus.stderr), bogus.stderr
    missing = cds("run", str(INBOX), "--out", "ket-qua", locale=locale)
    assert missing.returncode == 2
    assert "Lỗi: Thiếu tùy chọn bắt buộc '--roster'." in missing.stderr
    assert re.search(HINT.format("cds-batch run"), missing.stderr)
    assert "--roster TỆP: Danh sách trường của đơn vị" in missing.stderr   # what to give
    assert not english_in(missing.stderr), missing.stderr


@pytest.mark.parametrize("args, said", [
    (["rubrik", "list"], "Không có lệnh 'rubrik'. Các lệnh có sẵn được liệt kê trong hướng dẫn."
                         + (" Có phải ý bạn là 'rubric'?" if hasattr(click.exceptions, "NoSuchCommand") else "")),
    (["run", str(INBOX), "--rostr", str(ROSTER)], "Không có tùy chọn '--rostr'."),
    (["run", str(INBOX), "--roster"], "Tùy chọn '--roster' cần một giá trị ghi ngay sau nó."),
    (["run"], "Thiếu tham số 'HỘP_THƯ...'."),
    (["serve", "--port", "abc"], "Giá trị của '--port' không dùng được: 'abc' không phải là một số hợp lệ"),
    (["serve", "--port", "99999"], "99999 nằm ngoài khoảng cho phép (0<=x<=65535)."),
    (["template", "--rubric", "qd4725-phothong", "--out", "phieu", "--round", "Đợt", "1"], "Thừa tham số (1)"),
    (["rubric", "export", "qd4725-phothong"], "Thiếu tùy chọn bắt buộc '--out'."),
], ids=["no such command", "no such option", "no value", "no argument", "not a number", "out of range",
        "extra argument", "no option"])
def test_usage_errors_are_vietnamese_and_exit_2(args, said):
    failed = cds(*args)
    assert failed.returncode == 2, failed.stderr
    assert re.search("^Lỗi: ", failed.stderr, re.MULTILINE) and said in failed.stderr
    assert "Traceback" not in failed.stderr
    assert not english_in(failed.stdout + failed.stderr), failed.stderr


def test_an_out_that_is_a_file_exits_3_naming_it(tmp_path):
    """README, exit codes: 3 when the output folder cannot be written; the file is left as it was."""
    blocker = tmp_path / "ket-qua"
    blocker.write_text("giữ nguyên", encoding="utf-8")
    for locale in LOCALES:
        run = cds("run", str(INBOX), "--roster", str(ROSTER), "--out", str(blocker), locale=locale)
        assert run.returncode == 3, run.stderr
        assert run.stderr == (f"Không thể chạy: '{blocker}' là một tệp, không phải thư mục. Hãy ghi đường dẫn của "
                              "một thư mục, hoặc đổi tên tệp đó. Đường dẫn này được ghi sau --out.\n")
    assert blocker.read_text(encoding="utf-8") == "giữ nguyên"


@pytest.mark.parametrize("args, said", [
    (["run", "{tmp}/khong-co", "--roster", str(ROSTER), "--out", "{tmp}/kq"],
     "Không thể chạy: không tìm thấy '{tmp}/khong-co'. Hãy kiểm tra lại đường dẫn.\n"),
    (["run", str(INBOX), "--roster", "{tmp}", "--out", "{tmp}/kq"],
     "'{tmp}' là một thư mục, không phải tệp. Hãy ghi đường dẫn của một tệp. Đường dẫn này được ghi sau --roster."),
    (["province", str(INBOX), "--out", "{tmp}/tep"], "'{tmp}/tep' là một tệp, không phải thư mục."),
    (["rubric", "export", "qd4725-phothong", "--out", "{tmp}"], "'{tmp}' là một thư mục, không phải tệp."),
    (["serve", "--no-browser", "--data", "{tmp}/tep"], "'{tmp}/tep' là một tệp, không phải thư mục."),
], ids=["inbox missing", "roster a folder", "province out a file", "export out a folder", "data a file"])
def test_every_path_click_refuses_exits_3(tmp_path, args, said):
    (tmp_path / "tep").write_text("x", encoding="utf-8")
    run = cds(*(a.format(tmp=tmp_path) for a in args))
    assert run.returncode == 3, run.stderr
    assert run.stderr.startswith("Không thể chạy: ") and said.format(tmp=tmp_path) in run.stderr
    assert not english_in(run.stderr), run.stderr


def click_version() -> str:
    from importlib.metadata import version

    return version("click")
