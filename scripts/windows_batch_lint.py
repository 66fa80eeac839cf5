"""Static checks of the Windows launchers (.bat), since no cmd.exe runs here.

The launchers keep to a small style in which their structure can be checked line by line: blocks
open with "(" at the end of a line and close with a line ")" (or ") else ("), every path is quoted,
every variable is set with `set "NAME=value"`, and control flows through goto and labels. What is
checked (each rule names itself in its message):

- bytes: CRLF line endings only, no byte-order mark (cmd.exe would run it as part of the first
  command), no line longer than cmd.exe's 8,191 characters;
- set-up: `@echo off` first, `setlocal EnableExtensions DisableDelayedExpansion` before any
  variable is set, `chcp 65001` before the first non-ASCII byte (so Vietnamese reads as UTF-8);
- blocks: every "(" closed, no ")" closing a block early (a bare parenthesis inside a block, even in
  echo text, ends the block in cmd.exe);
- labels: every `goto`/`call :label` target defined once; `:eof` is built in;
- variables: every %NAME% set in the file or one of Windows' own (LOCALAPPDATA, USERPROFILE, TEMP);
  every %NAME% and %~..0 inside double quotes (paths may hold spaces, "&", parentheses or
  Vietnamese letters), except the few short values named in UNQUOTED_OK; no `\\"` (a path ending in
  a backslash before a closing quote reaches a program as an escaped quote);
- exits: only `exit /b`, and a failing exit right after `pause`, so a double-clicked window stays
  open until its message is read;
- PowerShell one-liners (-Command "…"): brackets and single quotes balanced, no "%" (cmd.exe would
  expand it). PowerShell itself does not parse them here.

Not checked: what the commands do when run, the behaviour of `py`, pip, PowerShell and Windows.
"""
from __future__ import annotations

import re

MAX_LINE = 8191
SYSTEM_VARIABLES = {"LOCALAPPDATA", "USERPROFILE", "TEMP"}
UNQUOTED_OK = {"PYVER"}        # a Python version such as 3.13: digits and a dot, never a path
_LABEL = re.compile(r"^\s*:([A-Za-z0-9_.-]+)\s*$")
_JUMP = re.compile(r"\b(?:goto\s+:?|call\s+:)([A-Za-z0-9_.-]+)", re.IGNORECASE)
_VARIABLE = re.compile(r"%(~[a-z]*0|[A-Za-z_][A-Za-z0-9_]*%)")
_SET = re.compile(r"\bset\s+(\S)", re.IGNORECASE)
_SET_QUOTED = re.compile(r'\bset\s+"([A-Za-z_][A-Za-z0-9_]*)=([^"]*)"', re.IGNORECASE)
_FOR_SET = re.compile(r"^(\s*for\s+%%\w\s+in\s+)\([^()]*\)(\s+do\s+\(\s*)$", re.IGNORECASE)
_TEXT_COMMAND = re.compile(r"^\s*(?:echo[ .]|title\s|rem\b|::)", re.IGNORECASE)
_POWERSHELL = re.compile(r'\bpowershell\b.*?-Command\s+"([^"]*)"', re.IGNORECASE)


def lint_batch(data: bytes) -> list[str]:
    """The broken rules of one .bat file's bytes, as "line N: what" ([] when it passes)."""
    problems: list[str] = []
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append("line 1: starts with a byte-order mark (cmd.exe runs it as part of the first command)")
    if re.search(rb"(?<!\r)\n|\r(?!\n)", data) or not data.endswith(b"\r\n"):
        problems.append("line endings: every line must end with CRLF")
    lines = data.decode("utf-8").replace("\r\n", "\n").split("\n")[:-1]
    problems += _set_up(lines) + _blocks(lines) + _labels(lines) + _variables(lines) + _exits(lines)
    problems += _powershell(lines)
    return problems


def _code(line: str) -> str:
    """The line without comments: rem and :: lines are not run."""
    return "" if re.match(r"^\s*(?:rem\b|::)", line, re.IGNORECASE) else line


def _command(line: str) -> str:
    """The line without comments and text shown to the user (echo, title)."""
    return "" if _TEXT_COMMAND.match(line) else line


def _set_up(lines: list[str]) -> list[str]:
    problems = []
    if not lines or lines[0].strip().lower() != "@echo off":
        problems.append("line 1: must be @echo off")
    setlocal = next((n for n, line in enumerate(lines) if re.match(r"^\s*setlocal\b", line, re.IGNORECASE)), None)
    first_set = next((n for n, line in enumerate(lines) if _SET.search(_command(line))), len(lines))
    if setlocal is None or setlocal > first_set:
        problems.append(f"line {first_set + 1}: setlocal must come before the first set")
    elif not re.search(r"EnableExtensions\s+DisableDelayedExpansion", lines[setlocal], re.IGNORECASE):
        problems.append(f"line {setlocal + 1}: setlocal must name EnableExtensions DisableDelayedExpansion")
    chcp = next((n for n, line in enumerate(lines) if re.match(r"^\s*chcp 65001 >nul\s*$", line)), None)
    first_non_ascii = next((n for n, line in enumerate(lines) if not line.isascii()), None)
    if first_non_ascii is not None and (chcp is None or chcp > first_non_ascii):
        problems.append(f"line {first_non_ascii + 1}: non-ASCII text before chcp 65001 >nul")
    for n, line in enumerate(lines, 1):
        if len(line) > MAX_LINE:
            problems.append(f"line {n}: longer than cmd.exe's {MAX_LINE} characters")
        code = _command(line)
        if _SET.search(code) and not _SET_QUOTED.search(code):
            problems.append(f'line {n}: set a variable as set "NAME=value"')
    return problems


