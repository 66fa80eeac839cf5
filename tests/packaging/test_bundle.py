"""The Windows bundle built by its one command (needs PyPI, as CI has), from a copy of the working
tree: one zip with one folder, the launchers as checked, ĐỌC TRƯỚC, the rendered guide with its
images, and wheels from which each Python version resolves cds_batch on win_amd64 alone."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.packaging.scripts import build

ROOT = Path(__file__).resolve().parents[2]
# What the build reads; everything else of the tree is left out, as a clean clone would not need it.
TREE = ("setup.cfg", "pyproject.toml", "README.md", "LICENSE", "cds_batch", "scripts", "packaging", "docs")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Build once for the module: (the zip, the script's output, the guide's Markdown)."""
    tree = tmp_path_factory.mktemp("clone")
    for name in TREE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, tree / name)
    guide = tree / "docs" / "huong-dan-su-dung.md"   # the real guide, with its screenshots
    (ROOT / ".cache").mkdir(exist_ok=True)
    (tree / ".cache").symlink_to(ROOT / ".cache")    # the build-time tools, installed once
    out = tree / "dist"
    done = subprocess.run([sys.executable, "scripts/build_windows_bundle.py"], cwd=tree,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    zips = list(out.iterdir())
    assert len(zips) == 1, zips
    return zips[0], done.stdout, guide.read_text(encoding="utf-8")


def test_two_builds_of_the_same_tree_give_the_same_zip(built):
    bundle, _, _ = built
    again = bundle.parent.parent / "dist-again"
    done = subprocess.run([sys.executable, "scripts/build_windows_bundle.py", "--out", str(again)],
                          cwd=bundle.parent.parent, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (again / bundle.name).read_bytes() == bundle.read_bytes()


@pytest.fixture(scope="module")
def contents(built):
    """The zip's files by their path inside its one folder."""
    bundle, _, _ = built
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        tops = {name.split("/")[0] for name in names}
        assert tops == {bundle.name.removesuffix("-x64.zip")}, tops
        return {name.split("/", 1)[1]: archive.read(name) for name in names}


def test_one_command_writes_one_zip_named_for_windows_x64(built):
    bundle, output, _ = built
    assert re.fullmatch(r"cds_batch-[0-9][^-]*-windows-x64\.zip", bundle.name)
    assert bundle.parent.name == "dist"
    for version in build.PYTHONS:
        assert f"Python {version}: " in output


def test_the_zip_holds_the_launchers_as_checked_and_read_first(contents):
    shipped = build.launchers(with_guide=True)
    for name, data in shipped.items():
        assert contents[name] == data, name
    assert contents["ĐỌC TRƯỚC.txt"].startswith(b"\xef\xbb\xbf")


def test_the_wheels_are_windows_x64_or_pure_python_for_every_version(contents):
    wheels = [name.split("/", 1)[1] for name in contents if name.startswith(f"{build.WHEELS}/")]
    assert wheels and all(name.endswith(".whl") for name in wheels), wheels   # no source archive
    tags = {name.removesuffix(".whl").split("-", 2)[2] for name in wheels}
    assert all(tag.endswith(("-none-any", "-win_amd64")) for tag in tags), tags
    assert any(name.startswith("cds_batch-") and name.endswith("-py3-none-any.whl") for name in wheels)
    for version in build.PYTHONS:   # every compiled dependency has a wheel for each version
        cp = "cp" + version.replace(".", "")
        assert any(f"-{cp}-{cp}-win_amd64" in name for name in wheels), version


@pytest.mark.parametrize("version", build.PYTHONS)
def test_each_python_resolves_cds_batch_from_the_wheels_alone(contents, tmp_path, version):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for name, data in contents.items():
        if name.startswith(f"{build.WHEELS}/"):
            (tmp_path / name).write_bytes(data)
    report = build.resolve(wheels, version)   # pip install --dry-run --no-index, no pip configuration
    assert "cds-batch" in report
    assert build.windows_needs(report, version) <= set(report)   # markers read as Windows reads them


def test_the_guide_is_rendered_with_the_images_it_shows(built, contents):
    _, _, markdown = built
    page = contents[f"{build.GUIDE_DIR}/{build.GUIDE_PAGE}"].decode("utf-8")
    assert '<html lang="vi">' in page and '<meta charset="utf-8">' in page
    shown = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", markdown)
    assert shown
    for image in shown:
        assert f'src="{image}"' in page
        assert f"{build.GUIDE_DIR}/{image}" in contents, image
    # the guide's links to its own headings (GitHub's anchors) work in the bundle too
    anchors = set(re.findall(r' id="([^"]+)"', page))
    links = {unquote(link) for link in re.findall(r'href="#([^"]+)"', page)}
    assert links and links <= anchors, links - anchors


@pytest.mark.parametrize("reference", ["img/khong-co.png", "../README.md"])
def test_a_guide_showing_an_image_it_does_not_have_stops_the_build(tmp_path, monkeypatch, reference):
    monkeypatch.syspath_prepend(str(build.install_tools()))
    docs = tmp_path / "docs"
    docs.mkdir()
    (tmp_path / "README.md").write_text("x", encoding="utf-8")
    guide = docs / "huong-dan-su-dung.md"
    guide.write_text(f"# Hướng dẫn\n\n![ảnh]({reference})\n", encoding="utf-8")
    with pytest.raises(build.BuildError, match=re.escape(reference)):
        build.guide_files(guide, tmp_path / "out")
