#!/usr/bin/env bash
# README command 1: set up and run the tool on the bundled data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/cds-batch rubric list
.venv/bin/cds-batch rubric check qd4725-phothong
.venv/bin/cds-batch rubric check quan7-mamnon-2023
# Templates for the sample district (30 schools; preschools on the Quận 7 rubric, the others national).
.venv/bin/cds-batch template --rubric qd4725-phothong --roster samples/danh-sach-truong.csv \
  --round "Đợt 1 năm 2025" --office "Phòng GDĐT Quận 7" --deadline "30/10/2025" --out output/phieu
# The district run on the sample inbox (samples/inbox, built by scripts/make_samples.py). Exit 1
# means "done, some schools must fix their files", which is what this inbox holds on purpose.
.venv/bin/cds-batch run samples/inbox --roster samples/danh-sach-truong.csv --round "Đợt 1 năm 2025" \
  --office "Phòng GDĐT Quận 7" --out output/ket-qua || [ $? -eq 1 ]
