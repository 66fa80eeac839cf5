#!/usr/bin/env bash
# README command 2: set up everything the tests need (Python packages, and LibreOffice, poppler,
# libarchive and Node.js from Debian when run as root on a machine without them), then run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# python3-uno lets the intake corpus test drive LibreOffice (insert rows, save with a password).
# gnumeric (ssconvert) and npm (SheetJS, ExcelJS) save workbooks as programs other than LibreOffice do;
# npm also brings axe-core, which checks every web page for accessibility (tests/web/test_web_axe.py).
# fonts-liberation2: Liberation Serif has the metrics of Times New Roman, the font of our workbooks on
# an office PC; without it LibreOffice prints with the wider DejaVu Serif and the A4 print tests fail.
# libarchive-tools (bsdtar) and 7zip: the programs that read .rar where libarchive's library is missing.
if ! command -v soffice >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1 \
   || ! ldconfig -p 2>/dev/null | grep -q "libarchive.so.13" || ! /usr/bin/python3 -c "import uno" 2>/dev/null \
   || ! command -v node >/dev/null 2>&1 || ! command -v chromium-headless-shell >/dev/null 2>&1 \
   || ! command -v ssconvert >/dev/null 2>&1 || ! command -v bsdtar >/dev/null 2>&1 || ! command -v 7zz >/dev/null 2>&1 \
   || ! fc-list 2>/dev/null | grep -q "Liberation Serif"; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libreoffice-calc-nogui python3-uno poppler-utils fonts-dejavu-core fonts-liberation2 libarchive13 libarchive-tools 7zip nodejs gnumeric chromium-headless-shell >/dev/null
  else
    echo "LibreOffice (soffice, python3-uno), Gnumeric (ssconvert), poppler-utils, fonts-liberation2, libarchive13, libarchive-tools (bsdtar), 7zip, Node.js (with npm) and chromium-headless-shell are needed; install them and re-run." >&2
    exit 3
  fi
fi
if ! command -v npm >/dev/null 2>&1; then   # Debian's nodejs comes without npm; a machine's own Node.js has it
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
  else
    echo "npm is needed (Node.js's package manager); install it and re-run." >&2
    exit 3
  fi
fi
bash scripts/setup.sh test
# SheetJS and ExcelJS, pinned, re-save workbooks for the reading tests (tests/builders/other_programs.py);
# axe-core, pinned, checks the web pages.
(cd tests/builders/js && npm ci --no-audit --no-fund --loglevel=error)
.venv/bin/python -m mypy
.venv/bin/python -m flake8 cds_batch tests benchmarks scripts
.venv/bin/lint-imports --config setup.cfg
.venv/bin/python -m pytest "$@"
