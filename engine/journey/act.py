"""The one door: every change to a city passes through act(), in one transaction, audited."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session, sessionmaker

from engine.deadlines import timers
from engine.errors import Conflict, InvalidData, Refused
from engine.journey import audit, effects, notify
from engine.journey.effects import Actor
from engine.journey.facts import gather, roles_elsewhere, roles_of
from engine.journey.fields import objective_key, parse_data, parse_note, reader_language, to_json
from engine.lookups import aware, definition_of, find_person, lock_city
from models import City, Person
from models.db import writing
from models.programme import Definition
from states import CITY_JOURNEY, CITY_MACHINE, Binding, Facts, Role, TransitionDef
from states.definition import check
from states.reasons import Act, Reason, RoleName, Who, together


@dataclass(frozen=True)
class ActResult:
    """What a successful act did, as plain values (no ORM objects leave the engine)."""

    city: str
    trigger: str
    from_state: str
    to_state: str
    version: int
    at: datetime


@dataclass(frozen=True)
class Option:
    """A trigger judged for one person now: allowed with the fields it needs, or refused with why.

    reason is a Reason (the English sentence, '' when allowed): say(option.reason, lang) says it to anyone.
    possible_here says whether the trigger exists from the city's stage at all (for someone).
    """

    trigger: str
    label: str
    allowed: bool
    needs: tuple[str, ...] = ()
    reason: str = ""
    possible_here: bool = True


def access(
    t: TransitionDef, state: str, roles: frozenset[Role], elsewhere: Callable[[], frozenset[Role]]
) -> Reason | None:
    """Why this person may not pull t from this state at all (None when they may), before any value is read."""
    if state not in t.sources:
        return CITY_MACHINE.not_here(t.trigger, state)
    if roles & t.roles:
        return None
    who, act = Who(tuple(r for r in Role if r in t.roles)), Act(t.trigger, t.label)
    mine = [r for r in Role if r in (elsewhere() & t.roles) - roles]
    if mine:
        return Reason(
            "role_elsewhere",
            "You are {role} of another city, not of this one; only {who} may {act}.",
            role=RoleName(mine[0]),
            who=who,
            act=act,
        )
    return Reason("only_who", "Only {who} may {act}.", who=who, act=act)


def judge(
    t: TransitionDef,
    state: str,
    roles: frozenset[Role],
    facts: Facts,
    elsewhere: Callable[[], frozenset[Role]],
) -> Reason | None:
    """Why this person may not pull t now (None when they may): state, then role, then guards."""
    return access(t, state, roles, elsewhere) or together(check(t, facts))


def options(s: Session, city: City, person: Person) -> list[Option]:
    """Every trigger of the journey judged for this person, on this city, now (those answered from a message aside)."""
    definition, _ = definition_of(s, city)
    roles = roles_of(s, person.id, city.id)
    elsewhere = roles_elsewhere(s, person.id, city.id)
    facts = gather(s, city, definition, person.email, None)
    result = []
    for t in (t for t in CITY_JOURNEY.transitions if not t.from_message):
        reason = judge(t, city.state, roles, facts, lambda: elsewhere)
        needs = tuple(f.name if f.required else f"{f.name}?" for f in t.needs)
        result.append(Option(t.trigger, t.label, reason is None, needs, reason or "", city.state in t.sources))
    return result


def _alternatives(s: Session, city: City, person: Person, trigger: str) -> list[Act]:
    """What this person could do instead, for the refusal message."""
    return [Act(o.trigger, o.label) for o in options(s, city, person) if o.allowed and o.trigger != trigger]


def act(
    sessions: sessionmaker[Session],
    city: str,
    trigger: str,
    actor: str,
    *,
    at: datetime,
    note: str | None = None,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
) -> ActResult:
    """Move one city by one trigger: lock, check role and guards, write state, audit and outbox, commit once."""
    at = aware(at)
    try:
        t = CITY_JOURNEY.transition(trigger)
    except KeyError:
        raise InvalidData(
            Reason(
                "no_such_act",
                "'{act}' is not a trigger. Triggers: {known}.",
                act=trigger,
                known=", ".join(CITY_JOURNEY.triggers),
            )
        ) from None
    note = parse_note(note)  # every caller's note checked once: length, hidden characters
    with sessions.begin() as s:
        writing(s)
        row, definition, definition_version = lock_city(s, city)
        if expected_version is not None and row.version != expected_version:
            raise Conflict(
                Reason(
                    "changed_meanwhile",
                    "{city} changed while you were deciding (it is now at version {now}, you saw {seen}); "
                    "look again and retry.",
                    city=row.name,
                    now=row.version,
                    seen=expected_version,
                )
            )
        person = find_person(s, actor)
        if person.gone_at is not None:
            raise Refused(
                Reason(
                    "person_gone", "{email} was removed from the network; they can no longer act.", email=person.email
                )
            )
        roles = roles_of(s, person.id, row.id)
        reason = access(t, row.state, roles, lambda: roles_elsewhere(s, person.id, row.id))
        if reason:
            raise Refused(reason, _alternatives(s, row, person, trigger))
        values = parse_data(t, data or {}, reader_language(person, definition))
        return _change(s, row, t, definition, definition_version, person, values, note, at)


def act_for_import(
    s: Session, city: str, trigger: str, source: str, data: Mapping[str, Any], at: datetime
) -> ActResult:
    """The same door for what an import file says (a city's new details, a coach named in the people file).

    Runs inside the import's own transaction, so the file still lands all or nothing; who ran the import
    had the terminal, so no role is asked; the machine, guards, audit, timers and messages are act()'s own.
    """
    t = CITY_JOURNEY.transition(trigger)
    row, definition, definition_version = lock_city(s, city)
    reason = access(t, row.state, t.roles, frozenset)  # the stage must allow it; the role is the terminal's
    if reason:
        raise Refused(Reason("in_city", "{city}: {reason}", city=row.code, reason=reason))
    actor = Actor(None, f"import:{source}", f"import of {source}")
    values = parse_data(t, data, definition.languages[0])
    return _change(s, row, t, definition, definition_version, actor, values, None, aware(at))


def _change(
    s: Session,
    row: City,
    t: TransitionDef,
    definition: Definition,
    definition_version: str,
    actor: Actor | Person,
    values: dict[str, Any],
    note: str | None,
    at: datetime,
) -> ActResult:
    """Guards, effects, state, audit event, timers and messages of one change, in the caller's transaction."""
    trigger = t.trigger
    values = objective_key(values, definition)  # a label typed in any language names its objective
    facts = gather(s, row, definition, actor.email, values, trigger)
    binding = Binding(state=row.state, paused_from=row.paused_from, facts=facts)  # the machine runs the guards
    if not CITY_MACHINE.fire(binding, trigger):
        alternatives = _alternatives(s, row, actor, trigger) if isinstance(actor, Person) else []
        raise Refused(together(binding.refusals) or "", alternatives)
    effects.apply(s, row, trigger, actor, values, definition, at)
    from_state, old_version = row.state, row.version
    event, message = audit.record(
        row,
        at=at,
        actor_id=actor.id,
        actor=actor.email,
        trigger=trigger,
        from_state=from_state,
        to_state=binding.state,
        definition_version=definition_version,
        note=note,
        data=to_json(values),
        programme=definition.code,
    )
    moved = cast(
        CursorResult[Any],
        s.execute(
            update(City)
            .where(City.id == row.id, City.version == old_version)
            .values(
                state=binding.state,
                paused_from=binding.paused_from,
                state_since=at if binding.state != from_state else row.state_since,
                version=old_version + 1,
                last_hash=event.hash,
            )
            .execution_options(synchronize_session=False)
        ),
    )
    if moved.rowcount != 1:
        raise Conflict(
            Reason(
                "changed_same_moment",
                "{city} was changed by someone else at the same moment; look again and retry.",
                city=row.name,
            )
        )
    timers.follow(s, row, from_state, binding.state, definition, at)
    notify.after_act(
        s,
        row,
        seq=event.seq,
        trigger=trigger,
        actor=actor,
        from_state=from_state,
        to_state=binding.state,
        note=note,
        data=values,
        definition=definition,
        at=at,
        version=old_version + 1,
    )
    s.add_all((event, message))  # after the UPDATE: the event and its announcement go out in one flush
    return ActResult(row.code, trigger, from_state, binding.state, old_version + 1, at)
