"""The programme file (YAML): read, checked against the schema in models/programme.py, errors at their line."""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import BadInput, Problem
from models import Programme, ProgrammeVersion
from models.db import writing
from models.programme import At, ProgrammeFile
from states import CITY_JOURNEY


def _line_of(root: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The line of the YAML node at loc (or of its nearest parent that exists); a mapping entry is on its key's line."""
    node, line = root, (root.start_mark.line + 1 if root else None)
    for part in loc:
        entry: tuple[yaml.Node, yaml.Node] | None = None
        if isinstance(node, yaml.MappingNode):
            entry = next(((k, v) for k, v in node.value if getattr(k, "value", None) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            entry = (node.value[part], node.value[part])
        if entry is None:
            break
        line, node = entry[0].start_mark.line + 1, entry[1]
    return line


def _duplicate_keys(node: yaml.Node | None, file: str) -> list[Problem]:
    """PyYAML keeps the last of two equal keys; a person meant one of them, so say so."""
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for k, v in node.value:
            if k.value in seen:
                problems.append(Problem(file, k.start_mark.line + 1, str(k.value), "this key appears twice"))
            seen.add(k.value)
            problems += _duplicate_keys(v, file)
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            problems += _duplicate_keys(v, file)
    return problems


DEEPEST = 20
"""How deep a programme file nests: its schema needs five levels; far more is a mistake or an attack."""
LARGEST_FILE = 1_000_000
"""Bytes: the sample programme is 5 KB."""


def _plain_yaml(text: str, file: str) -> None:
    """Refuse anchors, aliases and deep nesting before building anything: a programme file needs none of them,
    and they are how a small file expands into gigabytes or exhausts the parser's recursion."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise BadInput([Problem(file, line, None, "uses YAML anchors or aliases (& or *); write each value out")])
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > DEEPEST:
                raise BadInput(
                    [
                        Problem(
                            file, line, None, f"nests deeper than {DEEPEST} levels; a programme needs no more than five"
                        )
                    ]
                )
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def parse(path: Path) -> ProgrammeFile:
    """A validated programme file, or BadInput listing every problem with its line and field."""
    file = str(path)
    try:
        data = path.read_bytes().removeprefix(codecs.BOM_UTF8)
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise BadInput([Problem(file, None, None, "no such file")]) from None
    except OSError as exc:
        raise BadInput([Problem(file, None, None, f"cannot be read ({exc.strerror or type(exc).__name__})")]) from None
    except UnicodeDecodeError as exc:
        bad_line = data[: exc.start].count(b"\n") + 1
        raise BadInput([Problem(file, bad_line, None, "not UTF-8 text; save the file as UTF-8")]) from None
    if len(data) > LARGEST_FILE:
        raise BadInput([Problem(file, None, None, f"is {len(data):,} bytes; a programme file is far smaller")])
    try:
        _plain_yaml(text, file)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise BadInput([Problem(file, line, None, f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from None
    if not isinstance(raw, dict):
        raise BadInput(
            [
                Problem(
                    file,
                    1 if raw is not None else None,
                    None,
                    "expected a mapping of programme settings",
                )
            ]
        )
    problems = _duplicate_keys(root, file)
    try:
        parsed = ProgrammeFile.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            at = err.get("ctx", {}).get("error")
            loc = tuple(p for p in err["loc"] if p != "[key]") + (at.where if isinstance(at, At) else ())
            field = ".".join(str(p) for p in loc) or None
            message = re.sub(r"^Value error, ", "", err["msg"])
            if err["type"] == "missing":
                message = "is required but missing"
            elif err["type"] == "extra_forbidden":
                message = "is not a known setting (check the spelling)"
            problems.append(Problem(file, _line_of(root, loc), field, message))
    else:
        known = {s.name for s in CITY_JOURNEY.states}
        for name in parsed.stages:
            if name not in known:
                loc = ("stages", name)
                problems.append(
                    Problem(file, _line_of(root, loc), ".".join(loc), f"'{name}' is not a stage of the journey")
                )
    if problems:
        raise BadInput(problems)
    return parsed


def load(sessions: sessionmaker[Session], path: Path, *, at: datetime) -> tuple[str, int, bool]:
    """Store the file as the programme's next version if it changed: (code, version, whether new)."""
    parsed = parse(path)
    definition = parsed.model_dump(mode="json")
    definition["lifecycle"] = CITY_JOURNEY.version
    digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()
    with sessions.begin() as s:
        writing(s)
        programme = s.scalar(select(Programme).where(Programme.code == parsed.code))
        if programme is None:
            programme = Programme(code=parsed.code, name=parsed.name, created_at=at)
            s.add(programme)
            s.flush()
        programme.name = parsed.name
        latest = s.execute(
            select(ProgrammeVersion.number, ProgrammeVersion.digest)
            .where(ProgrammeVersion.programme_id == programme.id)
            .order_by(ProgrammeVersion.number.desc())
            .limit(1)
        ).first()
        if latest is not None and latest.digest == digest:
            return parsed.code, latest.number, False
        number = (latest.number if latest else 0) + 1
        s.add(
            ProgrammeVersion(
                programme_id=programme.id,
                number=number,
                digest=digest,
                definition=definition,
                loaded_at=at,
            )
        )
    return parsed.code, number, True


def latest_version(s: Session, programme_id: int) -> ProgrammeVersion | None:
    """The newest definition, the one cities joining now are pinned to."""
    newest = select(func.max(ProgrammeVersion.number)).where(ProgrammeVersion.programme_id == programme_id)
    return s.scalar(
        select(ProgrammeVersion).where(
            ProgrammeVersion.programme_id == programme_id,
            ProgrammeVersion.number == newest.scalar_subquery(),
        )
    )
