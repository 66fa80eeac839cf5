"""Windows' file behaviour, simulated here: an output held open by Excel stops the commit with the previous
outputs intact, a refusal midway is undone, and long paths take the extended-length form on Windows only."""
from __future__ import annotations

import errno
from pathlib import Path

import pytest

from cds_batch.core import windows
from cds_batch.core.atomic import write_text_atomic
from cds_batch.core.commit import Staging, prepare, settle
from cds_batch.core.windows import MAX_PATH, OutputInUse, extended, held_open, shown

from tests.windows_helpers import excel_holds, no_commit_left, refusal, snapshot


@pytest.mark.parametrize("exc, held", [
    (refusal("a.xlsx", 32), True), (refusal("a.xlsx", 33), True), (refusal("a.xlsx", 5), True),
    (PermissionError(errno.EACCES, "Permission denied"), False),   # POSIX: the folder's permissions
    (OSError(errno.ENOSPC, "No space left on device"), False), (ValueError("x"), False),
])
def test_only_windows_refusal_of_a_file_held_open_counts_as_held(exc, held):
    assert held_open(exc) is held


def test_the_message_names_the_file_and_says_to_close_it():
    text = str(OutputInUse(Path("\\\\?\\C:\\Dữ liệu\\ket-qua\\tong-hop.xlsx")))
    assert text == ("Tệp 'C:\\Dữ liệu\\ket-qua\\tong-hop.xlsx' đang được mở trong chương trình khác (Excel?) nên "
                    "không ghi đè được. Hãy đóng tệp này rồi chạy lại; kết quả lần trước vẫn giữ nguyên.")


# --- The commit --------------------------------------------------------------------------------------

def _previous(out: Path) -> None:
    """An earlier run's outputs: a summary, two feedback files."""
    (out / "phan-hoi").mkdir(parents=True)
    for rel, text in {"tong-hop.xlsx": "cũ", "phan-hoi/a.xlsx": "cũ a", "phan-hoi/b.xlsx": "cũ b"}.items():
        (out / rel).write_text(text, encoding="utf-8")


def _this_run(out: Path) -> Staging:
    """This run: a new summary and a.xlsx, a new c.xlsx, b.xlsx removed."""
    stage = Staging(out)
    for rel, text in {"tong-hop.xlsx": "mới", "phan-hoi/a.xlsx": "mới a", "phan-hoi/c.xlsx": "mới c"}.items():
        (stage.place(out / rel)).parent.mkdir(parents=True, exist_ok=True)
        stage.place(out / rel).write_text(text, encoding="utf-8")
    stage.drop(out / "phan-hoi" / "b.xlsx")
    return stage


@pytest.mark.parametrize("held", ["tong-hop.xlsx", "phan-hoi/a.xlsx", "phan-hoi/b.xlsx"])
def test_an_output_held_open_stops_the_commit_before_anything_moves(tmp_path, monkeypatch, held):
    out = tmp_path / "ket-qua"
    _previous(out)
    before = snapshot(out)
    stage = _this_run(out)
    refused = excel_holds(monkeypatch, out / held)
    with pytest.raises(OutputInUse) as stopped:
        stage.commit()
    stage.discard()
    assert stopped.value.path == out / held and str(out / held) in str(stopped.value)
    tries = len(windows.RETRY_DELAYS) + 1
    assert refused == [f"replace {out / held} {out / held}"] * tries   # the check refused, nothing else was tried
    assert snapshot(out) == before and no_commit_left(out)


@pytest.mark.parametrize("held", ["tong-hop.xlsx", "phan-hoi/b.xlsx"])
def test_a_refusal_midway_puts_every_file_back(tmp_path, monkeypatch, held):
    """Excel opens the file between the check and the commit: the files moved before it (a.xlsx, the new
    c.xlsx; b.xlsx removed before tong-hop.xlsx is reached) go back, and the folder is as before."""
    out = tmp_path / "ket-qua"
    _previous(out)
    before = snapshot(out)
    stage = _this_run(out)
    refused = excel_holds(monkeypatch, out / held, after_check=True)
    with pytest.raises(OutputInUse) as stopped:
        stage.commit()
    stage.discard()
    assert refused and stopped.value.path == out / held
    assert snapshot(out) == before and no_commit_left(out)
    monkeypatch.undo()   # Excel closed: the next commit goes through
    _this_run(out).commit()
    assert snapshot(out).keys() == {"tong-hop.xlsx", "phan-hoi/a.xlsx", "phan-hoi/c.xlsx"}
    assert (out / "tong-hop.xlsx").read_text(encoding="utf-8") == "mới"


