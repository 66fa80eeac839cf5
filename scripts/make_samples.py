"""Build the bundled samples: a district round of 2025 and the two samples of the 2026–2027 round.

Usage: python scripts/make_samples.py [--sample quan-7|xa-hai-thinh|tinh-lam-hong ...] [--keep-libreoffice]

Without --sample every sample is built. One function per sample:

- quan-7 (`district_sample`): samples/inbox/ and samples/inbox-plan.json, a district round before the
  July 2025 reform (Phòng GDĐT Quận 7, described below);
- xa-hai-thinh (`commune_sample`): samples/xa-hai-thinh/, a commune's round (UBND xã Hải Thịnh, 10
  schools: mầm non, tiểu học, THCS) — roster without Quận/Huyện, an inbox of saved mails (.eml), a
  cluster's zip, a resubmission, a scanned .pdf, a workbook cut short, a school that sends nothing;
- tinh-lam-hong (`province_sample`): samples/tinh-lam-hong/, a merged province's round (Sở GDĐT Lam
  Hồng): four communes' inboxes and rosters, the Sở's own THPT/GDTX schools, and the Sở's roster with
  "Đơn vị quản lý".
Both 2026 samples are written out in tests/builders/sample_rounds_2026.py and built by
tests/builders/sample_inbox_2026.py; every name in them is made up, and each sample's inbox-plan.json
says what each file holds and the status each school should get. They need no LibreOffice, and two
builds give byte-identical files.

The district sample of 2025:

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
from tests.builders import sample_inbox_2026 as s2026  # noqa: E402
from tests.builders.sample_rounds_2026 import hai_thinh, lam_hong  # noqa: E402


def write_plan(path: Path, plan: dict[str, object]) -> None:
    path.write_text(json.dumps(plan, sort_keys=True, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def district_sample(keep_libreoffice: bool) -> None:
    """samples/inbox/: Phòng GDĐT Quận 7, Đợt 1 năm 2025 (a round before July 2025)."""
    plan = build(keep_libreoffice)
    write_plan(PLAN, plan)
    summary(plan)


def commune_sample() -> None:
    """samples/xa-hai-thinh/: UBND xã Hải Thịnh, năm học 2026-2027."""
    sample = hai_thinh()
    plan = s2026.build(sample)
    write_plan(s2026.SAMPLES / sample.folder / s2026.PLAN, plan)
    summary(plan)


def province_sample() -> None:
    """samples/tinh-lam-hong/: Sở GDĐT Lam Hồng, its four communes and its own schools, năm học 2026-2027."""
    sample = lam_hong()
    plan = s2026.build(sample)
    write_plan(s2026.SAMPLES / sample.folder / s2026.PLAN, plan)
    summary(plan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", action="append", choices=("quan-7", "xa-hai-thinh", "tinh-lam-hong"),
                        help="build only this sample (repeatable; default: all)")
    parser.add_argument("--keep-libreoffice", action="store_true",
                        help=f"quan-7: keep the existing {LO_FILE} instead of converting it again")
    args = parser.parse_args()
    wanted = args.sample or ["quan-7", "xa-hai-thinh", "tinh-lam-hong"]
    if "quan-7" in wanted:
        district_sample(args.keep_libreoffice)
    if "xa-hai-thinh" in wanted:
        commune_sample()
    if "tinh-lam-hong" in wanted:
        province_sample()


if __name__ == "__main__":
    main()
