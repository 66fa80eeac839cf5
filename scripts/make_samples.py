"""Build samples/inbox/: the inbox of a district round (Quận 7, "Đợt 1 năm 2025") with the mess of real rounds.

Usage: python scripts/make_samples.py [--keep-libreoffice]

Every workbook is made the way a school makes it: the office's own template (`cds_batch.templates.writer`)
with answers typed into its named cells (openpyxl stands in for the person). Answers come from a
`random.Random` seeded with the school code, so they vary per school (Mức 1, 2 and 3 all occur) and
are the same on every run. Dates are fixed, xlsx files are re-zipped with fixed member times, and
zips, mails and the mbox carry fixed dates, so two runs give byte-identical files — except the one
file saved by LibreOffice, which writes its own timestamps. That file is converted again on every
run, unless `--keep-libreoffice` is given or `soffice` is not installed; then the copy already in
samples/inbox/ is kept (it must exist). Re-convert it after changing how school 79709's answers
are made. samples/inbox/ is wiped and rebuilt on every run, so no stale file survives. The round is written out in
tests/builders/sample_round.py and built by tests/builders/sample_inbox.py; this is its command line.

The inbox (24 of the 30 schools of samples/danh-sach-truong.csv submit; 32 ledger entries):

email 20-10/  (files the office saved from its mailbox on 20/10)
  MN Hoa Sen_tu danh gia CDS.xlsx ......... 79701, condition 2.2 "Không đạt": group 2 scores 0 (valid, Mức 1)
  phieu tu danh gia.xlsx .................. 79702, the generic name people give a file
  Phiếu tự đánh giá CĐS - MN Sơn Ca.xlsx .. 79703, diacritics in the name; the same bytes are also in the zip
  BC CDS TH Le Van Tam.xlsx ............... 79801
  Bao cao CDS - TH Phu Dong (sua lan 2).xlsx  79803, "second edit" in the name; one evidence row missing
  TH Tân Quy.xlsx ......................... 79810
  79901_Truong-THCS-Nguyen-Huu-Tho_Dot-1-nam-2025.xlsx  79901, kept the name the office issued
  Công văn báo cáo CĐS - THCS Huỳnh Tấn Phát.docx  79902's cover letter sent instead of the workbook
email 22-10/
  Phiếu CĐS MN Vàng Anh.xlsx .............. 79707, still wrong: 1.2a = 18 (max 15) and 2.3a a text that is
                                            not an option; its only file, so the office must send it back
  MN Phú Mỹ - phiếu tự đánh giá.ods ....... 79709, opened and saved as .ods by LibreOffice
  TH Kim Dong - tu danh gia CDS.xlsx ...... 79806
  phieu tu danh gia.xlsx .................. 79808, same name as 79702's file in another folder;
                                            condition 1.2 "Không đạt": group 1 scores 0 (valid, Mức 1)
  THCS Huynh Tan Phat - gui lai file Excel.xlsx  79902, the workbook after the mistaken .docx
  Báo cáo chuyển đổi số THCS Phạm Hữu Lầu.xlsx  79903
  THCS Tran Quoc Tuan (nhap).xlsx ......... 79904, half filled: group 2 left blank (needs fix)
  Mau phieu CDS - THCS Nguyen Hien.xlsx ... 79906, made from the blank template: the school typed its
                                            code and name, and the report date as text
email 23-10/
  Tong hop MN cum 2.zip ................... a cluster leader's zip: "MN cụm 2/" + the files of 79703 (exact
                                            duplicate of the loose one), 79704, 79705 (issued name), 79708
                                            (two evidence rows missing)
Zalo/  (files downloaded from the Zalo group; plain files, received time = file time)
  BAO CAO CDS THCS LY PHONG.xlsx .......... 79907
  Phiếu tự đánh giá_THCS Nguyễn Thị Thập.xlsx  79908
  THCS Tan Thuan.xlsx ..................... 79909, one evidence row missing
Fwd_ Bao cao CDS cum truong TH.eml ........ an exported mail from 79805's address (the cluster leader) with
                                            two attachments with Vietnamese RFC 2231 names: 79805 and 79807
Bao cao CDS (Thunderbird).mbox ............ two mails from 79802: 20/10 with 1.4 left blank, 24/10 the fixed
                                            file (the resubmission: both times are in the mail Date headers,
                                            which git keeps, unlike file times)

Missing (send nothing): 79706, 79710, 79804, 79809, 79905, 79910.

samples/inbox-plan.json records, for every workbook written (path relative to samples/inbox; members
as "container!member", mbox attachments as "x.mbox!thư N.eml!name" as the discover stage names them),
the school, the rubric, the answers typed keyed as the scoring engine wants them, the expected fate of
the file, the expected status of every submitting school and the schools expected to be missing.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # run from a checkout without installing
from tests.builders.sample_inbox import PLAN, build, summary  # noqa: E402
from tests.builders.sample_round import LO_FILE  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep-libreoffice", action="store_true",
                        help=f"keep the existing {LO_FILE} instead of converting it again")
    args = parser.parse_args()
    plan = build(args.keep_libreoffice)
    PLAN.write_text(json.dumps(plan, sort_keys=True, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    summary(plan)


if __name__ == "__main__":
    main()
