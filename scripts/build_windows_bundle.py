"""Build the Windows bundle: one zip under dist/ that installs cds_batch on a Windows 10/11 x64 PC
for one user, without admin rights and without internet (README, "The Windows bundle").

    python scripts/build_windows_bundle.py [--out DIR]

Run it from a clone with any Python >= 3.10 that has pip; it needs PyPI. The zip holds:
- wheels/: the project's wheel and every runtime dependency (read from the wheel, so from setup.cfg)
  as win_amd64 or pure-Python wheels for each of PYTHONS;
- CAI-DAT.bat, GO-CAI-DAT.bat, MO-CDS-BATCH.bat and "ĐỌC TRƯỚC.txt" from packaging/windows/,
  written with CRLF line endings (the text also with a BOM, so Notepad shows its diacritics);
- huong-dan/: docs/huong-dan-su-dung.md rendered to HTML with the images it shows, when it exists.

Before writing the zip the build checks the launchers (scripts/windows_batch_lint.py) and, for each
Python version, that pip resolves cds_batch from wheels/ alone on win_amd64 with no source build.
pip evaluates environment markers for the machine it runs on, not the target, so the build also
follows each resolved wheel's requirements under Windows' markers and adds what Windows needs.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from render_guide import HTML_NAME, render_guide  # noqa: E402  (sibling scripts, not a package)
from windows_batch_lint import lint_batch  # noqa: E402

PYTHONS = ("3.11", "3.12", "3.13")     # what an office installs from python.org; CAI-DAT.bat looks for these
PLATFORM = "win_amd64"
PROJECT = "cds_batch"
LAUNCHERS = ROOT / "packaging" / "windows"
GUIDE = ROOT / "docs" / "huong-dan-su-dung.md"
# Build-time only (never installed on the office PC): markdown (BSD) renders the guide; packaging
# (Apache/BSD) evaluates requirement markers as Windows would. Kept out of the build's own Python.
TOOLS = ROOT / ".cache" / "windows-bundle-tools"
TOOL_REQUIREMENTS = ("markdown>=3.5", "packaging>=23")
# The files of the bundle beside wheels/, as the office sees them, and their source in packaging/windows/.
SHIPPED = {
    "CAI-DAT.bat": "CAI-DAT.bat",
    "GO-CAI-DAT.bat": "GO-CAI-DAT.bat",
    "MO-CDS-BATCH.bat": "MO-CDS-BATCH.bat",
    "ĐỌC TRƯỚC.txt": "doc-truoc.txt",
}
WHEELS = "wheels"
GUIDE_DIR = "huong-dan"
GUIDE_PAGE = HTML_NAME
GUIDE_LINE = "[guide]"                  # lines of ĐỌC TRƯỚC kept only when the guide is in the bundle
# The files the project's wheel is built from (copied, so a stale build/ folder never leaks in).
WHEEL_SOURCES = ("setup.cfg", "pyproject.toml", "README.md", "LICENSE", PROJECT)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)        # fixed, so two builds of the same inputs give the same zip


class BuildError(Exception):
    """What stops the build, said so the person building can fix it."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="folder for the zip (default: dist/)")
    arguments = parser.parse_args()
    started = time.monotonic()
    try:
        bundle, resolved = build(arguments.out)
    except BuildError as error:
        sys.exit(f"build_windows_bundle: {error}")
    print(f"{bundle} ({bundle.stat().st_size / 1e6:.1f} MB) built in {time.monotonic() - started:.0f} s")
    for version, packages in resolved.items():
        print(f"Python {version}: " + ", ".join(f"{name} {packages[name]}" for name in sorted(packages)))


def build(out: Path) -> tuple[Path, dict[str, dict[str, str]]]:
    """Write the zip into `out`; return it and, per Python version, the packages pip resolved."""
    sys.path.insert(0, str(install_tools()))
    version = project_version()
    with tempfile.TemporaryDirectory(prefix="cds-batch-windows-") as temporary:
        stage = Path(temporary)
        wheels = stage / WHEELS
        wheels.mkdir()
        project_wheel = build_project_wheel(wheels, stage / "source")
        resolved = {python: download(project_wheel, wheels, python) for python in PYTHONS}
        files: dict[str, bytes | Path] = {f"{WHEELS}/{wheel.name}": wheel for wheel in sorted(wheels.glob("*.whl"))}
        guide = stage / GUIDE_DIR
        if GUIDE.exists():
            files.update({f"{GUIDE_DIR}/{path.relative_to(guide).as_posix()}": path
                          for path in guide_files(GUIDE, guide)})
        files.update(launchers(with_guide=GUIDE.exists()))
        out.mkdir(parents=True, exist_ok=True)
        bundle = out / f"{PROJECT}-{version}-windows-x64.zip"
        write_zip(bundle, f"{PROJECT}-{version}-windows", files)
    return bundle, resolved


def install_tools() -> Path:
    """The folder of the build-time libraries, installed there the first time."""
    if not (TOOLS / "markdown").is_dir() or not (TOOLS / "packaging").is_dir():
        pip("install", "--quiet", "--disable-pip-version-check", "--upgrade", "--target", str(TOOLS),
            *TOOL_REQUIREMENTS)
    return TOOLS


