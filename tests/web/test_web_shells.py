"""The command lines the round page shows (`web.shells`), read back as the shells and the program read them.

No PowerShell here (Debian's archive has none), so the PowerShell line is read by a tokenizer written
from PowerShell's own rules for what the line may hold: bare words (the cmdlet and its parameters) and
single-quoted strings. Anything else outside the quotes — $, &, ;, a backtick, a double quote, a newline
— fails the reading, since PowerShell would act on it. The command line inside -ArgumentList is then
split by the C runtime's rules (what Python on Windows does to fill sys.argv), checked against the
examples of Microsoft's documentation. The round trip must give the exact argv.
"""
from __future__ import annotations

import html
import random
import re
import shlex
import sys

import pytest

from cds_batch.web.shells import posix_line, powershell_line, windows_argument
from cds_batch.web.workspace import Workspace

from tests.web_helpers import client_with_token, create_round, make_app, small_roster

# PowerShell's CharExtensions.IsSingleQuote: ' and the typographic single quotes.
SINGLE_QUOTES = {"'", "\u2018", "\u2019", "\u201a", "\u201b"}
BARE_WORD = re.compile(r"-?[A-Za-z][A-Za-z-]*")

NASTY = ['Đợt 1 "bổ sung & nộp lại', "%USERNAME%", "50%", "a^b", "Chào!", "!USERNAME!", "it's", "it’s ‘x’ ‚y‛",
         "$(Get-Date)", "$env:USERNAME", "`whoami`", "a`nb", "dòng 1\ndòng 2", "tab\there", "", " ", '"', '""',
         "\\", "C:\\Dữ liệu\\", 'C:\\a b\\"c', 'a\\\\"b', "'; Remove-Item -Recurse C:\\ ; '", "x & del *",
         "a | b > c < d", "(1)", "@(1)", "{x}", "#chú thích", "-Wait", "--office", "%%", "^&", "'", "''"]


class Unsafe(ValueError):
    """Something outside PowerShell's single quotes that PowerShell would act on."""


def powershell_tokens(line: str) -> list[tuple[str, str]]:
    """The line as PowerShell's tokenizer reads it: ("word", text) and ("string", value) tokens."""
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(line):
        c = line[i]
        if c in " \t":
            i += 1
            continue
        if c in SINGLE_QUOTES:   # a verbatim string: a quote doubled is one quote; nothing else is special
            value, i = [], i + 1
            while True:
                if i >= len(line):
                    raise Unsafe("a string that never ends")
                if line[i] in SINGLE_QUOTES:
                    if i + 1 < len(line) and line[i + 1] in SINGLE_QUOTES:
                        value.append(line[i + 1])
                        i += 2
                        continue
                    i += 1
                    break
                value.append(line[i])
                i += 1
            if i < len(line) and line[i] not in " \t":
                raise Unsafe(f"text right after a string: {line[i:i + 10]!r}")
            tokens.append(("string", "".join(value)))
            continue
        end = i
        while end < len(line) and line[end] not in " \t":
            end += 1
        word = line[i:end]
        if not BARE_WORD.fullmatch(word):
            raise Unsafe(f"not a plain word: {word!r}")
        tokens.append(("word", word))
        i = end
    return tokens


