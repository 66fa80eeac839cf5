"""The Vietnamese user guide (docs/huong-dan-su-dung.md): its finding table kept current, and its HTML.

Usage:
  python scripts/render_guide.py           rewrite the guide's finding table from cds_batch/core/findings.py
                                           (tests/test_guide.py fails while it is stale)
  python scripts/render_guide.py OUT_DIR   also write OUT_DIR/huong-dan-su-dung.html with its images in OUT_DIR/img/

The Windows bundle imports `render_guide(md_path, out_dir)`. Rendering needs the `markdown` package
(BSD; pure Python).
"""
from __future__ import annotations

import html
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from cds_batch.core.findings import Code  # noqa: E402  (after the path is set, when run as a script)

GUIDE = ROOT / "docs" / "huong-dan-su-dung.md"
HTML_NAME = "huong-dan-su-dung.html"
START = "<!-- bảng mã: bắt đầu (python scripts/render_guide.py viết lại phần này) -->\n"
END = "<!-- bảng mã: kết thúc -->\n"
HEAD = "| Mã | Mức độ | Nội dung thông báo |\n| --- | --- | --- |\n"

# The code families in the order an office meets them, each with its topic and who acts: said once per
# family. Every code belongs to the first family whose prefix it starts with.
WHO = (
    ("E2", "Câu trả lời trong phiếu", "Trường sửa ô được chỉ (trang!ô) trong phiếu của mình rồi gửi lại."),
    ("E3", "Minh chứng", "Trường bổ sung hoặc sửa dòng ở trang Danh mục minh chứng rồi gửi lại."),
    ("E4", "Phiếu của trường nào", "Trường ghi đúng mã trường theo danh sách của đơn vị rồi gửi lại; nếu danh "
                                   "sách thiếu trường, đơn vị bổ sung danh sách."),
    ("E1", "Đọc phiếu của trường", "Thường do phiếu không đúng mẫu hoặc đã bị chép sang tệp khác: đơn vị "
                                   "kiểm tra kết quả đọc được; khi cần, gửi lại cho trường phiếu mẫu của "
                                   "đợt để trường điền thẳng vào đó."),
    ("L1", "Tệp nhận được: tệp nén, thư, giới hạn an toàn",
     "Đơn vị xin trường gửi lại phiếu (tệp .xlsx, hoặc nén .zip không mật khẩu)."),
    ("L2", "Tệp nhận được: loại tệp", "Đơn vị xin trường gửi lại đúng phiếu Excel (.xlsx), không đặt mật khẩu."),
    ("L3", "Chọn tệp nào của trường", "Công cụ dùng tệp gửi sau cùng của trường (trừ khi tệp đó còn lỗi mà "
                                      "tệp trước hợp lệ); thường không cần làm gì."),
    ("T", "Danh sách trường", "Đơn vị sửa danh sách trường (dòng, cột được chỉ) rồi làm lại."),
    ("V", "Bảng đánh giá ngoài", "Tổ đánh giá sửa ô được chỉ trong danh-gia-ngoai.xlsx, rồi đơn vị chạy lại "
                                 "với `--review`."),
    ("P", "Tổng hợp cấp tỉnh", "Sở GDĐT xem tệp được chỉ; khi cần, xin đơn vị gửi lại thư mục kết quả "
                               "hoặc tệp tong-hop.xlsx."),
    ("R", "Tệp bộ chỉ số của đơn vị", "Người chuẩn bị bộ chỉ số sửa tệp .xlsx/.yaml ở chỗ được chỉ, rồi "
                                      "chạy lại `cds-batch rubric check`."),
    ("", "Thông báo khác", "Làm như thông báo hướng dẫn."),   # a family added to the catalogue later
)
SEVERITY_HELP = {"Lỗi": "phải sửa", "Cảnh báo": "nên xem lại", "Thông tin": "không cần sửa"}


def family(code: Code) -> tuple[str, str, str]:
    """The (prefix, topic, who acts) of `code`'s family."""
    return next(w for w in WHO if code.name.startswith(w[0]))


def readable(template: str) -> str:
    """A catalogue template as the guide shows it: each {field} the tool fills in becomes '…'."""
    return re.sub(r"\{[a-z_]+\}", "…", template).replace("….", "…").replace("|", "&#124;")


