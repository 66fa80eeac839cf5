"""Windows at the command line, simulated: an output open in Excel stops `cds-batch run`, `province` and
`template` with exit 3 and a Vietnamese message naming it, the previous outputs byte-identical; the same
refusal on the page's run; output that a console with an old code page cannot encode never crashes."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cds_batch.cli import main
from cds_batch.core.windows import OutputInUse
from cds_batch.pipeline.district_run import run_district
from cds_batch.pipeline.use_cases import district_options
from cds_batch.rubric import load_rubric
from cds_batch.reading.roster_file import check_roster
from cds_batch.reports.feedback import feedback_filename

from tests.hostile_helpers import Inbox, build_inbox, copy_of
from tests.web_helpers import client_with_token, create_round, make_app, small_roster, wait_done
from tests.windows_helpers import excel_holds, no_commit_left, snapshot

ROOT = Path(__file__).resolve().parents[2]
CLOSE = "đang được mở trong chương trình khác (Excel?) nên không ghi đè được. Hãy đóng tệp này rồi chạy lại"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Inbox:
    return build_inbox(tmp_path_factory.mktemp("built"))


@pytest.fixture()
def done_once(built: Inbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Inbox:
    """An inbox whose run has written its outputs once; the next run rewrites every one of them."""
    inbox = copy_of(built, tmp_path)
    assert _main(inbox.args("--round", "Đợt 1"), capsys)[0] in (0, 1)
    return inbox


def _main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("held, after_check", [
    ("tong-hop.xlsx", False),                  # open before the run: the check before the commit finds it
    ("tong-hop.xlsx", True),                   # opened meanwhile: moved last but one, the others go back
    ("phan-hoi/" + feedback_filename("79001"), True),
])
def test_a_run_with_an_output_open_in_excel_exits_3_and_changes_nothing(done_once, capsys, monkeypatch, held,
                                                                        after_check):
    before = snapshot(done_once.out)
    assert held in before
    refused = excel_holds(monkeypatch, done_once.out / held, after_check=after_check)
    code, _, err = _main(done_once.args("--round", "Đợt 2"), capsys)   # every output changes with the round
    assert code == 3 and refused
    assert err.strip() == f"Không thể chạy: Tệp '{done_once.out / held}' {CLOSE}; kết quả lần trước vẫn giữ nguyên."
    assert snapshot(done_once.out) == before and no_commit_left(done_once.out)
    monkeypatch.undo()   # Excel closed: the same run goes through
    assert _main(done_once.args("--round", "Đợt 2"), capsys)[0] in (0, 1)
    after = snapshot(done_once.out)
    assert after.keys() == before.keys() and after[held] != before[held]


def test_the_command_as_its_own_process_exits_3_with_the_message(done_once):
    """`cds-batch run` as a process of its own, its output redirected the way a Vietnamese Windows does."""
    before = snapshot(done_once.out)
    held = done_once.out / "tong-hop.xlsx"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "cp1258"}
    hook = [sys.executable, "-m", "tests.windows_hooks", str(held)]
    run = subprocess.run([*hook, *done_once.args("--round", "Đợt 2")], capture_output=True, cwd=ROOT, env=env,
                         timeout=300)
    assert run.returncode == 3, run.stderr
    said = run.stderr.decode("utf-8").strip()
    assert said == f"Không thể chạy: Tệp '{held}' {CLOSE}; kết quả lần trước vẫn giữ nguyên."
    assert snapshot(done_once.out) == before and no_commit_left(done_once.out)


def test_the_library_raises_output_in_use(done_once, monkeypatch):
    before = snapshot(done_once.out)
    schools, _ = check_roster(done_once.roster)
    opts = district_options([done_once.folder], schools, [], done_once.out, round_label="Đợt 2")
    excel_holds(monkeypatch, done_once.out / "results.json", after_check=True)
    with pytest.raises(OutputInUse) as stopped:
        run_district(opts)
    assert stopped.value.path == done_once.out / "results.json"
    assert snapshot(done_once.out) == before and no_commit_left(done_once.out)


def test_the_province_roll_up_with_its_workbook_open_exits_3(done_once, capsys, monkeypatch, tmp_path):
    province = tmp_path / "tinh"
    args = ["province", str(done_once.out), "--out", str(province)]
    assert _main([*args, "--title", "Lần 1"], capsys)[0] in (0, 1)
    before = snapshot(province)
    excel_holds(monkeypatch, province / "tong-hop-tinh.xlsx")
    code, _, err = _main([*args, "--title", "Lần 2"], capsys)
    assert code == 3 and f"Tệp '{province / 'tong-hop-tinh.xlsx'}' {CLOSE}" in err
    assert snapshot(province) == before and no_commit_left(province)


def test_a_template_open_in_excel_exits_3_and_stays(capsys, monkeypatch, tmp_path):
    out = tmp_path / "mau"
    args = ["template", "--rubric", "qd4725-phothong", "--round", "Đợt 1", "--out", str(out)]
    assert _main(args, capsys)[0] == 0
    (blank,) = out.iterdir()
    before = blank.read_bytes()
    excel_holds(monkeypatch, blank)
    code, _, err = _main([*args[:-2], "--office", "Phòng GDĐT Quận 7", "--out", str(out)], capsys)
    assert code == 3 and err.strip() == f"Không thể chạy: Tệp '{blank}' {CLOSE}; tệp đó vẫn giữ nội dung cũ."
    assert blank.read_bytes() == before and [p.name for p in out.iterdir()] == [blank.name]


def test_the_pages_run_with_an_output_open_fails_with_the_same_message(tmp_path, monkeypatch):
    app = make_app(tmp_path / "ws")
    client = client_with_token(app)
    assert create_round(client, roster=small_roster(tmp_path)).status_code == 303
    slug = "Dot-1-nam-2025"
    client.post(f"/dot/{slug}/hop-thu", data={"files": [(io.BytesIO(b"khong phai bang tinh"), "a.xlsx")]},
                content_type="multipart/form-data")
    client.post(f"/dot/{slug}/chay")
    assert wait_done(app, slug).state == "done"
    out = tmp_path / "ws" / slug / "ket-qua"
    before = snapshot(out)
    excel_holds(monkeypatch, out / "tong-hop.xlsx")
    client.post(f"/dot/{slug}/chay")
    job = wait_done(app, slug)
    assert job.state == "failed" and job.message.startswith("Không thể chạy: Tệp '") and CLOSE in job.message
    assert str(out / "tong-hop.xlsx") in job.message
    assert snapshot(out) == before and no_commit_left(out)


# --- The console's code page ---------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["cp1252", "cp437", "ascii"])
def test_a_console_with_an_old_code_page_gets_utf8_and_no_traceback(tmp_path, encoding):
    """A Windows console in cp437/cp1252 (or a redirect in that encoding): the CLI switches its output to
    UTF-8, so the Vietnamese arrives whole, and nothing raises UnicodeEncodeError."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": encoding}
    listed = subprocess.run([sys.executable, "-m", "cds_batch", "rubric", "list"], capture_output=True, env=env,
                            timeout=120)
    assert listed.returncode == 0 and listed.stderr == b""
    assert load_rubric("qd4725-phothong").name in listed.stdout.decode("utf-8")
    missing = subprocess.run([sys.executable, "-m", "cds_batch", "rubric", "check", str(tmp_path / "không-có.yaml")],
                             capture_output=True, env=env, timeout=120)
    assert missing.returncode == 1 and b"Traceback" not in missing.stderr
    assert f"R101 {tmp_path / 'không-có.yaml'}: Không đọc được tệp bộ chỉ số" in missing.stdout.decode("utf-8")


