"""Take the user guide's screenshots from the real web page, and record which page files they show.

Usage: python scripts/take_screenshots.py     (one command; about a minute)

Starts `cds-batch serve`'s server in this process on 127.0.0.1 (a free port, a throwaway workspace),
drives it in Debian's headless Chromium with Playwright through the commune sample's round
(samples/xa-hai-thinh: home page, the round form filled, the inbox uploaded, the run in progress, the
result, the province page with the round's result), and writes docs/img/*.png at 1280×800 plus
docs/img/manifest.json: a hash of the web page's templates and static files at the time of capture.
tests/test_guide.py fails when those files change without the screenshots being taken again.

Determinism: the same browser, viewport, locale, data and clicks each time. The run is held at a fixed
step while the progress page is shot, so the progress picture does not depend on the machine's speed.
Two things are set for the guide rather than read: the workspace path the home page prints is shown as
a Windows office sees it (C:\\Users\\VanPhong\\cds-batch), and times (created, written) are the
machine's own at capture.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "samples" / "xa-hai-thinh"
PROVINCE = ROOT / "samples" / "tinh-lam-hong"
# The province sample's units (folder, office), each run on the command line as the units do before the Sở
# rolls their results up on the page.
UNITS = (("xa-dong-lam", "UBND xã Đông Lâm"), ("xa-tan-hoa", "UBND xã Tân Hòa"),
         ("phuong-nam-giang", "UBND phường Nam Giang"), ("xa-yen-thuong", "UBND xã Yên Thượng"),
         ("so-gddt", "Sở GDĐT Lam Hồng"))
IMG = ROOT / "docs" / "img"
MANIFEST = IMG / "manifest.json"
WEB = ROOT / "cds_batch" / "web"
PAGE_FILES = ("templates", "static")          # what the screenshots show, hashed into the manifest
CHROMIUM = ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--font-render-hinting=none", "--hide-scrollbars"]
VIEWPORT = {"width": 1280, "height": 800}
ROUND = "Năm học 2026-2027"
OFFICE = "UBND xã Hải Thịnh"
DEADLINE = "30/10/2026"
SIGNER = "CHỦ TỊCH"
WINDOWS_DATA = r"C:\Users\VanPhong\cds-batch"   # how the home page's workspace line reads on an office PC
HELD_AT = 4                                     # workbooks read when the run is held for the progress shot

# The pictures, in the order the guide shows them; the test checks each exists.
SHOTS = ("01-trang-chu.png", "02-tao-dot.png", "03-trang-dot.png", "04-tai-len.png", "05-tien-do.png",
         "06-ket-qua.png", "07-ket-qua-loi.png", "08-tinh.png", "09-tinh-xep-hang.png")


def page_files_hash(web: Path = WEB) -> str:
    """SHA-256 over the web page's templates and static files (names and bytes, in name order)."""
    digest = hashlib.sha256()
    for folder in PAGE_FILES:
        for path in sorted((web / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(web).as_posix().encode("utf-8") + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def chromium() -> str:
    found = next((exe for exe in CHROMIUM if Path(exe).is_file()), None)
    if found is None:
        sys.exit("Chromium is not installed (" + " or ".join(CHROMIUM) + "): "
                 "apt-get install chromium-headless-shell, or run scripts/test.sh as root.")
    return found


def run_units(folder: Path) -> list[Path]:
    """Each unit of the province sample run with `cds-batch run` (exit 1 = schools to fix, as planned)."""
    outs = []
    for name, office in UNITS:
        out = folder / f"ket-qua-{name}"
        unit = PROVINCE / name
        done = subprocess.run([sys.executable, "-m", "cds_batch", "run", str(unit / "hop-thu"), "--roster",
                               str(unit / "danh-sach-truong.csv"), "--round", ROUND, "--office", office,
                               "--jobs", "1", "--out", str(out)], cwd=ROOT, capture_output=True)
        if done.returncode not in (0, 1):
            sys.exit(f"cds-batch run of {name} failed ({done.returncode}): "
                     + done.stderr.decode("utf-8", "replace"))
        outs.append(out)
    return outs


def scroll_to(page: Any, selector: str, margin: int = 16) -> None:
    page.evaluate("([s, m]) => { const e = document.querySelector(s);"
                  " window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - m); }", [selector, margin])


class Gate:
    """Holds a round's run after `HELD_AT` workbooks until the progress page has been shot."""

    def __init__(self) -> None:
        self.held = threading.Event()
        self.release = threading.Event()

    def install(self) -> None:
        """Wrap the web page's job start so each run's progress passes through the gate."""
        from cds_batch.pipeline.district_run import Progress
        from cds_batch.web.jobs import Jobs

        original = Jobs.start
        gate = self

        def start(jobs: Jobs, key: str, work: Callable[[Progress], str]) -> Any:
            def gated(progress: Progress) -> str:
                count = [0]

                def step(item: object) -> None:
                    if progress.step is not None:
                        progress.step(item)   # type: ignore[arg-type]
                    count[0] += 1
                    if count[0] == HELD_AT and not gate.release.is_set():
                        gate.held.set()
                        gate.release.wait(120)
                return work(Progress(progress.start, step))
            return original(jobs, key, gated)

        Jobs.start = start   # type: ignore[method-assign]


def capture(out: Path) -> list[Path]:
    """Drive a round through the page and save the screenshots into `out`; their paths."""
    from playwright.sync_api import sync_playwright

    from cds_batch.web.server import make_server

    gate = Gate()
    gate.install()
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    work = Path(tempfile.mkdtemp(prefix="cds-anh-"))
    units = run_units(work / "don-vi")
    served = make_server(work / "cds-batch", host="127.0.0.1", port=0, jobs=1)
    thread = threading.Thread(target=served.run, name="cds-serve", daemon=True)
    thread.start()
    base = served.url.split("/?")[0]
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium(), args=ARGS)
            context = browser.new_context(viewport=VIEWPORT, locale="vi-VN", device_scale_factor=1,
                                          timezone_id="Asia/Ho_Chi_Minh", reduced_motion="reduce")
            context.set_default_timeout(30_000)   # a step of the page; the run has its own wait
            page = context.new_page()

            def shot(name: str) -> None:
                assert name in SHOTS, name
                page.mouse.move(VIEWPORT["width"] - 1, VIEWPORT["height"] - 1)   # no hover on what was clicked
                page.evaluate("() => { if (document.activeElement) document.activeElement.blur();"
                              " return document.fonts.ready; }")
                path = out / name
                page.screenshot(path=str(path), animations="disabled", caret="hide")
                saved.append(path)
                print(f"taken: {name}", flush=True)   # the last one printed tells where a failure was

            # 1. Home: the office opens the address the window printed.
            page.goto(served.url)
            page.wait_for_url(base + "/")
            page.evaluate("(path) => { const c = document.querySelector('.thu-muc code');"
                          " if (c) c.textContent = path; }", WINDOWS_DATA)
            shot("01-trang-chu.png")

            # 2. The round form, filled.
            page.fill("input[name=label]", ROUND)
            page.fill("input[name=office]", OFFICE)
            page.fill("input[name=deadline]", DEADLINE)
            page.fill("input[name=signer]", SIGNER)
            page.check("input[name=rubric][value=qd4725-phothong]")
            page.set_input_files("input[name=roster]", str(SAMPLE / "danh-sach-truong.csv"))
            shot("02-tao-dot.png")
            page.click("text=Tạo đợt và các phiếu")
            page.wait_for_selector("#hop-thu")
            round_url = page.url
            shot("03-trang-dot.png")

            # 3. The inbox, as a whole folder.
            page.set_input_files("input[name=folder]", str(SAMPLE / "hop-thu"))
            page.click("#hop-thu button[type=submit]")
            page.wait_for_selector("text=Đã nhận")
            page.wait_for_selector("#chay:not([disabled])")
            shot("04-tai-len.png")

            # 4. The run, held while its progress is shown.
            page.click("#chay")
            page.wait_for_url(round_url + "/ket-qua")
            if not gate.held.wait(120):
                sys.exit("the run did not reach the progress step: is the sample inbox there?")
            page.reload()
            page.wait_for_selector("#tien-do")
            shot("05-tien-do.png")
            gate.release.set()
            page.wait_for_selector("#bang-truong", timeout=300_000)

            # 5. The result: counts, downloads and the table; then the findings of a school to fix.
            page.evaluate("() => window.scrollTo(0, 0)")
            shot("06-ket-qua.png")
            scroll_to(page, "#chua-nop")
            shot("07-ket-qua-loi.png")

            # 6. The province page: the Sở uploads the result folders its units sent, and rolls them up.
            page.goto(base + "/tinh")
            for unit in units:
                page.set_input_files("#dau-vao input[name=folder]", str(unit))
                page.click("#dau-vao button[type=submit]")
                page.wait_for_selector("text=Đã nhận")
            page.fill("input[name=title]", f"Sở GDĐT Lam Hồng — {ROUND}")
            page.click("#chay-tinh-nut")
            page.wait_for_selector("#bang-don-vi")
            shot("08-tinh.png")
            scroll_to(page, "#ket-qua")
            shot("09-tinh-xep-hang.png")
            context.close()
            browser.close()
    finally:
        gate.release.set()
        served.close()
        shutil.rmtree(work, ignore_errors=True)
    return saved


def write_manifest(shots: list[Path], path: Path = MANIFEST) -> None:
    manifest = {
        "note": "Screenshots of the web page for docs/huong-dan-su-dung.md; "
                "re-take them with: python scripts/take_screenshots.py",
        "page_files_sha256": page_files_hash(),
        "viewport": f"{VIEWPORT['width']}x{VIEWPORT['height']}",
        "sample": SAMPLE.relative_to(ROOT).as_posix(),
        "images": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(shots)},
    }
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    """Take every screenshot into a scratch folder; only when all are taken, replace docs/img/ and its manifest
    (a failure half-way leaves the guide's pictures and manifest as they were)."""
    with tempfile.TemporaryDirectory(prefix="cds-anh-moi-") as scratch:
        shots = capture(Path(scratch))
        missing = sorted(set(SHOTS) - {p.name for p in shots})
        if missing:
            sys.exit("not taken: " + ", ".join(missing))
        IMG.mkdir(parents=True, exist_ok=True)
        for old in IMG.glob("*.png"):
            if old.name not in SHOTS:
                old.unlink()
        placed = [Path(shutil.copyfile(p, IMG / p.name)) for p in shots]
    write_manifest(placed)
    for p in placed:
        print(f"{p.relative_to(ROOT)}  {p.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