@pytest.mark.parametrize("next_run", [True, False])
def test_a_refusal_finishing_a_killed_runs_commit_restores_the_earlier_outputs(tmp_path, monkeypatch, next_run):
    """A run killed midway through its commit left a journal; the next run (or a reader: the page, the
    province, --previous) finds a file held open while finishing it: what the killed run had moved is put
    back from the side as well. The run stops saying so; the reader reads the earlier outputs."""
    out = tmp_path / "ket-qua"
    _previous(out)
    before = snapshot(out)
    stage = _this_run(out)
    import cds_batch.core.commit as commit

    real_set_aside, calls = commit._set_aside, []

    def killed_after_two(target: Path, side: Path) -> None:
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(target)
        real_set_aside(target, side)
    monkeypatch.setattr(commit, "_set_aside", killed_after_two)
    with pytest.raises(KeyboardInterrupt):
        stage.commit()
    monkeypatch.undo()
    assert (out / "phan-hoi" / "a.xlsx").read_text(encoding="utf-8") == "mới a"   # half committed
    excel_holds(monkeypatch, out / "tong-hop.xlsx")
    if next_run:
        with pytest.raises(OutputInUse):
            prepare(out)
    else:
        settle(out)
    assert snapshot(out) == before and no_commit_left(out)


def test_a_file_held_for_a_moment_is_waited_for(tmp_path, monkeypatch):
    """An antivirus or the search indexer opens a file just written for a moment: the commit tries again
    and goes through, instead of asking the user to close a file no one has open."""
    out = tmp_path / "ket-qua"
    _previous(out)
    stage = _this_run(out)
    refused = excel_holds(monkeypatch, out / "tong-hop.xlsx", times=len(windows.RETRY_DELAYS))
    stage.commit()
    assert len(refused) == len(windows.RETRY_DELAYS)
    assert snapshot(out).keys() == {"tong-hop.xlsx", "phan-hoi/a.xlsx", "phan-hoi/c.xlsx"} and no_commit_left(out)


def test_a_refused_rename_is_tried_again_after_growing_pauses(monkeypatch):
    pauses: list[float] = []
    monkeypatch.setattr(windows.time, "sleep", pauses.append)
    calls: list[int] = []

    def held() -> None:
        calls.append(1)
        raise refusal("tong-hop.xlsx")
    with pytest.raises(PermissionError):
        windows.patiently(held)
    assert pauses == list(windows.RETRY_DELAYS) and len(calls) == len(pauses) + 1 and sum(pauses) < 1


def test_a_refusal_that_is_not_a_file_held_open_is_not_waited_for(monkeypatch):
    pauses: list[float] = []
    monkeypatch.setattr(windows.time, "sleep", pauses.append)

    def denied() -> None:
        raise PermissionError(errno.EACCES, "Permission denied")
    with pytest.raises(PermissionError):
        windows.patiently(denied)
    assert pauses == []


