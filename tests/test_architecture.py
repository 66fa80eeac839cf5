"""The layering contract (import-linter, `[importlinter]` in setup.cfg) holds on the package, and it
would catch a lower stage importing a higher one: the same contracts run on a copy of the package
with one upward import added must fail and name it."""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports with setup.cfg's contracts on the cds_batch package found under `root`."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT), "--config", str(ROOT / "setup.cfg"), "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


def test_the_package_keeps_every_contract():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "BROKEN" not in done.stdout


@pytest.mark.parametrize("module, upward", [
    ("core/text.py", "import cds_batch.reading.workbook"),          # core imports nothing of the project
    ("checking/score.py", "from cds_batch.reports import tables"),   # a pure stage reaching up to the writers
    ("reports/tables.py", "import python_calamine"),                  # only reading opens spreadsheets
])
def test_an_upward_import_breaks_the_contract(tmp_path, module, upward):
    shutil.copytree(ROOT / "cds_batch", tmp_path / "cds_batch", ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "cds_batch" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{upward}  # noqa\n", encoding="utf-8")
    done = lint(tmp_path)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout and f"cds_batch.{module[:-3].replace('/', '.')} -> " in done.stdout


def _console_calls(path: Path) -> list[str]:
    """The calls in `path` that print or end the process."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)   # 'print', 'sys.exit' …
            if name in ("print", "exit", "quit", "sys.exit", "os._exit"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
        elif isinstance(node, ast.Raise) and isinstance(node.exc, (ast.Name, ast.Call)) and \
                "SystemExit" in ast.dump(node.exc):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} raise SystemExit")
    return found


def test_only_cli_prints_or_exits():
    """import-linter keeps click in cli; this keeps print and exit there too (the web page answers in HTML)."""
    outside = [p for p in (ROOT / "cds_batch").rglob("*.py") if "cli" not in p.relative_to(ROOT / "cds_batch").parts]
    assert [call for p in outside for call in _console_calls(p)] == []
    assert _console_calls(ROOT / "cds_batch" / "cli" / "__init__.py")   # the check does see a real exit
