#!/usr/bin/env bash
# README command 1: set up and run the tool on the bundled data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/cds-batch rubric list
.venv/bin/cds-batch rubric check qd4725-phothong
.venv/bin/cds-batch rubric check quan7-mamnon-2023
