"""Benchmark corpus: a district's (or province's) returned workbooks, as they come back by email.

Run: python benchmarks/make_corpus.py --schools N --out DIR [--seed S] [--jobs J] [--writer]
                                      [--lo-share F | --no-libreoffice] [--units U]
Writes into DIR:
  roster.csv   N schools (Vietnamese names, several levels; "Bộ chỉ số" picks the preschool rubric); with
               --units U, a merged province's roster: no Quận/Huyện, each school's "Đơn vị quản lý" among U
               units (the Sở for THPT, a special zone, a university, the rest communes of uneven sizes);
               the inbox is the same as without --units
  inbox/       the files of ~97 % of the schools: prefilled templates written by the project's own
               writer with answers typed in (builders.stencil), some re-saved by LibreOffice (.xls, .ods,
               .xlsx), some in .zip files of several schools, some attached to .eml messages, a few
               sent twice, a few broken, some renamed by hand
  late/        ceil(1 % of N) files of schools missing from inbox/ (the second run's new files)
  plan.json    per school the expected status, per file what it holds, counts, timings
The same N and seed give the same corpus (LibreOffice's own output aside). Prints the time per phase.
The corpus is built by tests/builders (corpus_plan, stencil, corpus_files, corpus); this is its command line.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # run from a checkout without installing

from tests.builders.corpus import generate  # noqa: E402  (bench_run.py imports it from here too)
from tests.builders.corpus_plan import MAX_UNITS, MIN_SCHOOLS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=None, help="processes (default: all cores)")
    parser.add_argument("--writer", action="store_true", help="write every template with the writer (no stencil)")
    parser.add_argument("--lo-share", type=float, default=0.02,
                        help="share of schools whose file LibreOffice saves, for each of .xls, .ods and .xlsx "
                             "(default 0.02; LibreOffice takes 0.2-0.5 s a file, most of the time at 45,000 schools)")
    parser.add_argument("--no-libreoffice", action="store_true", help="no .xls/.ods/LibreOffice .xlsx files")
    parser.add_argument("--units", type=int, default=0,
                        help="management units in the roster's 'Đơn vị quản lý' column (at least 2; default: none, "
                             "the roster groups by Quận/Huyện as before July 2025)")
    args = parser.parse_args()
    if args.schools < MIN_SCHOOLS:
        parser.error(f"--schools must be at least {MIN_SCHOOLS}, so that every kind of file occurs")
    if args.units and not 2 <= args.units <= min(args.schools, MAX_UNITS):
        parser.error(f"--units must be from 2 to {MAX_UNITS} and at most --schools")
    print(f"Generating {args.schools} schools into {args.out}")
    try:
        plan = generate(args.out, args.schools, args.seed, args.jobs, args.writer,
                        0.0 if args.no_libreoffice else args.lo_share, args.units)
    except FileExistsError as exc:
        parser.error(str(exc))
    print(f"Done in {plan['generated_in_s']:.1f} s: {plan['counts']['workbooks']} workbooks "
          f"(templates: {plan['templates']}), files {plan['counts']['files']}, statuses {plan['counts']['status']}")


if __name__ == "__main__":
    main()
