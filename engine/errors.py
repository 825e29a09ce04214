"""Typed refusals: each carries a sentence a person understands and, where it helps, what to do instead."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from states.reasons import Act, Reason


class JalonError(Exception):
    """Base of every error meant for a person; str() is the English sentence, reason says it in any language."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.reason: Reason | None = message if isinstance(message, Reason) else None


class NotFound(JalonError):
    """A city, person or programme named by the user does not exist."""


class InvalidData(JalonError):
    """Values given with a trigger are missing or malformed (bad input, nothing written).

    field names the one form field at fault, so a page can put the sentence beside it (None: the form as a whole).
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Refused(JalonError):
    """The act is not allowed now; alternatives lists the triggers this person may pull instead.

    instead holds the same acts with their names, so a page says them as acts, never as trigger codes.
    """

    exit_code = 1

    def __init__(self, reason: str, alternatives: Sequence[Act | str] = ()) -> None:
        super().__init__(reason)
        self.instead = tuple(a for a in alternatives if isinstance(a, Act))
        self.alternatives = tuple(a.trigger if isinstance(a, Act) else a for a in alternatives)
        self.sentence = str(reason)

    def __str__(self) -> str:
        if self.alternatives:
            return f"{self.sentence} You may instead: {', '.join(self.alternatives)}."
        return self.sentence


class Conflict(Refused):
    """Someone else changed the city first; re-read it and decide again."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input file, located so a person can fix it."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class BadInput(JalonError):
    """An input file was refused as a whole; every problem found is listed, nothing was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
