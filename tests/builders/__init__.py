"""Test-and-sample builders: every workbook, inbox, mail, archive and corpus the tests, the sample inbox
and the benchmarks are made from, built in code (no binary fixture is committed).

Modules by job:
  archives      zip members with fixed dates, nested/legacy/hostile zips, RAR, 7z, a minimal .docx
  cfb           the Compound File Binary writer: Outlook .msg, a password-protected package
  mail          mail messages (.eml) and mailboxes (.mbox)
  answers       what a school types: answer cells, values near a strength, evidence rows, sample answers
  workbook      typing answers into a template with openpyxl (a person at a keyboard), and its edits
  xml_fill      typing answers into a template by patching its sheet XML (fast, for the benchmark corpus)
  stencil       the benchmark corpus's templates: the writer's output, or derived from a stencil; the worker
  office        LibreOffice: re-saving in batches, and the edits only an office suite makes (over UNO)
  sample_round  the sample round's schools, answers and mess (scripts/make_samples.py)
  sample_inbox  writing samples/inbox and its plan from that round
  corpus_plan   the benchmark corpus's roster and who sends what (benchmarks/make_corpus.py)
  corpus_files  how the corpus's files reach the office: names, folders, zips, mails, broken files
  corpus        generating the whole benchmark corpus
  intake_corpus the intake corpus of issue 5 (one of every case, through real LibreOffice)

Tests import `tests.builders.*`; scripts/ and benchmarks/ put the repository root on sys.path first.
"""
