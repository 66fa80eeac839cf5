"""The archive tests run twice: with libarchive, and as on a PC without it (Windows, a bare Linux),
where .7z is read by py7zr and .rar by the archive programs on PATH (7-Zip, bsdtar)."""
from __future__ import annotations

import pytest

from cds_batch.intake import containers

WITH, WITHOUT = "libarchive", "without libarchive"


def hide_libarchive(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a PC where libarchive's library is missing: `containers.load_libarchive` is the one loader."""
    monkeypatch.setattr(containers, "load_libarchive", lambda: None)


@pytest.fixture(params=[WITH, WITHOUT])
def rar_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == WITHOUT:
        hide_libarchive(monkeypatch)
    else:
        assert containers.load_libarchive() is not None   # the test set-up installs libarchive13
    return str(request.param)
