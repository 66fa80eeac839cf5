"""The Windows launchers, checked without Windows: the shipped bytes pass the static checker
(scripts/windows_batch_lint.py, whose docstring lists what it does and does not check), the checker
catches each fault it claims to, and the launchers agree with the build and the package."""
from __future__ import annotations

import re

import pytest

from cds_batch.web.server import default_data
from tests.packaging.scripts import build, lint

SHIPPED = build.launchers(with_guide=True)
BATCH_FILES = sorted(name for name in SHIPPED if name.endswith(".bat"))
INSTALL = SHIPPED["CAI-DAT.bat"].decode("utf-8")


@pytest.mark.parametrize("name", BATCH_FILES)
def test_every_launcher_passes_the_checker(name):
    assert lint.lint_batch(SHIPPED[name]) == []


def test_the_launchers_are_crlf_without_bom_and_the_text_is_crlf_with_bom():
    for name, data in SHIPPED.items():
        assert b"\n" not in data.replace(b"\r\n", b""), name
        assert data.startswith(b"\xef\xbb\xbf") == name.endswith(".txt"), name


def _broken(old: str, new: str, text: str = INSTALL) -> bytes:
    assert old in text, old
    return text.replace(old, new, 1).encode("utf-8")


# Each fault, made in the real installer, and the words of the rule that must catch it.
FAULTS = {
    "LF line endings": (INSTALL.replace("\r\n", "\n").encode("utf-8"), "every line must end with CRLF"),
    "a byte-order mark": (b"\xef\xbb\xbf" + INSTALL.encode("utf-8"), "byte-order mark"),
    "no @echo off": (_broken("@echo off", "echo on"), "must be @echo off"),
    "no setlocal": (_broken("setlocal EnableExtensions DisableDelayedExpansion\r\n", ""),
                    "setlocal must come before the first set"),
    "delayed expansion": (_broken("DisableDelayedExpansion", "EnableDelayedExpansion"),
                          "setlocal must name EnableExtensions DisableDelayedExpansion"),
    "Vietnamese before chcp": (_broken("chcp 65001 >nul\r\n", "") , "non-ASCII text before chcp 65001"),
    "a missing label": (_broken("goto no_python", "goto no_pythn"), "no label :no_pythn"),
    "a label twice": (_broken(":failed\r\n", ":failed\r\n:no_python\r\n"), "label :no_python defined twice"),
    "a call to nowhere": (_broken("call :shortcut", "call :make_link"), "no label :make_link"),
    "an unquoted path": (_broken('mkdir "%APP%"', "mkdir %APP%"), "%APP% outside double quotes"),
    "an unquoted %~dp0": (_broken('set "HERE=%~dp0"', 'set "HERE=%~dp0"\r\ncd /d %~dp0'),
                          "%~dp0 outside double quotes"),
    "a misspelt variable": (_broken('"%VENV%\\Scripts\\python.exe" -m pip', '"%VNV%\\Scripts\\python.exe" -m pip'),
                            "%VNV% is never set"),
    "set without quotes": (_broken('set "LINK_OK=1"', "set LINK_OK=1"), 'set a variable as set "NAME=value"'),
    "a parenthesis ending a block early": (
        _broken("  if not defined PYVER (\r\n", "  if not defined PYVER (\r\n    echo Python (64-bit)\r\n"),
        "a bare parenthesis"),
    "a block left open": (_broken("  )\r\n)\r\n", "  )\r\n"), "1 block(s) left open"),
    "a closing parenthesis too many": (_broken("  )\r\n)\r\n", "  )\r\n)\r\n)\r\n"), ") closes no block"),
    "a backslash before a closing quote": (_broken('--find-links "%HERE%wheels"', '--find-links "%HERE%"'),
                                           "a backslash right before a closing quote"),
    "exit without /b": (_broken("exit /b 0\r\n", "exit\r\n"), "exit without /b"),
    "a failing exit that vanishes": (_broken("pause\r\nexit /b 1", "exit /b 1"), "a failing exit must follow pause"),
    "% in PowerShell": (_broken("$link.Save()", "$link.Save(); '%x'"), "% inside a PowerShell command"),
    "unbalanced PowerShell": (_broken("$link.Save()", "$link.Save("), "in the PowerShell command"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_the_checker_catches(fault):
    data, rule = FAULTS[fault]
    problems = lint.lint_batch(data)
    assert any(rule in problem for problem in problems), problems


def test_the_installer_looks_for_the_python_versions_the_wheels_are_for():
    tried = re.search(r"for %%V in \(([^)]*)\) do", INSTALL).group(1).split()
    assert sorted(tried) == sorted(build.PYTHONS)
    for version in build.PYTHONS:   # and the messages and ĐỌC TRƯỚC name them
        assert version in INSTALL and version in SHIPPED["ĐỌC TRƯỚC.txt"].decode("utf-8-sig")


def test_the_launchers_agree_on_the_install_folder_and_the_data_folder():
    install = 'set "APP=%LOCALAPPDATA%\\cds_batch"'
    assert install in INSTALL and install in SHIPPED["GO-CAI-DAT.bat"].decode("utf-8")
    assert '%LOCALAPPDATA%\\cds_batch\\venv\\Scripts\\python.exe' in SHIPPED["MO-CDS-BATCH.bat"].decode("utf-8")
    # `cds-batch serve` keeps its data in the user's home folder (USERPROFILE on Windows)
    data = f"%USERPROFILE%\\{default_data().name}"
    assert f'"{data}"' in INSTALL and f'set "DATA={data}"' in SHIPPED["GO-CAI-DAT.bat"].decode("utf-8")
    assert data in SHIPPED["ĐỌC TRƯỚC.txt"].decode("utf-8-sig")


def test_the_installer_uses_the_files_the_bundle_holds():
    beside = set(re.findall(r'"%HERE%([^"\\*]+)', INSTALL))
    bundled = set(build.SHIPPED) | {build.WHEELS, build.GUIDE_DIR}
    assert beside and beside <= bundled
    assert f"{build.GUIDE_DIR}\\{build.GUIDE_PAGE}" in INSTALL


def test_read_first_says_which_python_installer_and_options():
    text = SHIPPED["ĐỌC TRƯỚC.txt"].decode("utf-8-sig")
    for words in ("https://www.python.org/downloads/windows/", "Windows installer (64-bit)",
                  "Use admin privileges when installing py.exe", "Add python.exe to PATH", "Install Now",
                  "py launcher", "CAI-DAT.bat", "GO-CAI-DAT.bat", "%LOCALAPPDATA%\\cds_batch", "py -0"):
        assert words in text, words


def test_read_first_names_the_guide_only_when_the_bundle_has_it():
    page = f"{build.GUIDE_DIR}\\{build.GUIDE_PAGE}"
    without = build.launchers(with_guide=False)["ĐỌC TRƯỚC.txt"].decode("utf-8-sig")
    with_guide = SHIPPED["ĐỌC TRƯỚC.txt"].decode("utf-8-sig")
    assert page in with_guide and page not in without
    assert build.GUIDE_LINE not in with_guide + without