def project_version() -> str:
    text = (ROOT / PROJECT / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if not match:
        raise BuildError(f"no __version__ in {PROJECT}/__init__.py")
    return match.group(1)


def build_project_wheel(wheels: Path, source: Path) -> Path:
    """The project's own wheel (pip wheel --no-deps), built from a copy of the files it needs."""
    source.mkdir()
    for name in WHEEL_SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    pip("wheel", "--quiet", "--disable-pip-version-check", "--no-deps", "--wheel-dir", str(wheels), str(source),
        environment={"SOURCE_DATE_EPOCH": "315532800"})
    built = list(wheels.glob(f"{PROJECT}-*.whl"))
    if len(built) != 1:
        raise BuildError(f"pip wheel made {len(built)} wheels of {PROJECT}, expected one")
    return built[0]


def download(project_wheel: Path, wheels: Path, python: str) -> dict[str, str]:
    """Fill `wheels` with what `python` on win_amd64 needs, binary only; return what pip resolves."""
    extra: list[str] = []
    for _ in range(5):   # each round adds what Windows' markers need and the previous round missed
        pip("download", "--quiet", "--disable-pip-version-check", *target(python), "--dest", str(wheels),
            str(project_wheel), *extra)
        report = resolve(wheels, python, extra)
        missing = sorted(windows_needs(report, python) - set(report) - set(extra))
        if not missing:
            return {name: entry["version"] for name, entry in report.items()}
        extra += missing
    raise BuildError(f"Python {python}: the requirements on Windows keep growing: {', '.join(extra)}")


def target(python: str) -> list[str]:
    return ["--only-binary=:all:", "--platform", PLATFORM, "--python-version", python, "--implementation", "cp"]


def resolve(wheels: Path, python: str, extra: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
    """pip install --dry-run from `wheels` alone for `python` on win_amd64, as the office PC would
    install (no index, no configuration); each resolved package's name -> its report metadata."""
    with tempfile.TemporaryDirectory(prefix="cds-batch-dry-run-") as temporary:
        report = Path(temporary) / "report.json"
        try:
            pip("install", "--dry-run", "--ignore-installed", "--quiet", "--disable-pip-version-check",
                *target(python), "--no-index", "--find-links", str(wheels), "--target", str(Path(temporary) / "t"),
                "--report", str(report), PROJECT, *extra, isolated=True)
        except BuildError as error:
            raise BuildError(f"Python {python} on {PLATFORM} does not resolve from {wheels}: {error}") from None
        installs = json.loads(report.read_text(encoding="utf-8"))["install"]
    return {canonical(item["metadata"]["name"]): item["metadata"] for item in installs}


def windows_needs(report: dict[str, dict[str, Any]], python: str) -> set[str]:
    """Every package the resolved set needs when its markers are read as Windows on `python` reads them."""
    from packaging.requirements import Requirement

    environment = {"implementation_name": "cpython", "os_name": "nt", "platform_machine": "AMD64",
                   "platform_python_implementation": "CPython", "platform_system": "Windows",
                   "python_version": python, "python_full_version": f"{python}.0", "sys_platform": "win32"}
    needed: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(canonical(PROJECT), frozenset[str]())]
    while todo:
        name, extras = todo.pop()
        needed.add(name)
        if (name, extras) in seen or name not in report:
            continue
        seen.add((name, extras))
        for line in report[name].get("requires_dist", []):
            requirement = Requirement(line)
            marker = requirement.marker
            if marker is None or any(marker.evaluate({**environment, "extra": extra}) for extra in extras | {""}):
                todo.append((canonical(requirement.name), frozenset(requirement.extras)))
    return needed


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def launchers(with_guide: bool) -> dict[str, bytes | Path]:
    """The launchers and ĐỌC TRƯỚC as shipped: CRLF, the text with a BOM; the build stops on a broken .bat."""
    shipped: dict[str, bytes | Path] = {}
    for name, source in SHIPPED.items():
        text = (LAUNCHERS / source).read_text(encoding="utf-8").replace("\r\n", "\n")
        if name.endswith(".txt"):
            text = "".join(line.removeprefix(GUIDE_LINE) for line in text.splitlines(keepends=True)
                           if with_guide or not line.startswith(GUIDE_LINE))
        data = text.replace("\n", "\r\n").encode("utf-8")
        if name.endswith(".bat"):
            problems = lint_batch(data)
            if problems:
                raise BuildError(f"{source}: " + "; ".join(problems))
        else:
            data = b"\xef\xbb\xbf" + data
        shipped[name] = data
    return shipped


def guide_files(source: Path, dest: Path) -> list[Path]:
    """The guide as one HTML page in `dest` with its images (scripts/render_guide.py); a missing image stops
    the build."""
    try:
        return render_guide(source, dest)
    except ValueError as missing:
        raise BuildError(str(missing)) from None


def write_zip(bundle: Path, top: str, files: dict[str, bytes | Path]) -> None:
    """One folder `top` holding `files`, in name order with fixed times; written beside, then moved in place."""
    partial = bundle.with_name(bundle.name + ".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for name in sorted(files):
            content = files[name]
            data = content.read_bytes() if isinstance(content, Path) else content
            info = zipfile.ZipInfo(f"{top}/{name}", date_time=ZIP_TIME)
            info.external_attr = 0o644 << 16
            # wheels and images are compressed already; the texts shrink
            info.compress_type = zipfile.ZIP_STORED if name.endswith((".whl", ".png", ".jpg")) else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    os.replace(partial, bundle)


def pip(*arguments: str, isolated: bool = False, environment: dict[str, str] | None = None) -> None:
    """Run pip with the Python running this script. `isolated` drops this machine's pip settings
    (configuration files and PIP_* variables), as on an office PC."""
    env = dict(os.environ, **(environment or {}))
    if isolated:
        env = {key: value for key, value in env.items() if not key.upper().startswith("PIP_")}
        env["PIP_CONFIG_FILE"] = os.devnull
    done = subprocess.run([sys.executable, "-m", "pip", *arguments], env=env, capture_output=True, text=True)
    if done.returncode:
        raise BuildError(f"pip {arguments[0]} failed:\n{done.stdout}{done.stderr}")


if __name__ == "__main__":
    main()
