"""A changed programme file becomes a new version; each city keeps the rules it started under."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine import Refused
from engine.intake.importers import import_cities
from engine.intake.programme import load
from models import AuditEvent
from support import COACH_BEN, EXAMPLES, PLAN, SECRETARIAT, SECRETARIAT_2, START, Network


def test_cities_stay_pinned_to_the_version_they_joined_on(network: Network, tmp_path: Path) -> None:
    stricter = tmp_path / "programme.yaml"
    text = (EXAMPLES / "programme.yaml").read_text(encoding="utf-8")
    stricter.write_text(text.replace('{amount: "50000", currency: EUR}', '{amount: "30000", currency: EUR}'))
    assert load(network.sessions, stricter, at=START) == ("ASTON", 2, True)
    assert load(network.sessions, stricter, at=START) == ("ASTON", 2, False)
    newcomer = tmp_path / "cities.csv"
    newcomer.write_text("code,name,country,timezone,languages\nDKR,Dakar,SN,Africa/Dakar,fr\n", encoding="utf-8")
    assert import_cities(network.sessions, newcomer, at=START) == (1, 0)

    network.walk("BKO", "approve_grant")
    network.act("BKO", "approve_grant", SECRETARIAT, amount="45000", currency="EUR")  # v1: ceiling 50,000

    network.walk("DKR", "submit_plan", lead=SECRETARIAT)
    network.act("DKR", "assign_coach", SECRETARIAT_2, coach=COACH_BEN)
    network.act("DKR", "submit_plan", SECRETARIAT, **PLAN)
    network.act("DKR", "send_to_committee", COACH_BEN)
    with pytest.raises(Refused, match="45,000 EUR is above the programme's ceiling of 30,000 EUR"):
        network.act("DKR", "approve_grant", SECRETARIAT, amount="45000", currency="EUR")

    with network.sessions() as s:
        judged = s.execute(
            select(AuditEvent.trigger, AuditEvent.definition_version).where(AuditEvent.trigger == "send_contract")
        ).all()
    assert sorted(v for _, v in judged) == ["ASTON v1 / city-journey/1", "ASTON v2 / city-journey/1"]
