"""A run's outputs are committed together: a run stopped or killed while writing leaves the output folder
file for file as the previous complete run left it, and a killed run's scratch is removed by the next.

Round A is the sample inbox; round B the same inbox without its Zalo folder, so its outputs differ
(other counts, and the feedback files of the schools that sent only through Zalo are removed). Round B
runs as a real `cds-batch run` process that stops at a chosen point of its writing (`tests.commit_hooks`),
where the test sends SIGINT, SIGTERM or SIGKILL.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cds_batch.core.atomic import STAGING_PREFIX
from cds_batch.core.commit import JOURNAL, Staging, prepare, remove_stale, roll_forward, settle
from cds_batch.district.cache import CACHE_FILE
from cds_batch.reports.contract import FEEDBACK, RESULTS, read_results
from tests.builders.sample_inbox import INBOX, ROSTER

ROOT = Path(__file__).resolve().parents[2]
STOPPED = "không tệp nào trong thư mục kết quả"


def _env(tmp: Path) -> dict[str, str]:
    """The system temporary folder of the runs: the test's own, to see what a killed run leaves there."""
    tmp.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(tmp), "TEMP": str(tmp), "TMP": str(tmp), "PYTHONIOENCODING": "utf-8"}


def _args(inbox: Path, out: Path) -> list[str]:
    return ["run", str(inbox), "--roster", str(ROSTER), "--round", "Đợt 1 năm 2025", "--office", "Phòng GDĐT Quận 7",
            "--out", str(out)]


def _run(inbox: Path, out: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "cds_batch", *_args(inbox, out)], cwd=ROOT, env=_env(tmp),
                          capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert done.returncode in (0, 1), done.stderr
    return done


def _stopped_at(point: str, inbox: Path, out: Path, tmp: Path, sig: signal.Signals,
                marker: Path) -> subprocess.CompletedProcess[str]:
    """Start a run that pauses at `point`, send `sig` once it is there, and wait for it to end."""
    process = subprocess.Popen([sys.executable, "-m", "tests.commit_hooks", point, str(marker), *_args(inbox, out)],
                               cwd=ROOT, env=_env(tmp), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               encoding="utf-8")
    while not marker.exists():   # no timing: the process itself says it is there
        if process.poll() is not None:
            raise AssertionError(f"the run ended before {point}: {process.communicate()}")
        time.sleep(0.05)
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _outputs(out: Path) -> dict[str, bytes]:
    """Every file of the output folder, by relative path, bytes and all; the cache (which may change at
    any run, and changes no output), the journal and the scratch left aside (`_scratch`)."""
    found = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out)
        if path.is_file() and rel.parts[0] not in (CACHE_FILE, JOURNAL) and not rel.parts[0].startswith(STAGING_PREFIX):
            found[rel.as_posix()] = path.read_bytes()
    return found


def _scratch(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith(STAGING_PREFIX) or p.name == JOURNAL)


@pytest.fixture(scope="module")
def rounds(tmp_path_factory):
    """Round B's inbox, and the complete outputs of round A and of round B run into fresh folders."""
    base = tmp_path_factory.mktemp("rounds")
    inbox_b = base / "inbox"
    shutil.copytree(INBOX, inbox_b)
    shutil.rmtree(inbox_b / "Zalo")
    outputs = {}
    for name, inbox in (("A", INBOX), ("B", inbox_b)):
        _run(inbox, base / name, base / "tmp")
        outputs[name] = _outputs(base / name)
    assert outputs["A"] != outputs["B"]
    gone = set(outputs["A"]) - set(outputs["B"])
    assert any(name.startswith(f"{FEEDBACK}/") for name in gone)   # B removes feedback files of A
    return inbox_b, outputs


@pytest.fixture
def round_a(tmp_path, rounds):
    out = tmp_path / "ket-qua"
    _run(INBOX, out, tmp_path / "tmp")
    assert _outputs(out) == rounds[1]["A"]
    return out


