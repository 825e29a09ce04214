"""Eighteen months of a programme on a simulated clock: every reminder once, at 09:00 local, on a working day."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from engine.deadlines.calendar import calendar_for
from engine.deadlines.sweep import sweep
from models import City, Deadline, OutboxMessage, Rung
from notifications.readers import reads_in_city
from support import JOURNEY, SECRETARIAT, Network

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
END = START + timedelta(days=548)
LEADS = {
    "BKO": "fatoumata.keita@bamako.example.org",
    "MTL": "helio.mondlane@matola.example.org",
    "NKC": "mariem.ahmed@nouakchott.example.org",
    "KGL": "aline.uwase@kigali.example.org",
    "NIM": "aissa.moussa@niamey.example.org",
}
COACHES = {
    "BKO": "amadou.traore@coach.example.org",
    "MTL": "joana.macuacua@coach.example.org",
    "NKC": "amadou.traore@coach.example.org",
    "KGL": "grace.nakato@coach.example.org",
    "NIM": "amadou.traore@coach.example.org",
}
PACE = {"BKO": 9, "MTL": 23, "NKC": 31, "KGL": 14, "NIM": 40}  # days between a city's steps: some are slow


def timeline() -> list[tuple[datetime, str, str, str, dict[str, str]]]:
    """Each city's journey spread over the months at its own pace; Kigali pauses, Niamey withdraws."""
    plan: list[tuple[datetime, str, str, str, dict[str, str]]] = []
    for n, (city, pace) in enumerate(PACE.items()):
        moment = START + timedelta(days=3 + n, hours=2)
        for trigger, by, data in JOURNEY:
            actor = {
                "fatoumata.keita@bamako.example.org": LEADS[city],
                "amadou.traore@coach.example.org": COACHES[city],
            }
            plan.append((moment, city, trigger, actor.get(by, by), data))
            moment += timedelta(days=pace)
            if city == "KGL" and trigger == "finish_onboarding":
                plan.append((moment, city, "pause", SECRETARIAT, {"reason": "Elections"}))
                moment += timedelta(days=45)
                plan.append((moment, city, "resume", SECRETARIAT, {}))
                moment += timedelta(days=2)
            if city == "NIM" and trigger == "record_first_payment":
                plan.append((moment, city, "withdraw", SECRETARIAT, {"reason": "Coup d'État"}))
                break
    return sorted((p for p in plan if p[0] < END), key=lambda p: p[0])


def test_eighteen_months_every_rung_once_at_nine_local_on_a_working_day(network: Network) -> None:
    steps = timeline()
    hour = START.replace(minute=0)
    swept_skips = 0
    while hour <= END:
        while steps and steps[0][0] <= hour:
            moment, city, trigger, by, data = steps.pop(0)
            network.clock = moment - timedelta(hours=1)
            network.act(city, trigger, by, **data)
        if 4 <= hour.hour <= 10:  # 09:00 anywhere from Dakar to Kigali and Paris falls in these UTC hours
            swept_skips += len(sweep(network.sessions, hour).skipped)
        hour += timedelta(hours=1)
    assert steps == []
    assert swept_skips == 0  # swept every hour: nothing to catch up, nothing skipped

    with network.sessions() as s:
        cities = {c.id: c for c in s.scalars(select(City))}
        definition_zone = "Europe/Paris"
        fired = s.execute(
            select(Rung, Deadline).join(Deadline, Deadline.id == Rung.deadline_id).where(Rung.state == "fired")
        ).all()
        keys = Counter(s.scalars(select(OutboxMessage.key).where(OutboxMessage.key.like("rung:%"))))
        still_due = s.scalars(select(Rung).where(Rung.state == "pending", Rung.fire_at <= END)).all()
        states = {c.code: c.state for c in cities.values()}

    assert len(fired) > 100
    assert keys and max(keys.values()) == 1
    for rung, deadline in fired:
        where = cities[deadline.city_id]
        reader = (
            calendar_for(where.country, where.timezone)
            if reads_in_city(rung.audience)
            else calendar_for("FR", definition_zone)
        )
        local = rung.fire_at.astimezone(reader.zone)
        assert rung.fired_at == rung.fire_at, (where.code, deadline.subject, rung.business_days)
        assert (local.hour, local.minute) == (9, 0)
        assert reader.is_working(local.date()), (where.code, local.date(), reader.holiday(local.date()))
    open_due = [r for r in still_due if r.fire_at <= END]
    assert [r.id for r in open_due if r.fire_at < END - timedelta(days=1)] == []
    assert states == {**states, "BKO": "completed", "NIM": "withdrawn"}
    assert {rung.audience for rung, _ in fired} >= {"city", "coach", "secretariat", "finance", "mayor"}
