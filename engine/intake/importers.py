"""People and cities from CSV: all or nothing, and every problem located by file, line and field."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.deadlines import timers
from engine.errors import BadInput, JalonError
from engine.intake.csvfile import Rows
from engine.intake.programme import latest_version
from engine.journey import audit, notify
from engine.journey.act import act_for_import
from engine.journey.fields import language_list, parse_email
from models import City, Person, Programme, RoleAssignment
from models.db import writing
from models.programme import UNSAFE, countries, decoded, languages, timezones
from states import CITY_JOURNEY, Role
from states.definition import CITY_ROLES, GLOBAL_ROLES

CODE = re.compile(r"^[A-Z][A-Z0-9-]{1,15}$")


def _table(model: type[Person] | type[RoleAssignment]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


PEOPLE = _table(Person)  # people and roles are written in bulk, below the ORM
ROLES = _table(RoleAssignment)


def import_cities(
    sessions: sessionmaker[Session], path: Path, *, at: datetime, programme: str | None = None
) -> tuple[int, int]:
    """Add new cities in the journey's first state and update the others' details: (added, updated)."""
    rows = Rows(str(path), ("code", "name", "country", "timezone", "languages"))
    parsed: list[tuple[int, dict[str, str], list[str]]] = []
    seen: dict[str, int] = {}
    for line, row in rows.read(path):
        code = rows.check(
            line,
            "code",
            row["code"].upper(),
            lambda v: CODE.match(v) is not None,
            f"'{row['code']}' is not a city code (2-16 capitals, digits or '-')",
        )
        if code in seen:
            rows.problem(line, "code", f"'{code}' is already used on line {seen[code]}")
        seen[code] = line
        rows.text(line, row, "name")
        rows.check(
            line,
            "country",
            row["country"].upper(),
            countries().__contains__,
            f"'{row['country']}' is not an ISO 3166 country code (e.g. ML, FR)",
        )
        rows.check(
            line,
            "timezone",
            row["timezone"],
            timezones().__contains__,
            f"'{row['timezone']}' is not an IANA time zone (e.g. Africa/Bamako)",
        )
        try:
            langs = language_list(row["languages"])
        except ValueError as exc:
            rows.problem(line, "languages", str(exc))
            langs = []
        parsed.append((line, row, langs))
    with sessions.begin() as s:
        writing(s)
        prog = _programme(s, rows, programme)
        if rows.problems:
            raise BadInput(rows.problems)
        assert prog is not None
        version = latest_version(s, prog.id)
        assert version is not None
        added = updated = 0
        for line, row, langs in parsed:
            code = row["code"].upper()
            fields = {
                "name": row["name"],
                "country": row["country"].upper(),
                "timezone": row["timezone"],
                "languages": ",".join(langs),
            }
            city = s.scalar(select(City).where(City.code == code))
            if city is not None and city.programme_id != prog.id:
                rows.problem(line, "code", f"{code} already belongs to another programme; city codes are unique")
                continue
            if city is not None:
                changed = {key: value for key, value in fields.items() if getattr(city, key) != value}
                if changed:  # through the door: audited, and a new zone or country re-plans the open deadlines
                    try:
                        act_for_import(s, code, "change_details", path.name, changed, at)
                    except JalonError as exc:
                        rows.problem(line, "code", str(exc))
                updated += 1
                continue
            city = City(
                code=code,
                programme_id=prog.id,
                definition_id=version.id,
                state=CITY_JOURNEY.initial,
                state_since=at,
                selected_at=at,
                version=0,
                **fields,
            )
            s.add(city)
            s.flush()
            _joined(s, city, at, prog.code, f"{prog.code} v{version.number} / {CITY_JOURNEY.version}", path.name)
            timers.on_join(s, city, decoded(version.digest, version.definition), at)
            added += 1
        if rows.problems:
            raise BadInput(rows.problems)  # rolls back the rows written above: all or nothing
        notify.selection_notices(s, at)
    return added, updated


def _joined(s: Session, city: City, at: datetime, programme: str, definition_version: str, source: str) -> None:
    """A city's first audit event: it entered the programme, selected."""
    event, message = audit.record(
        city,
        at=at,
        actor_id=None,
        actor=f"import:{source}",
        trigger=audit.JOINED,
        from_state="",
        to_state=city.state,
        definition_version=definition_version,
        note=None,
        data={},
        programme=programme,
    )
    s.add_all((event, message))
    city.version, city.last_hash = 1, event.hash


