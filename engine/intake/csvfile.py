"""A CSV file read defensively, row by row, with every problem located by file, line and field."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from engine.errors import Problem
from models.programme import UNSAFE

MAX_NAME = 200
MAX_ROWS = 100_000
MAX_BYTES = 50_000_000  # refused before reading: 100,000 rows of people or cities fit well within it
NOT_UTF8 = "not UTF-8 text; save the file as UTF-8 CSV"


@dataclass
class Rows:
    """A CSV file read defensively: BOM, CRLF and blank lines handled, problems collected."""

    file: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, line: int | None, field: str | None, message: str) -> None:
        """Note one problem; the import is refused if any was noted."""
        self.problems.append(Problem(self.file, line, field, message))

    def read(self, path: Path) -> Iterator[tuple[int, dict[str, str]]]:
        """(line number, row) for each data row; problems with the file itself are noted.

        Lines are physical lines as an editor shows them: blank lines count, and a row whose quoted value
        spans several lines is on the line it starts. Bytes that are not UTF-8 are kept (as surrogates)
        only long enough to say in which row and column they are. The file is streamed, a line at a time,
        and a file over MAX_BYTES is refused before a line of it is read.
        """
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                self.problem(
                    None,
                    None,
                    f"is {size / 1e6:.0f} MB; an import takes at most {MAX_BYTES // 1_000_000} MB"
                    f" and {MAX_ROWS:,} rows: split the file",
                )
                return
            with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
                yield from self._rows(f)
        except FileNotFoundError:
            self.problem(None, None, "no such file")
        except OSError as exc:
            self.problem(None, None, f"cannot be read ({exc.strerror or type(exc).__name__})")

    def _rows(self, f: TextIO) -> Iterator[tuple[int, dict[str, str]]]:
        """The rows of an open CSV file, streamed: only the row at hand is held."""
        reader = csv.reader(f)
        header: list[str] | None = None
        line = end = 0  # where the current row starts, and where the previous one ended
        try:
            for values in reader:
                line, end = end + 1, reader.line_num
                if any(v.strip() for v in values):
                    header = [h.strip().lower() for h in values]
                    break
        except csv.Error as exc:
            self.problem(end + 1, None, f"not readable as CSV ({exc})")
            return
        if header is None:
            self.problem(None, None, f"the file is empty; expected a header row: {','.join(self.required)}")
            return
        if _undecodable(header) is not None:
            self.problem(line, None, NOT_UTF8)
            return
        for name in self.required:
            if name not in header:
                self.problem(line, name, "missing column")
        for name in header:
            if name not in self.required + self.optional:
                self.problem(
                    line,
                    name or "(blank)",
                    f"unknown column; columns are {', '.join(self.required + self.optional)}",
                )
        for name in sorted({h for h in header if h and header.count(h) > 1}):
            self.problem(line, name, "this column appears twice")
        if self.problems:
            return
        count = 0
        try:
            for values in reader:
                line, end = end + 1, reader.line_num
                if not any(v.strip() for v in values):
                    continue
                count += 1
                if count > MAX_ROWS:
                    self.problem(line, None, f"more than {MAX_ROWS:,} rows; split the file")
                    return
                if len(values) != len(header):
                    hint = '; is a quote (") left open?' if end > line else ""
                    self.problem(line, None, f"has {len(values)} values, the header has {len(header)}{hint}")
                    continue
                bad = _undecodable(values)
                if bad is not None:
                    self.problem(line, header[bad], NOT_UTF8)
                    continue
                yield line, {h: v.strip() for h, v in zip(header, values, strict=True)}
        except csv.Error as exc:
            self.problem(end + 1, None, f"not readable as CSV ({exc})")
        if count == 0 and not self.problems:
            self.problem(None, None, "the file has a header but no rows")

    def text(
        self,
        line: int,
        row: dict[str, str],
        field: str,
        *,
        required: bool = True,
        limit: int = MAX_NAME,
    ) -> str:
        """A plain-text value: no markup, no control characters, not too long."""
        value = row.get(field, "")
        if not value and required:
            self.problem(line, field, "is empty")
        elif len(value) > limit:
            self.problem(line, field, f"is {len(value)} characters long; at most {limit}")
        elif UNSAFE.search(value):
            self.problem(line, field, "contains markup or control characters ('<', '>'); give plain text")
        return value

    def check(self, line: int, field: str, value: str, test: Callable[[str], bool], message: str) -> str:
        """Note message when test fails on value."""
        if not test(value):
            self.problem(line, field, message)
        return value


def _undecodable(values: list[str]) -> int | None:
    """The index of the first value holding bytes that were not UTF-8, if any."""
    for i, value in enumerate(values):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return i
    return None
