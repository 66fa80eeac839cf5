"""The page's workspace on disk: one folder per round, laid out so the command line can carry on.

In: the workspace folder (`cds-batch serve --data`). Out: `Round`s read from their settings file,
new round folders, and the paths of everything in a round:

  <data>/<round>/dot.json                 the round's settings (label, office, deadline, rubric, roster, signer)
  <data>/<round>/danh-sach-truong.<ext>   the roster as uploaded
  <data>/<round>/bo-chi-so.<ext>          an uploaded rubric (a built-in one is named by its id)
  <data>/<round>/phieu/                   the templates      (cds-batch template --out)
  <data>/<round>/hop-thu/                 the inbox           (cds-batch run INBOX)
  <data>/<round>/ket-qua/                 the run's outputs   (cds-batch run --out)
  <data>/<round>/tai-ve/                  zips made for downloading
  <data>/_tinh/dau-vao/, _tinh/ket-qua/   the province roll-up's inputs and outputs

A folder without a readable dot.json is not a round (a creation that failed half-way, or anything
else the office keeps there) and is left alone.
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from cds_batch.core.atomic import safe_stem, write_text_atomic
from cds_batch.core.office import signer_title
from cds_batch.core.text import ascii_slug, fold
from cds_batch.web.shells import posix_line, powershell_line

SETTINGS, ROSTER_STEM, RUBRIC_STEM = "dot.json", "danh-sach-truong", "bo-chi-so"
TEMPLATES, INBOX, OUT, DOWNLOADS = "phieu", "hop-thu", "ket-qua", "tai-ve"
PROVINCE, PROVINCE_INPUTS = "_tinh", "dau-vao"   # the province's outputs go to its OUT folder too
SETTINGS_FORMAT = "cds_batch.round/1"
_SLUG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,79}")


@dataclass(frozen=True)
class RoundSettings:
    label: str
    office: str
    deadline: str
    rubric: str            # a built-in id, or the file name of the uploaded rubric in the round folder
    rubric_is_file: bool
    roster: str            # the roster's file name in the round folder
    created: str           # ISO time, to list the newest round first
    signer: str = ""       # the annex's signer title (`office.signer_title`); a round made before has none

    @classmethod
    def from_json(cls, data: object) -> RoundSettings:
        """The settings in a dot.json; ValueError when it is not one."""
        if not isinstance(data, dict) or data.get("format") != SETTINGS_FORMAT:
            raise ValueError("not a round settings file")

        def text(key: str) -> str:
            value = data.get(key)
            if not isinstance(value, str):
                raise ValueError(f"setting {key} is not text")
            return value

        return cls(text("label"), text("office"), text("deadline"), text("rubric"), bool(data.get("rubric_is_file")),
                   text("roster"), text("created"), text("signer") if "signer" in data else "")


@dataclass(frozen=True)
class Round:
    slug: str
    folder: Path
    settings: RoundSettings

    @property
    def roster_path(self) -> Path:
        return self.folder / self.settings.roster

    @property
    def rubric_source(self) -> str:
        """What `--rubric` gets: the built-in id, or the path of the uploaded file."""
        return str(self.folder / self.settings.rubric) if self.settings.rubric_is_file else self.settings.rubric

    @property
    def templates(self) -> Path:
        return self.folder / TEMPLATES

    @property
    def inbox(self) -> Path:
        return self.folder / INBOX

    @property
    def out(self) -> Path:
        return self.folder / OUT

    @property
    def downloads(self) -> Path:
        return self.folder / DOWNLOADS

    def command_lines(self) -> tuple[str, str]:
        """The run as typed in a terminal: for bash/zsh (macOS, Linux), for Windows PowerShell (`shells`:
        why not cmd.exe). Quoted here, not in a template: a label may hold '"', '&', '%' or '$(…)', which
        must stay text. On Windows the program is the Python running this server (`-m cds_batch`): it is
        there whether or not cds-batch was put on the PATH."""
        return (posix_line("cds-batch", self.command()),
                powershell_line(sys.executable or "python", ["-m", "cds_batch", *self.command()]))

    def command(self) -> list[str]:
        """The `cds-batch run` arguments of this round's run, as the page runs it."""
        s = self.settings
        return ["run", str(self.inbox), "--roster", str(self.roster_path), "--rubric", self.rubric_source,
                "--round", s.label, "--office", s.office, "--signer-title", self.signer, "--out", str(self.out)]

    @property
    def signer(self) -> str:
        """The title over the annex's signature: as the round stored it, else the office's default."""
        return signer_title(self.settings.office, self.settings.signer)


class Workspace:
    """The rounds under `root` and the province folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def province(self) -> Path:
        return self.root / PROVINCE

    @property
    def province_inputs(self) -> Path:
        """The districts' results uploaded for the roll-up (`cds-batch province INPUTS`)."""
        return self.province / PROVINCE_INPUTS

    @property
    def province_out(self) -> Path:
        """The roll-up's outputs (`cds-batch province --out`)."""
        return self.province / OUT

    def rounds(self) -> list[Round]:
        """Every round, the newest first."""
        found = []
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()) if self.root.is_dir() else []:
            r = self._load(folder)
            if r is not None:
                found.append(r)
        return sorted(found, key=lambda r: r.settings.created, reverse=True)

    def get(self, slug: str) -> Round | None:
        """The round in folder `slug`, ignoring case, under its folder's real name (so a run started from
        /dot/DOT-1 and one from /dot/Dot-1 are one job on a disk that ignores case); None for a name
        that is not a round (or not a plain folder name)."""
        if not _SLUG.fullmatch(slug) or slug.casefold() == PROVINCE.casefold() or not self.root.is_dir():
            return None
        names = [p.name for p in self.root.iterdir() if p.is_dir()]
        real = slug if slug in names else next((n for n in names if n.casefold() == slug.casefold()), None)
        return None if real is None else self._load(self.root / real)

    def with_label(self, label: str) -> Round | None:
        """The round with this label, compared without accents and case."""
        return next((r for r in self.rounds() if fold(r.settings.label) == fold(label)), None)

    def reserve(self, label: str) -> Path:
        """A new, empty round folder named after `label` ('Đợt 1 năm 2025' → Dot-1-nam-2025, then -2, -3…
        when taken, ignoring case as Windows does)."""
        self.root.mkdir(parents=True, exist_ok=True)
        base = safe_stem(ascii_slug(label, "-")[:60] or "dot", 60)
        taken = {p.name.casefold() for p in self.root.iterdir()}
        name, n = base, 1
        while name.casefold() in taken or name == PROVINCE:
            n += 1
            name = f"{base}-{n}"
        folder = self.root / name
        folder.mkdir()
        return folder

    def save(self, folder: Path, settings: RoundSettings) -> Round:
        """Write the settings (last, so a round exists only once everything in it was made)."""
        write_text_atomic(folder / SETTINGS, json.dumps({"format": SETTINGS_FORMAT, **asdict(settings)},
                                                        ensure_ascii=False, indent=1) + "\n")
        return Round(folder.name, folder, settings)

    def _load(self, folder: Path) -> Round | None:
        try:
            settings = RoundSettings.from_json(json.loads((folder / SETTINGS).read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None
        return Round(folder.name, folder, settings)
