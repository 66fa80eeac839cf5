#!/usr/bin/env bash
# Shared set-up for the README's two commands: a virtual environment with the project installed.
# Usage: source scripts/setup.sh [extras]   (extras: "test" adds what the test suite needs)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
extras="${1:-}"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ -n "$extras" ]; then
  .venv/bin/python -m pip install --quiet -e ".[${extras}]"
else
  .venv/bin/python -m pip install --quiet -e .
fi
