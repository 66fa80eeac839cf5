"""The CLI as a person types it: real `cds-batch` processes, Vietnamese output, documented exit codes."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from cds_batch.rubric import load_rubric

ROOT = Path(__file__).resolve().parents[2]


def cds(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed console script if there is one, else `python -m cds_batch`."""
    exe = shutil.which("cds-batch", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "cds_batch"]
    # A Vietnamese Windows console would encode as cp1258; the CLI must not depend on the locale.
    env = {**os.environ, "PYTHONIOENCODING": "cp1258"}
    return subprocess.run(cmd + list(args), capture_output=True, text=True, encoding="utf-8", cwd=cwd, env=env,
                          timeout=120)


def test_check_national_exits_0_and_warns_group_2_is_90():
    run = cds("rubric", "check", "qd4725-phothong")
    assert run.returncode == 0, run.stderr
    assert "[Cảnh báo] R210" in run.stdout and "Nhóm 2: điểm tối đa là 90, không phải 100" in run.stdout
    assert "dùng được" in run.stdout and "Traceback" not in run.stderr


def test_check_quan7_reports_cap_and_maxima():
    run = cds("rubric", "check", "quan7-mamnon-2023")
    assert run.returncode == 0
    assert "Mục 2.3: điểm trần khai báo là 10 nhưng các dòng cộng lại được 11" in run.stdout
    assert "Nhóm 1: điểm tối đa là 55" in run.stdout and "Nhóm 2: điểm tối đa là 40 (41" in run.stdout


def test_list_names_both_builtins():
    run = cds("rubric", "list")
    assert run.returncode == 0
    assert "qd4725-phothong" in run.stdout and "quan7-mamnon-2023" in run.stdout


@pytest.mark.parametrize("suffix", [".yaml", ".xlsx"])
def test_export_then_check_the_exported_file(tmp_path, suffix):
    out = tmp_path / f"bo-chi-so{suffix}"
    assert cds("rubric", "export", "quan7-mamnon-2023", "--out", str(out)).returncode == 0
    run = cds("rubric", "check", str(out))
    assert run.returncode == 0, run.stdout
    assert load_rubric(out).content_hash == load_rubric("quan7-mamnon-2023").content_hash


def test_broken_rubric_exits_1_with_line_and_no_traceback(tmp_path):
    bad = tmp_path / "sai.yaml"
    bad.write_text("id: x\nname: X\nversion: 1\ngroups:\n  - id: 1\n    name: N\n    criteria:\n"
                   "      - {code: '1.1', name: A, kind: points, max: nhiều}\n", encoding="utf-8")
    run = cds("rubric", "check", str(bad))
    assert run.returncode == 1
    assert "[Lỗi] R102 sai.yaml, dòng 8" in run.stdout and "KHÔNG dùng được" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_usage_error_exits_2():
    assert cds("rubric", "khong-co-lenh").returncode == 2


def test_export_to_an_unknown_format_exits_cleanly(tmp_path):
    run = cds("rubric", "export", "qd4725-phothong", "--out", str(tmp_path / "x.txt"))
    assert run.returncode == 1 and "chỉ hỗ trợ .yaml, .yml hoặc .xlsx" in run.stderr
    assert "Traceback" not in run.stderr


def test_export_into_an_unwritable_place_exits_3(tmp_path):
    blocker = tmp_path / "tep"
    blocker.write_text("x")
    run = cds("rubric", "export", "qd4725-phothong", "--out", str(blocker / "con" / "r.yaml"))
    assert run.returncode == 3 and "Không thể chạy" in run.stderr


def test_the_progress_bar_shows_counts_on_a_terminal_only(monkeypatch):
    import io
    import sys

    from cds_batch.cli import console

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    with console.progress() as progress:
        progress.start(3)
        for _ in range(3):
            progress.step(None)
    assert "Đang đọc các tệp" in screen.getvalue() and "3/3" in screen.getvalue()
    quiet = io.StringIO()
    monkeypatch.setattr(sys, "stderr", quiet)
    with console.progress() as progress:
        assert progress.start is None and progress.step is None
    assert quiet.getvalue() == ""


def _stopped(args: list[str], capsys) -> tuple[int, str]:
    from cds_batch import cli

    with pytest.raises(SystemExit) as done:
        cli.main(args)
    return done.value.code, capsys.readouterr().err


@pytest.mark.parametrize("stop", [KeyboardInterrupt, "StoppedAfterCommit"])
def test_a_stopped_run_or_province_exits_130_saying_what_the_folder_holds(tmp_path, monkeypatch, capsys, stop):
    """Ctrl+C wherever it lands in a command: exit 130, never 1 ("done, something to fix"), and a line
    that is true of the output folder. The subprocess tests of the writing phase are in test_commit.py."""
    import cds_batch.cli.commands as commands
    from cds_batch.core.commit import StoppedAfterCommit

    raised = StoppedAfterCommit if stop == "StoppedAfterCommit" else stop

    def interrupted(*args, **kwargs):
        raise raised()
    monkeypatch.setattr(commands, "run_district", interrupted)
    monkeypatch.setattr(commands, "province_roll_up", interrupted)
    roster = ROOT / "samples" / "danh-sach-truong.csv"
    out = tmp_path / "ket-qua"
    for args in (["run", str(ROOT / "samples" / "inbox"), "--roster", str(roster), "--out", str(out)],
                 ["province", str(tmp_path), "--out", str(out)]):
        code, err = _stopped(args, capsys)
        assert code == 130 and str(out) in err and "Traceback" not in err
        if raised is StoppedAfterCommit:
            assert "kết quả của lần chạy này đã ghi xong đầy đủ" in err
        else:
            assert "không tệp nào trong thư mục kết quả" in err and "vẫn nguyên vẹn" in err


def test_a_stopped_template_run_says_the_files_written_are_complete(tmp_path, monkeypatch, capsys):
    import cds_batch.cli.commands as commands

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(commands, "write_school_templates", interrupted)
    code, err = _stopped(["template", "--rubric", "qd4725-phothong", "--out", str(tmp_path)], capsys)
    assert code == 130 and "các tệp đã ghi xong vẫn còn nguyên, không có tệp nào ghi dở" in err


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name == "nt", reason="SIGTERM to a process is POSIX")
def test_sigterm_stops_the_command_like_ctrl_c_and_the_handler_is_put_back(tmp_path, monkeypatch, capsys):
    import cds_batch.cli.commands as commands

    def killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)   # what a service manager sends
        raise AssertionError("SIGTERM did not stop the command")
    monkeypatch.setattr(commands, "write_school_templates", killed)
    before = signal.getsignal(signal.SIGTERM)
    code, err = _stopped(["template", "--rubric", "qd4725-phothong", "--out", str(tmp_path)], capsys)
    assert code == 130 and "Đã dừng theo yêu cầu" in err
    assert signal.getsignal(signal.SIGTERM) == before