def _programme(s: Session, rows: Rows, code: str | None) -> Programme | None:
    """The programme cities join: the one named, or the only one loaded."""
    progs = list(s.scalars(select(Programme)))
    if code:
        match = [p for p in progs if p.code == code.upper()]
        if not match:
            rows.problem(
                None,
                None,
                f"no programme '{code}' is loaded; run `jalon programme load FILE` first",
            )
            return None
        return match[0]
    if len(progs) != 1:
        rows.problem(
            None,
            None,
            "load a programme first (jalon programme load FILE)"
            if not progs
            else "several programmes are loaded; name one with --programme",
        )
        return None
    return progs[0]


def _roles(rows: Rows, line: int, text: str, cities: dict[str, int]) -> list[tuple[Role, int | None]]:
    """'secretariat; coach@BKO; city_lead@BKO' as (role, city id) pairs."""
    result: list[tuple[Role, int | None]] = []
    for item in (x.strip() for x in re.split(r"[;,]", text) if x.strip()):
        name, _, code = item.partition("@")
        try:
            role = Role(name.strip().lower())
        except ValueError:
            rows.problem(line, "roles", f"'{name}' is not a role ({', '.join(r.value for r in Role)})")
            continue
        code = code.strip().upper()
        if role in GLOBAL_ROLES and code:
            rows.problem(line, "roles", f"{role.value} is network-wide; write it without '@{code}'")
        elif role in CITY_ROLES and not code:
            rows.problem(line, "roles", f"{role.value} is held for a city; write {role.value}@CITYCODE")
        elif code and code not in cities:
            rows.problem(line, "roles", f"no city with code '{code}'; import cities first")
        else:
            result.append((role, cities.get(code)))
    return result


def _coaches(s: Session) -> dict[int, str]:
    """The coach already assigned to each city (one per city), by email."""
    query = (
        select(RoleAssignment.city_id, Person.email)
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(RoleAssignment.role == Role.COACH.value, RoleAssignment.city_id.is_not(None))
    )
    return {city_id: email for city_id, email in s.execute(query) if city_id is not None}


Parsed = tuple[int, str, str, str | None, str | None, tuple[tuple[Role, int | None], ...]]
CHUNK = 500  # rows written per round trip: bounded statements, few round trips


def import_people(sessions: sessionmaker[Session], path: Path, *, at: datetime) -> tuple[int, int]:
    """Add or update people and add their roles: (added, updated). Roles are never removed here.

    Linear in rows: the file is checked whole first (streamed, a row kept only as the few values it gives),
    then written a chunk at a time, reading who exists and what they hold in one query per chunk and
    inserting people and roles in bulk. A coach named for a city is still assigned through the door.
    """
    rows = Rows(str(path), ("email", "name"), ("language", "roles", "timezone"))
    with sessions.begin() as s:
        writing(s)
        cities = {code: id_ for code, id_ in s.execute(select(City.code, City.id))}
        coaches = _coaches(s)
        parsed: list[Parsed] = []
        seen: dict[str, int] = {}
        for line, row in rows.read(path):
            try:
                if UNSAFE.search(row["email"]):
                    raise ValueError("contains markup or control characters; give a plain email address")
                email = parse_email(row["email"])
            except ValueError as exc:
                rows.problem(line, "email", str(exc))
                email = ""
            if email and email in seen:
                rows.problem(line, "email", f"{email} is already on line {seen[email]}")
            seen[email] = line
            name = rows.text(line, row, "name")
            language = row.get("language", "").lower() or None  # absent or blank: keep what is known
            if language is not None:
                rows.check(
                    line,
                    "language",
                    language,
                    languages().__contains__,
                    f"'{language}' is not an ISO 639-1 language code",
                )
            zone = row.get("timezone", "") or None  # absent or blank: keep what is known
            if zone is not None:
                rows.check(line, "timezone", zone, timezones().__contains__, f"'{zone}' is not an IANA time zone")
            roles = _roles(rows, line, row.get("roles", ""), cities)
            for role, city_id in roles:
                if role is Role.COACH and city_id is not None:
                    holder = coaches.setdefault(city_id, email)
                    if holder != email:
                        code = next(c for c, i in cities.items() if i == city_id)
                        rows.problem(line, "roles", f"{code} already has a coach ({holder}); one coach per city")
            if not rows.problems:  # once the file is refused, only its problems are still wanted
                parsed.append((line, email, name, language, zone, tuple(roles)))
        if rows.problems:
            raise BadInput(rows.problems)
        del seen
        codes = {id_: code for code, id_ in cities.items()}
        added = updated = 0
        for start in range(0, len(parsed), CHUNK):
            a, u = _write_people(s, rows, parsed[start : start + CHUNK], codes, path.name, at)
            added, updated = added + a, updated + u
        if rows.problems:
            raise BadInput(rows.problems)  # rolls back what was written above: all or nothing
        s.flush()
        notify.selection_notices(s, at)
    return added, updated


