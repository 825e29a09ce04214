"""The whole journey of one city, on both databases, as the secretariat would see it."""

from __future__ import annotations

from sqlalchemy import select

from engine.journey.audit import replay, verify
from engine.views.queries import history, status
from models import Grant
from support import JOURNEY, Network


def test_a_city_walks_the_whole_journey(network: Network) -> None:
    network.walk("BKO", "<end>")
    board = {row.city: row for row in status(network.sessions, network.clock)}
    assert board["BKO"].state == "completed"
    assert board["NIM"].state == "selected"
    trail = history(network.sessions, "BKO")
    assert [e.trigger for e in trail] == ["join", "assign_coach"] + [t for t, _, _ in JOURNEY]  # coach: people file
    with network.sessions() as s:
        grants = {g.purpose: (g.amount_minor, g.paid_minor, g.currency) for g in s.scalars(select(Grant))}
        assert grants == {"advance": (1_000_000, 1_000_000, "EUR"), "experiment": (4_000_000, 4_000_000, "EUR")}
        assert verify(s) == []
        assert replay(s) == []
