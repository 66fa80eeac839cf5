"""Read stage, where a workbook's values come from: python-calamine first, a tolerant reader after it.

In: an opened `Package` (measured by `guard`; each .xlsx sheet is measured again before it is read).
Out: a `Source`: the sheet names in order and each sheet's rows from A1 (float, int, str, bool,
dates and times, '' for an empty or error cell; error texts come from `cell_info`).

python-calamine is fast (field-notes 0.3) but strict: it refuses files that other programs write
validly — Gnumeric's and SheetJS's .ods (whitespace between table elements), and it can stop on
styles or layouts it does not expect. A school must never be told its valid file is broken because
of that, so where calamine refuses a file or a sheet, `Refused` is raised and the workbook reader
opens the tolerant reader of the format: openpyxl for .xlsx/.xlsm (read-only mode, the full load
when read-only fails), xlrd for .xls, the content.xml walk of `ods_values` for .ods. Only a file
both refuse is unreadable, and `damage.unreadable` then says which part is broken.
"""
from __future__ import annotations

import io
import warnings
from typing import Any, Callable, Protocol, TypeVar, cast

from python_calamine import CalamineWorkbook

from cds_batch.reading.ods_values import ods_rows, ods_sheet_names
from cds_batch.reading.package import Package, ReadError

T = TypeVar("T")
Rows = list[list[object]]


class Refused(Exception):
    """A reader could not parse the file or one of its sheets (its own error is the cause)."""


class Source(Protocol):
    """A workbook's values, as the reader asks for them."""

    name: str   # which reader, for tests and the bench: 'calamine', 'openpyxl', 'xlrd', 'ods'

    @property
    def sheet_names(self) -> list[str]: ...

    def rows(self, sheet: str) -> Rows: ...

    def close(self) -> None: ...


def refusing(call: Callable[[], T]) -> T:
    """`call()`, with whatever a reader raises on a file it cannot parse turned into `Refused`: its own
    error types, plain ones, and from calamine's Rust core a panic (pyo3's PanicException is a
    BaseException). ReadError (a limit, a DTD) and KeyboardInterrupt pass unchanged."""
    try:
        return call()
    except ReadError:
        raise
    except BaseException as exc:
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise   # KeyboardInterrupt, SystemExit
        raise Refused(type(exc).__name__) from exc


class CalamineSource:
    name = "calamine"

    def __init__(self, pkg: Package) -> None:
        self.book = refusing(lambda: CalamineWorkbook.from_filelike(io.BytesIO(pkg.data)))
        try:
            self._names = refusing(lambda: list(self.book.sheet_names))
        except Refused:
            self.close()
            raise

    @property
    def sheet_names(self) -> list[str]:
        return self._names

    def rows(self, sheet: str) -> Rows:
        return refusing(lambda: cast(Rows, self.book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)))

    def close(self) -> None:
        try:
            self.book.close()
        except Exception:   # noqa: BLE001  (closed already: calamine raises WorkbookClosed)
            pass


class OpenpyxlSource:
    """An .xlsx/.xlsm through openpyxl (MIT, pure Python; XML through defusedxml, which is installed):
    read-only mode first, which streams the rows and trusts no <dimension> (`reset_dimensions`, as
    WPS writes A1:A1 there); the full load when read-only mode fails."""

    name = "openpyxl"

    def __init__(self, pkg: Package) -> None:
        import openpyxl  # type: ignore[import-untyped]  # no type information installed for it

        def load(read_only: bool) -> Any:
            with warnings.catch_warnings():   # "extension is not supported" and the like: nothing for a school
                warnings.simplefilter("ignore")
                return openpyxl.load_workbook(io.BytesIO(pkg.data), read_only=read_only, data_only=True,
                                              keep_links=False)
        try:
            self.book = refusing(lambda: load(True))
        except Refused:
            self.book = refusing(lambda: load(False))

    @property
    def sheet_names(self) -> list[str]:
        return list(self.book.sheetnames)

    def rows(self, sheet: str) -> Rows:
        return refusing(lambda: self._rows(sheet))

    def _rows(self, sheet: str) -> Rows:
        ws = self.book[sheet]
        if hasattr(ws, "reset_dimensions"):   # read-only mode
            ws.reset_dimensions()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # An error cell reads '' as from calamine; `cell_info` tells its error text.
            return rectangular([["" if c.value is None or c.data_type == "e" else c.value for c in row]
                                for row in ws.iter_rows()])

    def close(self) -> None:
        if hasattr(self.book, "close"):
            self.book.close()


class XlrdSource:
    """An .xls through xlrd (the book `Package.xls_book` opened for names, formats and the guard)."""

    name = "xlrd"

    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        self.book = pkg.xls_book

    @property
    def sheet_names(self) -> list[str]:
        return list(self.book.sheet_names())

    def rows(self, sheet: str) -> Rows:
        return refusing(lambda: self._rows(sheet))

    def _rows(self, sheet: str) -> Rows:
        import xlrd  # type: ignore[import-untyped]  # xlrd ships no type information

        ws = self.book.sheet_by_name(sheet)
        out: Rows = []
        for r in range(ws.nrows):
            row: list[object] = []
            for c in range(ws.row_len(r)):
                kind, value = ws.cell_type(r, c), ws.cell_value(r, c)
                if kind == xlrd.XL_CELL_DATE:
                    value = xlrd.xldate.xldate_as_datetime(value, self.book.datemode)
                elif kind == xlrd.XL_CELL_BOOLEAN:
                    value = bool(value)
                elif kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                    value = ""
                row.append(value)
            out.append(row)
        return rectangular(out)

    def close(self) -> None:
        pass   # the package releases its xls book


class OdsSource:
    """An .ods through the content.xml walk of `ods_values`."""

    name = "ods"

    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        self._names = ods_sheet_names(pkg)

    @property
    def sheet_names(self) -> list[str]:
        return self._names

    def rows(self, sheet: str) -> Rows:
        return refusing(lambda: ods_rows(self.pkg, sheet))

    def close(self) -> None:
        pass


def tolerant_source(pkg: Package) -> Source:
    """The tolerant reader of the package's format, opened; `Refused` when it cannot parse the file."""
    kinds: dict[str, Callable[[Package], Source]] = {
        "xlsx": OpenpyxlSource, "xlsm": OpenpyxlSource, "xls": XlrdSource, "ods": OdsSource}
    return refusing(lambda: kinds[pkg.format](pkg))


def rectangular(rows: Rows) -> Rows:
    """Rows cut after the last filled one and padded to one width, as calamine gives them."""
    while rows and all(v == "" for v in rows[-1]):
        rows.pop()
    width = max((next((i + 1 for i in range(len(r) - 1, -1, -1) if r[i] != ""), 0) for r in rows), default=0)
    for row in rows:
        del row[width:]
        row.extend([""] * (width - len(row)))
    return rows