def _unquoted(line: str) -> str:
    """The line with quoted text and ^-escaped characters blanked out, as cmd.exe's parser sees it."""
    kept, quoted, escaped = [], False, False
    for char in line:
        if escaped:
            kept.append(" ")
            escaped = False
        elif char == '"':
            quoted = not quoted
            kept.append(" ")
        elif char == "^" and not quoted:
            escaped = True
            kept.append(" ")
        else:
            kept.append(" " if quoted else char)
    return "".join(kept)


def _blocks(lines: list[str]) -> list[str]:
    problems, depth = [], 0
    for n, line in enumerate(lines, 1):
        code = _unquoted(_code(line)).rstrip()
        if not code.strip():
            continue
        for_set = _FOR_SET.match(code)
        if for_set:
            code = for_set.group(1) + for_set.group(2).rstrip()
        stripped = code.strip()
        if stripped in (")", ") else ("):
            depth -= 1
            if depth < 0:
                problems.append(f"line {n}: ) closes no block")
                depth = 0
            if stripped == ") else (":
                depth += 1
            continue
        opens = stripped.endswith("(") and not _TEXT_COMMAND.match(code)
        body = stripped[:-1] if opens else stripped
        if ("(" in body or ")" in body) and (depth > 0 or not _TEXT_COMMAND.match(code)):
            problems.append(f"line {n}: a bare parenthesis (quote it or escape it with ^)")
        depth += opens
    if depth:
        problems.append(f"end of file: {depth} block(s) left open")
    return problems


def _labels(lines: list[str]) -> list[str]:
    problems, defined = [], set()
    for n, line in enumerate(lines, 1):
        label = _LABEL.match(line)
        if label:
            name = label.group(1).lower()
            if name in defined:
                problems.append(f"line {n}: label :{label.group(1)} defined twice")
            defined.add(name)
    for n, line in enumerate(lines, 1):
        for target in _JUMP.findall(_unquoted(_code(line))):
            if target.lower() != "eof" and target.lower() not in defined:
                problems.append(f"line {n}: no label :{target}")
    return problems


def _variables(lines: list[str]) -> list[str]:
    problems = []
    assigned = {m.group(1).upper(): m.group(2) for line in lines for m in _SET_QUOTED.finditer(_code(line))}
    known = set(assigned) | SYSTEM_VARIABLES
    for n, line in enumerate(lines, 1):
        code = _code(line)
        argument = _SET_QUOTED.sub("", code)   # set "NAME=C:\dir\" is cmd.exe's own syntax, not an argument
        if '\\"' in argument or re.search(r'%~dp0"', argument) or any(
                re.search(f'%{name}%"', argument, re.IGNORECASE) for name, value in assigned.items()
                if value.endswith("\\") or value.endswith("%~dp0")):
            problems.append(f'line {n}: a backslash right before a closing quote')
        for match in _VARIABLE.finditer(code):
            token = match.group(1)
            name = token.rstrip("%").upper()
            if not token.startswith("~") and name not in known:
                problems.append(f"line {n}: %{name}% is never set")
            quoted = code[:match.start()].count('"') % 2 == 1
            if not quoted and name not in UNQUOTED_OK:
                problems.append(f"line {n}: %{token} outside double quotes")
    return problems


def _exits(lines: list[str]) -> list[str]:
    problems = []
    previous = ""
    for n, line in enumerate(lines, 1):
        code = _code(line).strip()
        if not code:
            continue
        exit_ = re.match(r"^exit\b(.*)$", code, re.IGNORECASE)
        if exit_:
            arguments = exit_.group(1).split()
            if not arguments or arguments[0].lower() != "/b":
                problems.append(f"line {n}: exit without /b closes the window of whoever ran it")
            elif arguments[1:] and arguments[1] != "0" and previous.lower() != "pause":
                problems.append(f"line {n}: a failing exit must follow pause, so its message can be read")
        previous = code
    return problems


def _powershell(lines: list[str]) -> list[str]:
    problems = []
    pairs = {")": "(", "}": "{", "]": "["}
    for n, line in enumerate(lines, 1):
        for command in _POWERSHELL.findall(_code(line)):
            if "%" in command:
                problems.append(f"line {n}: % inside a PowerShell command (cmd.exe expands it)")
            stack: list[str] = []
            in_string = False
            for char in command:
                if char == "'":
                    in_string = not in_string
                elif in_string:
                    continue
                elif char in "({[":
                    stack.append(char)
                elif char in pairs and (not stack or stack.pop() != pairs[char]):
                    problems.append(f"line {n}: unbalanced {char} in the PowerShell command")
                    break
            if in_string or stack:
                problems.append(f"line {n}: unbalanced quotes or brackets in the PowerShell command")
    return problems
