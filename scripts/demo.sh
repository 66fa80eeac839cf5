#!/usr/bin/env bash
# README command 1: set up and run the tool on the bundled samples of the 2026-2027 round.
# Exit 1 from `run` means "done, some schools must fix their files", which the inboxes hold on purpose.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cds=.venv/bin/cds-batch
round="Năm học 2026-2027"
$cds rubric list
$cds rubric check qd4725-phothong
$cds rubric check quan7-mamnon-2023

# A commune's round: UBND xã Hải Thịnh (10 schools; samples/xa-hai-thinh, built by scripts/make_samples.py).
xa=samples/xa-hai-thinh
$cds template --rubric qd4725-phothong --roster $xa/danh-sach-truong.csv --round "$round" \
  --office "UBND xã Hải Thịnh" --deadline "30/10/2026" --out output/xa-hai-thinh/phieu
$cds run $xa/hop-thu --roster $xa/danh-sach-truong.csv --round "$round" --office "UBND xã Hải Thịnh" \
  --out output/xa-hai-thinh/ket-qua || [ $? -eq 1 ]

# A merged province: Sở GDĐT Lam Hồng, four communes and the Sở's own THPT/GDTX schools (samples/tinh-lam-hong).
tinh=samples/tinh-lam-hong
# 1. The Sở collects every school itself: one run over every inbox, grouped by the roster's "Đơn vị quản lý".
$cds run $tinh/*/hop-thu --roster $tinh/danh-sach-truong.csv --round "$round" --office "Sở GDĐT Lam Hồng" \
  --out output/tinh-lam-hong/truc-tiep || [ $? -eq 1 ]
# 2. Each unit runs its own round, and the Sở rolls their results up.
while IFS='|' read -r folder office; do
  $cds run $tinh/$folder/hop-thu --roster $tinh/$folder/danh-sach-truong.csv --round "$round" --office "$office" \
    --out output/tinh-lam-hong/don-vi/$folder || [ $? -eq 1 ]
done <<'UNITS'
xa-dong-lam|UBND xã Đông Lâm
xa-tan-hoa|UBND xã Tân Hòa
phuong-nam-giang|UBND phường Nam Giang
xa-yen-thuong|UBND xã Yên Thượng
so-gddt|Sở GDĐT Lam Hồng
UNITS
$cds province output/tinh-lam-hong/don-vi/* --roster $tinh/danh-sach-truong.csv --title "Sở GDĐT Lam Hồng — $round" --out output/tinh-lam-hong/tong-hop-so
