"""CLI, click in Vietnamese: click's own texts (help screens, usage errors, prompts) translated.

click marks every text it shows with `gettext` (`from gettext import gettext as _`, `ngettext`), read
through gettext's global domain, which picks its language from LANGUAGE/LC_ALL/LANG: an office PC under
LANG=C or an English Windows would get English back, and forcing it would mean setting LANGUAGE for the
process and every program it starts (LibreOffice) or a catalogue in gettext's shared default domain.
`install()` therefore hands click's modules a translation of their own (`ClickVietnamese`, a
`gettext.NullTranslations` over this catalogue) in place of the module-level `_` and `ngettext` they
imported, whatever the environment says.

The catalogue holds every message id of click 8.1 to 8.5 (where an id changed between versions, both);
tests/cli/test_click_vietnamese.py extracts the ids from the installed click's source and fails on one
missing here. A translation may leave out a placeholder of its id (`{name}` of a path, English
"file"/"directory") but never add one.
In: nothing (the catalogue). Out: click's modules speaking Vietnamese; the metavars of our commands.
"""
from __future__ import annotations

import gettext
import importlib
import pkgutil
import sys
from types import ModuleType

import click

# What click shows in a usage line where a command takes options or a subcommand ("[OPTIONS]", "COMMAND
# [ARGS]..."): not gettext texts in click but arguments of every command (`commands` passes them).
OPTIONS_METAVAR = "[TÙY_CHỌN]"
SUBCOMMAND_METAVAR = "LỆNH [THAM_SỐ]..."

MESSAGES: dict[str, str] = {
    # Help screens.
    "Usage:": "Cách dùng:",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Positional arguments": "Tham số",
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    "Show the version and exit.": "Hiện phiên bản rồi thoát.",
    "%(prog)s, version %(version)s": "%(prog)s, phiên bản %(version)s",
    "required": "bắt buộc",
    "default: {default}": "mặc định: {default}",
    "env var: {var}": "biến môi trường: {var}",
    "(dynamic)": "(xác định khi chạy)",
    "deprecated": "không còn dùng",
    "(Deprecated) {text}": "(Không còn dùng) {text}",
    "{text} {deprecated_message}": "{text} {deprecated_message}",
    "DeprecationWarning: The command {name!r} is deprecated.": "Cảnh báo: lệnh '{name}' không còn được dùng.",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}":
        "Cảnh báo: lệnh '{name}' không còn được dùng.{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}":
        "Cảnh báo: '{name}' không còn được dùng.{extra_message}",
    # Usage errors: the line after "Lỗi:" and the hint saying where to look.
    "Error: {message}": "Lỗi: {message}",
    "Error: {e.message}": "Lỗi: {e.message}",
    "Try '{command} {option}' for help.": "Gõ '{command} {option}' để xem cách dùng.",
    "No such command {name!r}.": "Không có lệnh '{name}'. Các lệnh có sẵn được liệt kê trong hướng dẫn.",
    "No such option {name!r}.": "Không có tùy chọn '{name}'. Các tùy chọn được liệt kê trong hướng dẫn.",
    "No such option: {name}": "Không có tùy chọn '{name}'. Các tùy chọn được liệt kê trong hướng dẫn.",
    "Missing command.": "Thiếu tên lệnh; các lệnh được liệt kê trong hướng dẫn.",
    "Missing argument": "Thiếu tham số",
    "Missing option": "Thiếu tùy chọn bắt buộc",
    "Missing parameter": "Thiếu tham số",
    "Missing {param_type}": "Thiếu giá trị",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "Invalid value for {param_hint}: {message}": "Giá trị của {param_hint} không dùng được: {message}",
    "Invalid value: {message}": "Giá trị không dùng được: {message}",
    "Option {name!r} does not take a value.": "Tùy chọn '{name}' không nhận giá trị; hãy bỏ phần sau dấu '='.",
    "Argument {name!r} takes {nargs} values.": "Tham số '{name}' cần {nargs} giá trị.",
    "Invalid start character for option ({option})": "Tùy chọn bắt đầu bằng ký tự không hợp lệ ({option})",
    "Value must be an iterable.": "Giá trị phải là một danh sách.",
    "unknown error": "lỗi không rõ nguyên nhân",
    # Values.
    "Choose from:\n\t{choices}": "Chọn một trong:\n\t{choices}",
    "Choice({choices})": "Lựa chọn({choices})",
    "{value!r} is not a valid {number_type}.": "'{value}' không phải là một số hợp lệ; hãy ghi một số.",
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng cho phép ({range}).",
    "{value!r} is not a valid boolean.": "'{value}' không phải là giá trị có/không hợp lệ.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "'{value}' không phải là giá trị có/không hợp lệ. Các giá trị dùng được: {states}",
    "{value!r} is not a valid UUID.": "'{value}' không phải là mã định danh hợp lệ.",
    # Paths: "{name}" is click's "file"/"directory" title-cased, left out; `exits` prefixes "Không thể chạy: ".
    "file": "tệp",
    "directory": "thư mục",
    "path": "đường dẫn",
    "{name} {filename!r} does not exist.": "không tìm thấy '{filename}'. Hãy kiểm tra lại đường dẫn.",
    "{name} {filename!r} is a file.":
        "'{filename}' là một tệp, không phải thư mục. Hãy ghi đường dẫn của một thư mục, hoặc đổi tên tệp đó.",
    "{name} {filename!r} is a directory.":
        "'{filename}' là một thư mục, không phải tệp. Hãy ghi đường dẫn của một tệp.",
    "{name} {filename!r} is not readable.": "không đọc được '{filename}'. Hãy kiểm tra quyền truy cập.",
    "{name} {filename!r} is not writable.":
        "không ghi được vào '{filename}'. Hãy kiểm tra quyền ghi hoặc chọn nơi khác.",
    "{name} {filename!r} is not executable.": "'{filename}' không chạy được.",
    "Could not open file {filename!r}: {message}": "Không mở được tệp '{filename}': {message}",
    # Prompts, progress, pager, editor.
    "Aborted!": "Đã dừng.",
    "Do you want to continue?": "Tiếp tục?",
    "Confirm the action without prompting.": "Xác nhận luôn, không hỏi lại.",
    "Repeat for confirmation": "Nhập lại để xác nhận",
    "Error: The two entered values do not match.": "Lỗi: hai lần nhập không giống nhau; hãy nhập lại.",
    "Error: invalid input": "Lỗi: giá trị nhập không hợp lệ; hãy nhập lại.",
    "Error: The value you entered was invalid.": "Lỗi: giá trị vừa nhập không hợp lệ; hãy nhập lại.",
    "Press any key to continue...": "Nhấn phím bất kỳ để tiếp tục...",
    "d": " ngày",
    "{editor}: Editing failed": "{editor}: không sửa được",
    "{editor}: Editing failed: {e}": "{editor}: không sửa được: {e}",
    "Windows error: {error}": "Lỗi Windows: {error}",
    "Unknown color {colour!r}": "Không có màu '{colour}'",
    "Unknown standard stream '{name}'": "Không có luồng chuẩn '{name}'",
    "Couldn't detect Bash version, shell completion is not supported.":
        "Không xác định được phiên bản Bash: không tự hoàn thành lệnh được.",
    "Shell completion is not supported for Bash versions older than 4.4.":
        "Bash cũ hơn 4.4 không tự hoàn thành lệnh được.",
    # Mistakes in a command's definition (a programmer's, never a user's), for completeness.
    "Name '{name}' defined twice": "Tên '{name}' được khai báo hai lần",
    "Boolean option {decl!r} cannot use the same flag for true/false.":
        "Tùy chọn có/không '{decl}' không dùng cùng một cờ cho cả hai giá trị.",
    "Could not determine name for option with declarations {decls!r}":
        "Không xác định được tên tùy chọn từ khai báo {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? Did you "
    "mean to pass '--{name}'?":
        "Chưa khai báo tùy chọn nào nhưng có tên ({name}). Có phải cần khai báo một tham số, hoặc ghi '--{name}'?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.":
        "Mỗi tham số chỉ nhận đúng một khai báo, ở đây có {length}: {decls}.",
}

