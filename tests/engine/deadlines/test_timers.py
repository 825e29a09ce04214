"""Deadlines and reminders on each city's own calendar, asserted on concrete dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.deadlines.calendar import calendar_for
from engine.deadlines.sweep import sweep
from engine.deadlines.timers import fire_time
from engine.lookups import definition_of
from engine.views.queries import deadlines, history, status
from models import City, Deadline, OutboxMessage, Rung
from support import FINANCE, JOURNEY, LEAD_BKO, SECRETARIAT, Network

PARIS = ZoneInfo("Europe/Paris")


def local(zone: str, year: int, month: int, day: int, hour: int) -> datetime:
    """A local wall-clock moment, as the aware datetime the engine is given."""
    return datetime(year, month, day, hour, tzinfo=ZoneInfo(zone))


def deadline_of(network: Network, city: str, subject: str) -> Deadline:
    with network.sessions() as s:
        return s.scalars(
            select(Deadline)
            .join(City)
            .where(City.code == city, Deadline.subject == subject)
            .order_by(Deadline.id.desc())
        ).first()  # type: ignore[return-value]


def rungs_of(network: Network, city: str, subject: str) -> list[Rung]:
    d = deadline_of(network, city, subject)
    with network.sessions() as s:
        return list(s.scalars(select(Rung).where(Rung.deadline_id == d.id).order_by(Rung.seq)))


def test_a_deadline_skips_independence_day_in_mozambique(network: Network) -> None:
    network.clock = local("Africa/Maputo", 2026, 6, 11, 10)  # a Thursday
    network.act("MTL", "confirm", "helio.mondlane@matola.example.org")
    # 10 business days: the 10th would be Thursday 25 June, National Independence Day.
    assert deadline_of(network, "MTL", "confirmed").due_on == date(2026, 6, 26)


def test_mauritania_works_on_sunday_rests_friday_and_saturday_and_keeps_africa_day(network: Network) -> None:
    network.clock = local("Africa/Nouakchott", 2026, 5, 11, 10)  # a Monday
    network.act("NKC", "confirm", "mariem.ahmed@nouakchott.example.org")
    # Skips Fri 15 and Sat 16 (weekend), counts Sunday 17 and 24, skips Mon 25 May (Africa Day).
    assert deadline_of(network, "NKC", "confirmed").due_on == date(2026, 5, 26)


def test_a_secretariat_reminder_on_christmas_waits_for_the_next_working_day_in_paris(network: Network) -> None:
    with network.sessions() as s:
        benguerir = s.scalar(select(City).where(City.code == "BEN"))
        assert benguerir is not None
        definition, _ = definition_of(s, benguerir)
    morocco = calendar_for("MA", "Africa/Casablanca")
    due = morocco.add(date(2026, 12, 25), -20)  # so that +20 business days in Morocco is Friday 25 December
    assert morocco.add(due, 20) == date(2026, 12, 25)  # a working day in Morocco...
    fired = fire_time(benguerir, definition, due, 20, "secretariat")
    assert fired == datetime(2026, 12, 28, 9, 0, tzinfo=PARIS)  # ...but Christmas in Paris: Monday 28, 09:00
    assert fire_time(benguerir, definition, due, 20, "city") == datetime(
        2026, 12, 25, 9, 0, tzinfo=ZoneInfo("Africa/Casablanca")
    )


def test_reminders_keep_nine_o_clock_in_paris_across_the_change_to_summer_time(network: Network) -> None:
    with network.sessions() as s:
        bizerte = s.scalar(select(City).where(City.code == "BIZ"))
        assert bizerte is not None
        definition, _ = definition_of(s, bizerte)
    before = fire_time(bizerte, definition, date(2026, 3, 27), 0, "secretariat")  # Friday, winter time
    after = fire_time(bizerte, definition, date(2026, 3, 30), 0, "secretariat")  # Monday, summer time
    assert (before, after) == (datetime(2026, 3, 27, 8, 0, tzinfo=UTC), datetime(2026, 3, 30, 7, 0, tzinfo=UTC))
    assert before.astimezone(PARIS).hour == after.astimezone(PARIS).hour == 9


def test_each_rung_fires_once_at_nine_local_on_a_working_day(network: Network) -> None:
    network.clock = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    network.act("BKO", "confirm", LEAD_BKO)
    start = datetime(2026, 1, 5, tzinfo=UTC)
    fired = []
    for hour in range(24 * 75):  # hourly, as a scheduler would, for 75 days
        report = sweep(network.sessions, start + timedelta(hours=hour))
        fired += [f for f in report.fired if f.city == "BKO" and f.subject == "confirmed"]
    # "Confirmed" waits on the secretariat (it sends the contract): its ladder chases the secretariat, not the city.
    assert [(f.business_days, f.audience) for f in fired] == [
        (-5, "secretariat"), (0, "secretariat"), (5, "secretariat"), (10, "secretariat"), (20, "secretariat"),
        (30, "secretariat"),
    ]  # fmt: skip
    assert [f.fire_at.date().isoformat() for f in fired] == [
        "2026-01-12",
        "2026-01-19",
        "2026-01-27",
        "2026-02-03",
        "2026-02-17",
        "2026-03-03",
    ]  # fmt: skip  (Tuesday 20 January is Armed Forces Day in Mali: +5 lands on the 27th)
    mali, france = calendar_for("ML", "Africa/Bamako"), calendar_for("FR", "Europe/Paris")
    for f in fired:
        reader = mali if f.audience in ("city", "mayor") else france
        moment = f.fire_at.astimezone(reader.zone)
        assert (moment.hour, moment.minute) == (9, 0)
        assert reader.is_working(moment.date())
    assert all(SECRETARIAT in f.recipients and LEAD_BKO not in f.recipients for f in fired)
    with network.sessions() as s:
        keys = list(s.scalars(select(OutboxMessage.key).where(OutboxMessage.key.like("rung:%"))))
    assert len(keys) == len(set(keys))


def test_after_ten_days_without_sweeps_only_the_latest_rung_goes_and_the_rest_are_recorded(network: Network) -> None:
    network.clock = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    network.act("BKO", "confirm", LEAD_BKO)  # due Monday 19 January
    report = sweep(network.sessions, datetime(2026, 1, 29, 12, 0, tzinfo=UTC))  # nobody swept since the 5th
    bko = [f for f in report.fired if f.city == "BKO" and f.subject == "confirmed"]
    assert [(f.business_days, f.audience) for f in bko] == [(5, "secretariat")]
    skipped = [(k.business_days, k.audience) for k in report.skipped if k.city == "BKO" and k.subject == "confirmed"]
    assert skipped == [(-5, "secretariat"), (0, "secretariat")]
    assert [r.state for r in rungs_of(network, "BKO", "confirmed")] == [
        "skipped", "skipped", "fired", "pending", "pending", "pending",
    ]  # fmt: skip
    assert sweep(network.sessions, datetime(2026, 1, 29, 12, 0, tzinfo=UTC)).fired == []


def test_a_pause_freezes_the_ladder_and_resume_shifts_the_deadline_by_the_pause(network: Network) -> None:
    network.clock = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    network.act("BKO", "confirm", LEAD_BKO)  # due Monday 19 January
    network.clock = datetime(2026, 1, 8, 8, 0, tzinfo=UTC)
    network.act("BKO", "pause", SECRETARIAT, reason="Floods")
    quiet = sweep(network.sessions, datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    assert [f for f in quiet.fired if f.city == "BKO" and f.subject == "confirmed"] == []
    board = {r.city: r for r in status(network.sessions, datetime(2026, 3, 1, tzinfo=UTC))}
    assert (board["BKO"].state, board["BKO"].deadline, board["BKO"].late_by) == ("paused", date(2026, 1, 19), 0)
    network.clock = datetime(2026, 2, 9, 8, 0, tzinfo=UTC)  # 32 days later
    network.act("BKO", "resume", SECRETARIAT)
    shifted = deadline_of(network, "BKO", "confirmed")
    assert shifted.due_on == date(2026, 2, 20)  # 19 January + 32 days, a Friday
    assert shifted.frozen_at is None
    assert [r.fire_at.date().isoformat() for r in rungs_of(network, "BKO", "confirmed")][:2] == [
        "2026-02-13",
        "2026-02-20",
    ]


def test_an_extension_moves_the_deadline_and_the_reminders_still_to_come(network: Network) -> None:
    network.clock = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    network.act("BKO", "confirm", LEAD_BKO)  # due Monday 19 January
    sweep(network.sessions, datetime(2026, 1, 12, 12, 0, tzinfo=UTC))  # the 5-days-before reminder went
    network.act("BKO", "extend_deadline", SECRETARIAT, days="10", reason="Municipal council sits on the 28th")
    extended = deadline_of(network, "BKO", "confirmed")
    assert (extended.due_on, extended.extended_days) == (date(2026, 2, 3), 10)  # skips 20 January
    rungs = rungs_of(network, "BKO", "confirmed")
    assert (rungs[0].state, rungs[0].fire_at.date()) == ("fired", date(2026, 1, 12))
    assert rungs[1].fire_at.date() == date(2026, 2, 3)
    last = history(network.sessions, "BKO")[-1]
    assert (last.trigger, last.by, last.data) == (
        "extend_deadline",
        SECRETARIAT,
        {"days": 10, "reason": "Municipal council sits on the 28th"},
    )


def test_leaving_a_stage_meets_its_deadline_and_cancels_what_was_left(network: Network) -> None:
    network.clock = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    network.act("BKO", "confirm", LEAD_BKO)
    network.act("BKO", "send_contract", SECRETARIAT)
    assert deadline_of(network, "BKO", "confirmed").state == "met"
    assert {r.state for r in rungs_of(network, "BKO", "confirmed")} == {"cancelled"}
    contracting = deadline_of(network, "BKO", "contracting")
    assert (contracting.state, contracting.due_on) == ("open", date(2026, 3, 3))  # 40 business days in Mali
    network.act("BKO", "withdraw", SECRETARIAT, reason="Council decision")
    assert deadline_of(network, "BKO", "contracting").state == "cancelled"
    assert [f for f in sweep(network.sessions, datetime(2026, 6, 1, tzinfo=UTC)).fired if f.city == "BKO"] == []


def test_first_payment_is_chased_through_finance_then_the_secretariat(network: Network) -> None:
    network.clock = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    network.walk("BKO", "record_first_payment")
    assert [(r.business_days, r.audience) for r in rungs_of(network, "BKO", "awaiting_first_payment")] == [
        (0, "finance"),
        (10, "secretariat"),
    ]
    network.act("BKO", "record_first_payment", FINANCE)


def test_the_selection_to_start_alarm_tells_the_secretariat_once(network: Network) -> None:
    # The examples were loaded on 5 January 2026: 120 days later is Tuesday 5 May (Bamako).
    alarm = deadline_of(network, "BKO", "selection_to_start")
    assert (alarm.kind, alarm.due_on) == ("alarm", date(2026, 5, 5))
    report = sweep(network.sessions, datetime(2026, 5, 6, tzinfo=UTC))
    told = [f for f in report.fired if f.city == "BKO" and f.subject == "selection_to_start"]
    assert [(f.audience, f.recipients) for f in told] == [
        ("secretariat", ("claire.martin@aston.example.org", "tom.baker@aston.example.org"))
    ]


def test_the_alarm_stops_once_the_city_starts(network: Network) -> None:
    network.walk("BKO", "tick_objective")  # onboarding: activities have started
    assert deadline_of(network, "BKO", "selection_to_start").state == "met"


def test_overdue_lists_late_cities_with_business_days_late(network: Network) -> None:
    network.clock = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    network.act("BKO", "confirm", LEAD_BKO)  # due Monday 19 January
    late = {
        (r.city, r.subject): r for r in deadlines(network.sessions, datetime(2026, 1, 23, 12, tzinfo=UTC), overdue=True)
    }
    # 20 January is a holiday in Mali: 21, 22, 23 count.
    assert late[("BKO", "confirmed")].late_by == 3
    # Niger rests on Sundays only: counting Saturdays, Niamey's 15 business days ran out on Thursday 22 January.
    assert set(late) == {("BKO", "confirmed"), ("NIM", "selected")}
    assert (late[("NIM", "selected")].due_on, late[("NIM", "selected")].late_by) == (date(2026, 1, 22), 1)
    board = {r.city: r for r in status(network.sessions, datetime(2026, 1, 23, 12, tzinfo=UTC))}
    assert (board["BKO"].deadline, board["BKO"].late_by, board["BKO"].mark) == (date(2026, 1, 19), 3, "late")
    assert board["KLA"].mark == "on time"
    later = {r.city: r for r in status(network.sessions, datetime(2026, 2, 18, 12, tzinfo=UTC))}
    assert (later["BKO"].late_by, later["BKO"].mark) == (21, "very late")  # past the programme's 20


def silent_told(network: Network, city: str, at: datetime) -> list[tuple[str, ...]]:
    return [f.recipients for f in sweep(network.sessions, at).fired if f.city == city and f.subject == "silent"]


def test_a_city_silent_for_thirty_days_is_reported_to_the_secretariat_once_it_owes_something_late(
    network: Network,
) -> None:
    network.clock = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    network.act("BKO", "confirm", LEAD_BKO)  # 5 January, 09:00 UTC
    network.clock = datetime(2026, 1, 26, 8, 0, tzinfo=UTC)
    network.act("BKO", "send_contract", SECRETARIAT)  # heard on 26 January: silence would start then
    assert silent_told(network, "BKO", datetime(2026, 2, 20, tzinfo=UTC)) == []  # not 30 days yet
    silence = deadline_of(network, "BKO", "silent")
    assert silence.due_on == date(2026, 2, 25)  # 26 January + 30 days (Wednesday)
    secretariat = ("claire.martin@aston.example.org", "tom.baker@aston.example.org")
    # Quiet for 30 days, but the contract is not due before late March: nothing to alarm about yet.
    assert silent_told(network, "BKO", datetime(2026, 2, 25, 9, 0, tzinfo=UTC)) == []
    assert deadline_of(network, "BKO", "contracting").due_on < date(2026, 3, 30)
    assert silent_told(network, "BKO", datetime(2026, 3, 31, 9, 0, tzinfo=UTC)) == [secretariat]  # late and quiet
    assert silent_told(network, "BKO", datetime(2026, 4, 1, tzinfo=UTC)) == []  # told once, not every sweep
    network.clock = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)
    network.act("BKO", "sign_contract", SECRETARIAT, amount="10000", currency="EUR")  # news again
    assert deadline_of(network, "BKO", "silent").due_on == date(2026, 5, 4)  # a new silence: 2 May is a Saturday


def test_a_paused_city_is_not_reported_silent(network: Network) -> None:
    network.clock = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    network.act("BKO", "pause", SECRETARIAT, reason="Coup d'État")
    assert silent_told(network, "BKO", datetime(2026, 6, 1, tzinfo=UTC)) == []


def test_each_stage_reminds_whoever_it_waits_on(network: Network) -> None:
    """The early rungs (before, on and just after the due date) go to the party whose move it is."""
    expected = {
        "selected": "city",  # confirm interest
        "confirmed": "secretariat",  # send the contract
        "contracting": "city",  # sign it, send bank details
        "awaiting_first_payment": "finance",  # pay the advance
        "onboarding": "city",
        "experiment_planning": "city",
        "plan_review": "coach",  # review the plan
        "investment_committee": "committee",  # the committee meets
        "final_reporting": "city",
    }
    seen: dict[str, set[str]] = {}

    def look() -> None:
        with network.sessions() as s:
            city = s.scalar(select(City).where(City.code == "BKO"))
            assert city is not None
            rungs = s.execute(
                select(Rung.audience)
                .join(Deadline, Deadline.id == Rung.deadline_id)
                .where(Deadline.city_id == city.id, Deadline.kind == "stage", Deadline.subject == city.state)
                .where(Deadline.state == "open", Rung.business_days <= 5)
            ).scalars()
            found = set(rungs)
            if found:
                seen[city.state] = found

    look()
    for trigger, by, data in JOURNEY:
        network.act("BKO", trigger, by, **data)
        look()
    assert seen == {stage: {party} for stage, party in expected.items()}