def test_a_refusal_that_is_not_windows_holding_the_file_keeps_its_own_error(tmp_path, monkeypatch):
    out = tmp_path / "ket-qua"
    _previous(out)
    stage = _this_run(out)
    import os

    def denied(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied", str(src))
    monkeypatch.setattr(os, "replace", denied)
    with pytest.raises(PermissionError) as failed:
        stage.commit()
    assert not isinstance(failed.value, OutputInUse)


def test_a_single_file_held_open_is_left_as_it_was(tmp_path, monkeypatch):
    target = tmp_path / "mau-phieu.xlsx"
    write_text_atomic(target, "cũ")
    excel_holds(monkeypatch, target)
    with pytest.raises(OutputInUse) as stopped:
        write_text_atomic(target, "mới")
    assert "Hãy đóng tệp này rồi chạy lại; tệp đó vẫn giữ nội dung cũ." in str(stopped.value)
    assert target.read_text(encoding="utf-8") == "cũ" and [p.name for p in tmp_path.iterdir()] == [target.name]


# --- Long paths -----------------------------------------------------------------------------------------

def test_elsewhere_a_path_is_left_as_it_is(monkeypatch):
    monkeypatch.setattr(windows, "is_windows", lambda: False)
    deep = Path("/" + "/".join(["thu-muc-rat-dai"] * 30))
    assert extended(deep) == deep


@pytest.mark.parametrize("given, expected", [
    ("C:\\" + "\\".join(["thu-muc"] * 9), None),   # short (74 characters): as typed
    ("C:\\" + "\\".join(["thu-muc"] * 40), "\\\\?\\C:\\" + "\\".join(["thu-muc"] * 40)),
    ("C:\\a\\..\\" + "\\".join(["thu-muc"] * 40), "\\\\?\\C:\\" + "\\".join(["thu-muc"] * 40)),   # normalised
    ("\\\\may-chu\\chia-se\\" + "\\".join(["thu-muc"] * 40),
     "\\\\?\\UNC\\may-chu\\chia-se\\" + "\\".join(["thu-muc"] * 40)),
    ("\\\\?\\C:\\" + "\\".join(["thu-muc"] * 40), None),   # already in that form
])
def test_on_windows_a_long_path_takes_the_extended_form(monkeypatch, given, expected):
    monkeypatch.setattr(windows, "is_windows", lambda: True)
    result = extended(Path(given))
    assert str(result) == (expected or given)


@pytest.mark.parametrize("path, typed", [
    ("\\\\?\\C:\\ket-qua\\tong-hop.xlsx", "C:\\ket-qua\\tong-hop.xlsx"),
    ("\\\\?\\UNC\\may-chu\\chia-se\\tong-hop.xlsx", "\\\\may-chu\\chia-se\\tong-hop.xlsx"),
    ("ket-qua/tong-hop.xlsx", "ket-qua/tong-hop.xlsx"),
])
def test_a_path_is_shown_as_typed(path, typed):
    assert shown(Path(path)) == typed


def test_the_room_decides_where_the_extended_form_starts(monkeypatch):
    monkeypatch.setattr(windows, "is_windows", lambda: True)
    folder = "C:\\" + "x" * 40
    assert str(extended(Path(folder), room=MAX_PATH - len(folder) - 1)) == folder
    assert str(extended(Path(folder), room=MAX_PATH - len(folder))) == "\\\\?\\" + folder


# --- Names ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stem", ["CON", "con.xlsx", "Nul .txt", "COM¹", "lpt9", "CONIN$", "conout$.log", "AUX.tar.gz"])
def test_a_device_name_with_any_extension_is_never_a_file_name(stem):
    from cds_batch.core.atomic import safe_stem

    assert safe_stem(stem).startswith("_")


@pytest.mark.parametrize("codes", [
    ["TH01", "th01", "Th01"],                                        # only the case differs
    ["Số1", "So\u0302\u03011", "SO1"],                            # NFC, NFD and no diacritics: one slug
    ["Đ-1", "D-1", "đ 1"],
])
def test_schools_whose_names_differ_only_by_case_or_diacritics_get_distinct_files(codes):
    """Windows and macOS compare file names ignoring case (and macOS its Unicode normalisation): each school
    gets a file of its own, the same whatever the order of the roster."""
    from cds_batch.reports.feedback import feedback_names
    from cds_batch.rubric import load_rubric
    from cds_batch.rubric.roster import SchoolInfo
    from cds_batch.templates.naming import template_names

    names = feedback_names(codes)
    assert len({n.casefold() for n in names.values()}) == len(codes)
    assert feedback_names(list(reversed(codes))) == names
    rubric = load_rubric("qd4725-phothong")
    wanted = [("r", SchoolInfo(code, "Trường " + code)) for code in codes]
    made = template_names({"r": rubric}, wanted, "Đợt 1")
    assert len({n.casefold() for n in made}) == len(codes)
    assert dict(zip(codes, made)) == dict(zip(reversed(codes), template_names({"r": rubric}, wanted[::-1], "Đợt 1")))


@pytest.mark.parametrize("member, name", [
    ("thu/CON.xlsx", "_CON.xlsx"), ("aux.tar.gz", "_aux.tar.gz"), ("NUL .txt", "_NUL .txt"), ("COM¹.xls", "_COM¹.xls"),
    ("CONSOLE.xlsx", "CONSOLE.xlsx"), ("Báo cáo.xlsx", "Báo cáo.xlsx"),
])
def test_a_member_of_an_archive_named_like_a_device_is_saved_under_another_name(member, name):
    """Members are saved into the run's private folder to be read: on Windows under a device's name the
    file could not be made (one rule for every file name the tool makes, `core.windows.device_name`)."""
    from cds_batch.intake.discover import safe_name

    assert safe_name(member) == name