class _Stream(io.StringIO):
    def __init__(self, console: bool) -> None:
        super().__init__()
        self.console, self.encodings = console, []

    def isatty(self) -> bool:
        return self.console

    def reconfigure(self, **kwargs: str) -> None:
        self.encodings.append(kwargs)


class _Kernel32:
    """The console API of a Windows console in code page 437."""

    def __init__(self) -> None:
        self.page = 437

    def GetConsoleOutputCP(self) -> int:  # noqa: N802 - the Windows API's name
        return self.page

    def SetConsoleOutputCP(self, page: int) -> int:  # noqa: N802
        self.page = page
        return 1


@pytest.mark.parametrize("windows, console, page", [(True, True, 65001), (True, False, 437), (False, True, 437)])
def test_a_windows_console_is_switched_to_utf8_and_back(monkeypatch, windows, console, page):
    import atexit

    from cds_batch.cli import console as module

    kernel32, on_exit = _Kernel32(), []
    out, err = _Stream(console), _Stream(console)
    monkeypatch.setattr(module, "is_windows", lambda: windows)
    monkeypatch.setattr(module, "_kernel32", lambda: kernel32)
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(atexit, "register", lambda f, *a: on_exit.append((f, a)))
    module.use_utf8()
    assert out.encodings == err.encodings == [{"encoding": "utf-8", "errors": "replace"}]
    assert kernel32.page == page
    for f, a in on_exit:   # the command ends: the window keeps the code page it had
        f(*a)
    assert kernel32.page == 437