# ngettext's (singular, plural) ids; Vietnamese has one form, yet the two may say different things.
PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        ("Thừa tham số ({args}): hãy bỏ đi, hoặc đặt giá trị có dấu cách trong ngoặc kép, ví dụ --round \"Đợt 1\".",
         "Thừa các tham số ({args}): hãy bỏ đi, hoặc đặt giá trị có dấu cách trong ngoặc kép, ví dụ "
         "--round \"Đợt 1\"."),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        ("Có phải ý bạn là {possibility}?", "(Có phải ý bạn là một trong: {possibilities}?)"),
    ("Did you mean {possibility}?", "(Possible options: {possibilities})"):
        ("Có phải ý bạn là {possibility}?", "(Có thể là: {possibilities})"),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        ("Tùy chọn '{name}' cần một giá trị ghi ngay sau nó.",
         "Tùy chọn '{name}' cần {nargs} giá trị ghi ngay sau nó."),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        ("Cần {nargs} giá trị nhưng chỉ có 1.", "Cần {nargs} giá trị nhưng có {len}."),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        ("'{value}' không dùng được; chỉ nhận {choice}.", "'{value}' không dùng được; hãy chọn một trong {choices}."),
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."):
        ("'{value}' không đúng định dạng {format}.", "'{value}' không đúng định dạng nào trong {formats}."),
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."):
        ("Cần {len_type} giá trị nhưng có {len_value}.", "Cần {len_type} giá trị nhưng có {len_value}."),
}


class ClickVietnamese(gettext.NullTranslations):
    """click's texts from the catalogue; an id not in it (a newer click's) passes through unchanged."""

    def gettext(self, message: str) -> str:
        return MESSAGES.get(message, message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        forms = PLURALS.get((msgid1, msgid2))
        if forms is None:
            return msgid1 if n == 1 else msgid2
        return forms[0] if n == 1 else forms[1]


TRANSLATION = ClickVietnamese()


def install() -> None:
    """Give every click module that translates with gettext's global functions the Vietnamese ones.

    Must run before the commands are defined: click translates some texts when an option is declared
    (the version option's help, a Path's "file"/"directory"). Idempotent."""
    for module in click_modules():
        if getattr(module, "_", None) in (gettext.gettext, TRANSLATION.gettext):
            setattr(module, "_", TRANSLATION.gettext)
        if getattr(module, "ngettext", None) in (gettext.ngettext, TRANSLATION.ngettext):
            setattr(module, "ngettext", TRANSLATION.ngettext)


def click_modules() -> list[ModuleType]:
    """click and all its submodules, also those it imports only when needed (the progress bar's)."""
    modules = [click]
    for info in pkgutil.iter_modules(click.__path__, "click."):
        if info.name == "click._winconsole" and sys.platform != "win32":   # Windows' console only
            continue
        modules.append(importlib.import_module(info.name))
    return modules