def finding_table() -> str:
    """The guide's tables of every finding code: one per family, under its topic and who acts."""
    parts = []
    for n, (prefix, topic, who) in enumerate(WHO, start=1):
        codes = [c for c in Code if family(c)[0] == prefix]
        if not codes:
            continue
        rows = "".join(f"| {c.name} | {c.severity.value} ({SEVERITY_HELP[c.severity.value]}) | "
                       f"{readable(c.template)} |\n" for c in codes)
        parts.append(f"### 12.{n}. {topic} ({codes[0].name}–{codes[-1].name})\n\n**Ai làm gì:** {who}\n\n"
                     + HEAD + rows)
    return "\n".join(parts)


def refresh(guide: Path = GUIDE) -> bool:
    """Rewrite the table between the markers in `guide`; whether it changed."""
    text = guide.read_text(encoding="utf-8")
    start = text.index(START) + len(START)
    end = text.index(END, start)
    new = text[:start] + "\n" + finding_table() + "\n" + text[end:]
    if new != text:
        guide.write_text(new, encoding="utf-8")
    return new != text


PAGE = """<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font: 16px/1.55 "Segoe UI", Arial, sans-serif; color: #1d2330; max-width: 62rem; margin: 0 auto;
  padding: 1.5rem; }}
h1, h2, h3 {{ line-height: 1.25; }}
h2 {{ border-bottom: 1px solid #d5dae3; padding-bottom: .25rem; margin-top: 2.2rem; }}
code, pre {{ font-family: Consolas, "Courier New", monospace; background: #f2f4f8; }}
code {{ padding: 0 .2rem; }} pre {{ padding: .75rem; overflow-x: auto; white-space: pre-wrap; }}
table {{ border-collapse: collapse; margin: 1rem 0; }} th, td {{ border: 1px solid #d5dae3; padding: .3rem .5rem;
  vertical-align: top; text-align: left; }} th {{ background: #eef1f6; }}
img {{ max-width: 100%; border: 1px solid #d5dae3; }}
@media print {{ body {{ max-width: none; font-size: 11pt; }} pre {{ white-space: pre-wrap; }} }}
</style>
</head>
<body>
{body}
</body>
</html>
"""


def render_guide(md_path: Path, out_dir: Path) -> list[Path]:
    """Write `out_dir`/huong-dan-su-dung.html from the guide at `md_path`, copying the images it shows
    (relative paths, e.g. img/01-trang-chu.png) beside it; the files written, the page first. The page is
    one self-contained file apart from its images: no script, no font or style from the internet.
    ValueError, naming the image, when the guide shows one it does not have or one outside its folder."""
    import markdown
    from markdown.extensions.toc import slugify_unicode

    md_path, out_dir = Path(md_path), Path(out_dir)
    text = md_path.read_text(encoding="utf-8")
    # Headings' ids as GitHub makes them (Vietnamese letters kept), so the guide's links work in both.
    body = markdown.markdown(text, extensions=["tables", "fenced_code", "toc"], output_format="html",
                             extension_configs={"toc": {"slugify": slugify_unicode}})
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "Hướng dẫn sử dụng")
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / HTML_NAME
    written = [page]
    for image in images(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:|^/|^#", image, re.IGNORECASE):
            continue   # a web address or an absolute path: not ours to copy
        relative = Path(unquote(image))
        source = md_path.parent / relative
        if ".." in relative.parts or not source.is_file():
            raise ValueError(f"{md_path.name} shows {image}, which is not a file under {md_path.parent}")
        target = out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(target)
    page.write_text(PAGE.format(title=html.escape(title), body=body), encoding="utf-8")
    return written


def images(text: str) -> list[str]:
    """The relative paths of the images the Markdown `text` shows, in order, each once."""
    return list(dict.fromkeys(re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text)))


def main(argv: list[str]) -> None:
    if refresh():
        print(f"{GUIDE.relative_to(ROOT)}: bảng mã đã được cập nhật")
    if argv:
        print(render_guide(GUIDE, Path(argv[0]))[0])


if __name__ == "__main__":
    main(sys.argv[1:])