def crt_argv(command_line: str) -> list[str]:
    """The arguments the Microsoft C runtime (Python's sys.argv on Windows) reads from a command line."""
    args: list[str] = []
    i, n = 0, len(command_line)
    while True:
        while i < n and command_line[i] in " \t":
            i += 1
        if i >= n:
            return args
        arg: list[str] = []
        quoted = False
        while i < n and (quoted or command_line[i] not in " \t"):
            c = command_line[i]
            if c == "\\":
                j = i
                while j < n and command_line[j] == "\\":
                    j += 1
                if j < n and command_line[j] == '"':
                    arg.append("\\" * ((j - i) // 2))
                    if (j - i) % 2:
                        arg.append('"')
                        j += 1
                else:
                    arg.append("\\" * (j - i))
                i = j
            elif c == '"':
                if quoted and i + 1 < n and command_line[i + 1] == '"':   # "" inside quotes: one quote
                    arg.append('"')
                    i += 2
                else:
                    quoted = not quoted
                    i += 1
            else:
                arg.append(c)
                i += 1
        args.append("".join(arg))


def pasted_into_powershell(line: str) -> list[str]:
    """The program and arguments the Start-Process line runs."""
    tokens = powershell_tokens(line)
    kinds = [kind for kind, _ in tokens]
    assert kinds == ["word", "word", "string", "word", "string", "word", "word"], tokens
    words = [tokens[n][1] for n in (0, 1, 3, 5, 6)]
    assert words == ["Start-Process", "-FilePath", "-ArgumentList", "-NoNewWindow", "-Wait"]
    return [tokens[2][1], *crt_argv(tokens[4][1] + " ")]   # Windows PowerShell 5.1 adds a space at the end


@pytest.mark.parametrize("line, argv", [   # Microsoft's examples ("Parsing C command-line arguments")
    ('"a b c" d e', ["a b c", "d", "e"]),
    ('"ab\\"c" "\\\\" d', ['ab"c', "\\", "d"]),
    ('a\\\\\\b d"e f"g h', ["a\\\\\\b", "de fg", "h"]),
    ('a\\\\\\"b c d', ['a\\"b', "c", "d"]),
    ('a\\\\\\\\"b c" d e', ["a\\\\b c", "d", "e"]),
    ('a"b"" c d', ['ab" c d']),
])
def test_the_c_runtime_reading_follows_microsofts_examples(line, argv):
    assert crt_argv(line) == argv


@pytest.mark.parametrize("line, tokens", [
    ("'it''s'", [("string", "it's")]),
    ("'a’’b' -X", [("string", "a’b"), ("word", "-X")]),
    ("'a\"b $x `n'", [("string", 'a"b $x `n')]),
])
def test_the_powershell_reading_keeps_single_quoted_text(line, tokens):
    assert powershell_tokens(line) == tokens


@pytest.mark.parametrize("line", ["'a' ; 'b'", "'a'b", "Start-Process $x", "'a' & 'b'", "'open", "a\nb", '"x"'])
def test_the_powershell_reading_refuses_what_powershell_would_act_on(line):
    with pytest.raises(Unsafe):
        powershell_tokens(line)


@pytest.mark.parametrize("text", NASTY)
def test_every_argument_comes_back_exactly_in_powershell_and_in_bash(text):
    argv = ["run", text, "--round", text, "--office", text]
    program = "C:\\Program Files\\Python 3.12\\python.exe"
    assert pasted_into_powershell(powershell_line(program, argv)) == [program, *argv]
    assert shlex.split(posix_line("cds-batch", argv)) == ["cds-batch", *argv]


def test_random_arguments_come_back_exactly():
    alphabet = list(" \t\n\\\"'%^!&|<>()$`;@#{}-=,.:/aĐợ‘’‚‛") + ["\\\\", '\\"', "''"]
    rng = random.Random(24)
    for _ in range(2000):
        argv = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(rng.randint(1, 5))]
        assert pasted_into_powershell(powershell_line("C:\\py\\python.exe", argv)) == ["C:\\py\\python.exe", *argv]


def test_plain_arguments_stay_readable():
    assert windows_argument("--round") == "--round"
    assert windows_argument("C:\\CDS\\Dot-1\\hop-thu") == "C:\\CDS\\Dot-1\\hop-thu"
    assert windows_argument("Đợt 1") == '"Đợt 1"'
    assert windows_argument("C:\\a b\\") == '"C:\\a b\\\\"'


def test_the_round_page_shows_both_lines_labelled_and_each_runs_the_rounds_command(tmp_path):
    """Through the page: a label and a signer with everything cmd.exe, PowerShell or bash would act on."""
    app = make_app(tmp_path / "ws")
    client = client_with_token(app)
    label = 'Đợt 1 "bổ sung & nộp lại" 50% ^x !y! it\'s $(id) `id` %USERNAME%'
    signer = "KT. CHỦ TỊCH ' & \" % ! ^ $ `"
    assert create_round(client, label=label, roster=small_roster(tmp_path), signer=signer).status_code == 303
    slug = next(p.name for p in (tmp_path / "ws").iterdir())
    page = client.get(f"/dot/{slug}").get_data(as_text=True)
    windows = html.unescape(page.split('id="lenh-windows">')[1].split("</code>")[0])
    posix = html.unescape(page.split('id="lenh-posix">')[1].split("</code>")[0])
    command = Workspace(tmp_path / "ws").get(slug).command()
    assert command[command.index("--round") + 1] == label and command[command.index("--signer-title") + 1] == signer
    assert pasted_into_powershell(windows) == [sys.executable, "-m", "cds_batch", *command]
    assert shlex.split(posix) == ["cds-batch", *command]
    before = page.split('id="lenh-windows">')[0]
    assert "dán vào cửa sổ <strong>Windows PowerShell</strong>" in before and "không dán vào Command Prompt" in before
