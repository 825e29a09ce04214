"""Who reads a message: the one place roles become readers, and where each reader's clock is."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import Person, RoleAssignment
from notifications.catalogue import CITY_TEAM

# A reminder ladder names audiences (the programme file's words); each is read by these roles.
AUDIENCE_ROLES: Final[dict[str, tuple[str, ...]]] = {
    "city": CITY_TEAM,
    "coach": ("coach",),
    "mayor": ("mayor",),
    "secretariat": ("secretariat",),
    "finance": ("finance",),
    "committee": ("committee_member",),
}
# Roles that live in the city: they read times in the city's zone; the others in the programme's.
CITY_SIDE: Final = frozenset({*CITY_TEAM, "mayor", "committee_member", "partner"})


@dataclass(frozen=True)
class Reader:
    """One person reading for one role: who, and the time zone of their own, if they gave one."""

    person_id: int
    email: str
    role: str
    timezone: str | None


def reads_in_city(role_or_audience: str) -> bool:
    """Does this reader (a role, or a ladder audience) read in the city's zone rather than the programme's?"""
    roles = AUDIENCE_ROLES.get(role_or_audience, (role_or_audience,))
    return all(r in CITY_SIDE for r in roles)


def zone_of(reader_zone: str | None, role: str, city_zone: str | None, programme_zone: str) -> str:
    """The zone a reader reads in: their own, else the city's for city-side roles, else the programme's."""
    if reader_zone:
        return reader_zone
    return city_zone if city_zone and reads_in_city(role) else programme_zone


@dataclass
class Readership:
    """Who holds which role, for a set of cities: network-wide holders kept once, not copied to every city."""

    by_city: dict[tuple[int, str], list[Reader]]
    network: dict[str, list[Reader]]

    def of(self, city_id: int, role: str) -> list[Reader]:
        """The readers of a role for one city: its own holders, then the network's."""
        return self.by_city.get((city_id, role), []) + self.network.get(role, [])

    def audience(self, city_id: int, audience: str) -> list[Reader]:
        """The readers of a ladder's audience for one city, each once, by email (none: the secretariat stands in)."""
        found = {r.person_id: r for role in AUDIENCE_ROLES.get(audience, (audience,)) for r in self.of(city_id, role)}
        return sorted(found.values(), key=lambda r: r.email)

    def everyone(self) -> set[int]:
        """Every person found, once."""
        return {r.person_id for group in (*self.by_city.values(), *self.network.values()) for r in group}


def readers(s: Session, city_ids: Iterable[int], roles: Iterable[str]) -> Readership:
    """Everyone holding each role for each city, or network-wide, in one query: the one place roles become readers."""
    wanted, ids = set(roles), set(city_ids)
    found = Readership(defaultdict(list), defaultdict(list))
    if not wanted:
        return found
    rows = s.execute(
        select(RoleAssignment.city_id, RoleAssignment.role, Person.id, Person.email, Person.timezone)
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(
            RoleAssignment.role.in_(wanted),
            or_(RoleAssignment.city_id.in_(ids), RoleAssignment.city_id.is_(None)),
        )
        .order_by(Person.id)
    )
    for city_id, role, person_id, email, zone in rows:
        reader = Reader(person_id, email, role, zone)
        if city_id is None:
            found.network[role].append(reader)
        else:
            found.by_city[(city_id, role)].append(reader)
    return found


def holders(s: Session, city_ids: Iterable[int], roles: Iterable[str]) -> list[int]:
    """The people holding any of these roles for these cities (or network-wide), each once, in a stable order."""
    return sorted(readers(s, city_ids, roles).everyone())