@pytest.mark.parametrize("point", ["writing", "commit"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stopped_run_changes_nothing_and_exits_130(tmp_path, rounds, round_a, point, sig):
    inbox_b, outputs = rounds
    stopped = _stopped_at(point, inbox_b, round_a, tmp_path / "tmp", sig, tmp_path / "here")
    assert stopped.returncode == 130, stopped.stderr
    assert STOPPED in stopped.stderr and str(round_a) in stopped.stderr and "Traceback" not in stopped.stderr
    assert _outputs(round_a) == outputs["A"]
    assert _scratch(round_a) == []   # the stopped run removed its staging folder itself
    assert list((tmp_path / "tmp").iterdir()) == []   # and its temporary folders


def test_a_killed_run_changes_nothing_and_the_next_run_removes_its_scratch(tmp_path, rounds, round_a):
    inbox_b, outputs = rounds
    tmp = tmp_path / "tmp"
    killed = _stopped_at("writing", inbox_b, round_a, tmp, signal.SIGKILL, tmp_path / "here")
    assert killed.returncode == -signal.SIGKILL
    assert _outputs(round_a) == outputs["A"]
    left = _scratch(round_a)
    assert len(left) == 1 and left[0].startswith(STAGING_PREFIX)            # its staged files, never moved
    assert [p.name.split("-")[1] for p in tmp.iterdir()] == ["review"]      # the review spool of the run
    _run(INBOX, round_a, tmp)
    assert _scratch(round_a) == [] and list(tmp.iterdir()) == []
    assert _outputs(round_a) == outputs["A"]


def test_a_run_killed_after_its_journal_is_finished_by_the_next_reader(tmp_path, rounds, round_a):
    """A power cut once the journal is on the disk: the commit was decided, and whoever opens the folder
    next finishes it, so the folder holds round B complete (with A's extra feedback files removed)."""
    inbox_b, outputs = rounds
    killed = _stopped_at("journal", inbox_b, round_a, tmp_path / "tmp", signal.SIGKILL, tmp_path / "here")
    assert killed.returncode == -signal.SIGKILL
    assert (round_a / JOURNAL).is_file() and _outputs(round_a) == outputs["A"]   # nothing moved yet
    records = read_results(round_a)   # as --previous, the province and the web page read a folder
    assert records == json.loads(outputs["B"][RESULTS])
    assert _outputs(round_a) == outputs["B"] and _scratch(round_a) == []


def test_the_next_run_finishes_a_journal_before_anything_else(tmp_path, rounds, round_a):
    inbox_b, outputs = rounds
    _stopped_at("journal", inbox_b, round_a, tmp_path / "tmp", signal.SIGKILL, tmp_path / "here")
    _run(inbox_b, round_a, tmp_path / "tmp")
    assert _outputs(round_a) == outputs["B"] and _scratch(round_a) == []


def test_feedback_files_whose_inputs_did_not_change_are_not_touched(tmp_path, rounds, round_a):
    inbox_b, outputs = rounds
    before = {p.name: p.stat().st_ino for p in (round_a / FEEDBACK).iterdir()}
    _run(inbox_b, round_a, tmp_path / "tmp")
    assert _outputs(round_a) == outputs["B"]
    after = {p.name: p.stat().st_ino for p in (round_a / FEEDBACK).iterdir()}
    assert after and all(before[name] == inode for name, inode in after.items())   # the same files, not new ones


# --- The mechanism itself ---------------------------------------------------------------------------

def _staged(out: Path, files: dict[str, str], drop: tuple[str, ...] = ()) -> Staging:
    stage = Staging(out)
    for rel, text in files.items():
        target = stage.place(out / rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for rel in drop:
        stage.drop(out / rel)
    return stage


def test_a_journal_half_carried_out_is_finished_once_and_again_changes_nothing(tmp_path, monkeypatch):
    out = tmp_path / "ket-qua"
    (out / "phan-hoi").mkdir(parents=True)
    for rel, text in {"tong-hop.xlsx": "cũ", "phan-hoi/a.xlsx": "cũ a", "phan-hoi/b.xlsx": "cũ b"}.items():
        (out / rel).write_text(text, encoding="utf-8")
    stage = _staged(out, {"tong-hop.xlsx": "mới", "phan-hoi/a.xlsx": "mới a", "phan-hoi/c.xlsx": "mới c"},
                    drop=("phan-hoi/b.xlsx",))
    moved = []
    real_replace = os.replace

    def cut_after_one(src, dst):   # the power goes after the journal and the first file moved into place
        if src == dst:   # the check that no output is held open (`check_free`) renames nothing
            return real_replace(src, dst)
        if len(moved) == 3:   # the journal; the earlier file set aside, the new one moved into place
            raise KeyboardInterrupt
        moved.append(dst)
        real_replace(src, dst)
    monkeypatch.setattr(os, "replace", cut_after_one)
    with pytest.raises(KeyboardInterrupt):
        stage.commit()
    monkeypatch.setattr(os, "replace", real_replace)
    stage.discard()   # what the stopped run does on its way out: the journal names the folder, so it stays
    assert (out / JOURNAL).is_file() and stage.root.is_dir()
    assert roll_forward(out)
    expected = {"tong-hop.xlsx": "mới", "phan-hoi/a.xlsx": "mới a", "phan-hoi/c.xlsx": "mới c"}
    assert {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8")
            for p in out.rglob("*") if p.is_file()} == expected
    assert not roll_forward(out)   # nothing left to do
    settle(out)
    assert sorted(p.name for p in out.iterdir()) == ["phan-hoi", "tong-hop.xlsx"]


def test_a_journal_that_is_not_ours_is_removed_and_its_folder_is_scratch(tmp_path):
    out = tmp_path / "ket-qua"
    out.mkdir()
    (out / JOURNAL).write_text('{"format": 1, "staging": "../ngoai", "moves": ["x"], "drop": []}', encoding="utf-8")
    (tmp_path / "ngoai").mkdir()
    assert not roll_forward(out)
    assert not (out / JOURNAL).exists() and (tmp_path / "ngoai").is_dir()


def _dead_pid() -> int:
    """The id of a process that has ended."""
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    return int(gone.stdout)


def test_only_scratch_of_a_process_that_is_gone_is_removed(tmp_path):
    dead = _dead_pid()
    names = [f"{STAGING_PREFIX}{dead}-abcdefgh", f"{STAGING_PREFIX}{os.getpid()}-abcdefgh",
             f"cds_batch-work-{dead}-abc_defg", f"cds_batch-review-{os.getpid()}-abcdefgh",
             f"cds_batch-{dead}", "cds_samples_x", f"{STAGING_PREFIX}ghi-chu"]
    for name in names:
        (tmp_path / name).mkdir()
    removed = remove_stale(tmp_path)
    assert sorted(p.name for p in removed) == sorted([names[0], names[2]])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[1:2] + names[3:])


def test_prepare_finishes_a_commit_then_removes_the_scratch_of_dead_runs(tmp_path, monkeypatch):
    out = tmp_path / "ket-qua"
    stage = _staged(out, {"results.json": "[]"})
    import cds_batch.core.commit as commit
    monkeypatch.setattr(commit, "roll_forward", lambda folder: False)   # the power goes once the journal is written
    stage.commit()
    monkeypatch.undo()
    assert not (out / RESULTS).exists() and (out / JOURNAL).is_file()
    dead = out / f"{STAGING_PREFIX}{_dead_pid()}-abcdefgh"
    dead.mkdir()
    prepare(out)
    assert (out / RESULTS).read_text(encoding="utf-8") == "[]" and _scratch(out) == []


# --- The page -----------------------------------------------------------------------------------------

def test_the_page_shows_a_run_killed_while_writing_and_the_previous_results(tmp_path):
    from tests.web_helpers import client_with_token, create_round, make_app, upload_inbox, wait_done

    data, slug = tmp_path / "ws", "Dot-1-nam-2025"
    app = make_app(data)
    client = client_with_token(app)
    assert create_round(client).status_code == 303
    upload_inbox(client, slug)
    client.post(f"/dot/{slug}/chay")
    assert wait_done(app, slug).state == "done"
    out = data / slug / "ket-qua"
    before = _outputs(out)
    killed = _stopped_at("writing", INBOX, out, tmp_path / "tmp", signal.SIGKILL, tmp_path / "here")
    assert killed.returncode == -signal.SIGKILL and _outputs(out) == before

    restarted = client_with_token(make_app(data))   # a new server: no run of its own to remember
    status = restarted.get(f"/dot/{slug}/trang-thai").json
    assert status["state"] == "interrupted" and status["has_results"]
    page = restarted.get(f"/dot/{slug}/ket-qua").get_data(as_text=True)
    assert 'id="bi-dung"' in page and "đã bị dừng giữa chừng" in page and "Tổng hợp đợt này" in page
    assert "Hợp lệ" in page   # the previous complete results are shown under the notice
    restarted.post(f"/dot/{slug}/chay")   # a new run clears what the killed one left
    assert wait_done(restarted.application, slug).state == "done"
    assert _scratch(out) == [] and 'id="bi-dung"' not in restarted.get(f"/dot/{slug}/ket-qua").get_data(as_text=True)