def _write_people(
    s: Session, rows: Rows, chunk: list[Parsed], codes: dict[int, str], source: str, at: datetime
) -> tuple[int, int]:
    """One chunk of checked rows written: people added or updated in bulk, their new roles added, coaches
    assigned through the door. (added, updated)."""
    s.flush()  # what the door wrote for the chunk before goes first: the bulk statements below are Core's
    emails = [email for _, email, *_ in chunk]
    known = {
        r.email: r
        for r in s.execute(
            select(PEOPLE.c.id, PEOPLE.c.email, PEOPLE.c.name, PEOPLE.c.language, PEOPLE.c.timezone).where(
                PEOPLE.c.email.in_(emails)
            )
        )
    }
    fresh = [
        {"email": email, "name": name, "language": language, "timezone": zone, "created_at": at}
        for _, email, name, language, zone, _ in chunk
        if email not in known
    ]
    ids = {r.email: r.id for r in known.values()}
    if fresh:
        s.execute(insert(PEOPLE), fresh)
        new = select(PEOPLE.c.email, PEOPLE.c.id).where(PEOPLE.c.email.in_([p["email"] for p in fresh]))
        ids |= {email: id_ for email, id_ in s.execute(new)}
    changes = []
    for _, email, name, language, zone, _ in chunk:
        old = known.get(email)
        if old is None:
            continue
        after = (name, language or old.language, zone or old.timezone)
        if after != (old.name, old.language, old.timezone):
            changes.append({"pid": old.id, "n": after[0], "l": after[1], "z": after[2]})
    if changes:
        s.execute(
            update(PEOPLE)
            .where(PEOPLE.c.id == bindparam("pid"))
            .values(name=bindparam("n"), language=bindparam("l"), timezone=bindparam("z")),
            changes,
        )
    held: set[tuple[int, str, int | None]] = set()
    if known:
        query = select(ROLES.c.person_id, ROLES.c.role, ROLES.c.city_id).where(
            ROLES.c.person_id.in_([r.id for r in known.values()])
        )
        held = {(person_id, role, city_id) for person_id, role, city_id in s.execute(query)}
    grants: list[dict[str, object]] = []  # roles in file order; those before a coach go in before the door opens,
    for line, email, _, _, _, roles in chunk:  # so whom the assignment is announced to is what it was row by row
        person_id = ids[email]
        for role, city_id in roles:
            if (person_id, role.value, city_id) in held:
                continue
            held.add((person_id, role.value, city_id))
            if role is not Role.COACH or city_id is None:
                grants.append({"person_id": person_id, "role": role.value, "city_id": city_id})
                continue
            if grants:
                s.execute(insert(ROLES), grants)
                grants = []
            try:  # through the door: audited, the team is told
                act_for_import(s, codes[city_id], "assign_coach", source, {"coach": email}, at)
            except JalonError as exc:
                rows.problem(line, "roles", str(exc))
    if grants:
        s.execute(insert(ROLES), grants)
    return len(fresh), len(chunk) - len(fresh)