# --- Long paths ----------------------------------------------------------------------------------------

def _deep(base: Path, total: int) -> Path:
    """A folder under `base` whose absolute path is longer than `total` characters (Vietnamese names)."""
    folder = base
    while len(str(folder)) <= total:
        folder = folder / "Thư mục lưu trữ hồ sơ chuyển đổi số"
    return folder


def test_an_inbox_and_an_output_folder_beyond_260_characters(built, capsys, tmp_path):
    """Here no system limit applies, so this shows the run's own names and paths never get in the way;
    on Windows the same run goes through `core.windows.extended` (below)."""
    deep = copy_of(built, _deep(tmp_path, 300))
    out = _deep(tmp_path / "ket-qua", 300)
    code, _, err = _main(["run", str(deep.folder), "--roster", str(deep.roster), "--out", str(out)], capsys)
    assert code in (0, 1), err
    assert max(len(str(p)) for p in out.rglob("*")) > 300 and (out / "tong-hop.xlsx").is_file()
    sources = {e["source"] for e in json.loads((out / "ledger.json").read_text(encoding="utf-8"))}
    assert sources and all(s.startswith("hop-thu/") for s in sources)   # shown from the inbox's own name


def test_on_windows_a_deep_output_folder_is_written_through_the_extended_form(monkeypatch, built):
    from cds_batch.core import windows

    monkeypatch.setattr(windows, "is_windows", lambda: True)
    schools, _ = check_roster(built.roster)
    deep = "C:\\Users\\Nguyễn Văn A\\Documents\\" + "\\".join(["Thư mục lưu trữ hồ sơ"] * 8)
    opts = district_options([built.folder], schools, [], Path(deep), round_label="Đợt 1")
    assert str(opts.out) == "\\\\?\\" + deep
    near = district_options([built.folder], schools, [], Path("C:\\ket-qua"), round_label="Đợt 1")
    assert str(near.out) == "C:\\ket-qua"   # a usual folder stays as typed, in every message


def test_the_inbox_is_walked_through_its_extended_form_and_shown_as_given(monkeypatch, built, tmp_path):
    """On Windows the walk goes through '\\\\?\\C:\\…\\hop-thu', another spelling of the folder given: here a
    link stands in for it. What the run reads comes through that spelling; what it shows does not."""
    import cds_batch.intake.discover as discover

    alias = tmp_path / "bi-danh"
    alias.symlink_to(built.folder.resolve(), target_is_directory=True)
    walked: list[Path] = []

    def through_alias(path: Path, room: int) -> Path:
        walked.append(path)
        return alias
    monkeypatch.setattr(discover, "extended", through_alias)
    with discover.private_workdir() as work:
        entries = discover.discover([built.folder], work)
    assert walked == [built.folder] and entries
    assert all(e.source.startswith("hop-thu/") for e in entries)
    direct = [e for e in entries if e.parent == "" and e.path is not None]   # read from the inbox itself
    assert direct and all(str(e.path).startswith(str(alias)) for e in direct)
