"""The main job's flow: a whole programme played on a simulated clock, sweeps and deliveries as Prefect tasks.

One flow run for the whole story. Each simulated day the clock stops where a real heartbeat would have
found work: when a rung falls due (a sweep), when someone acts (through engine.act; then the act's events),
when a queued message may leave (a delivery), and on Mondays at the secretariat's digest hour (the bulletin
on the first Monday of each month). Each message is delivered, and dated, at the moment it may leave: a
reminder at 09:00 in its reader's zone, an act's message when the act is done. A task costs a few
milliseconds, a flow run a few hundred, which is why a day is tasks and not a flow run of its own.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from sqlalchemy.orm import Session, sessionmaker

from engine import act, database
from engine.deadlines.calendar import add_months
from engine.errors import JalonError
from flows.cohort import onboard_cohort
from flows.heartbeat import sweep_and_deliver
from flows.story import Player, Step, cast_players, plan_next
from flows.tasks import agenda_task, bulletin_task, deliver_task, digest_task, publish_task, sweep_task
from flows.weekly import weekly_digest

LOOK_AGAIN = timedelta(days=7)  # a city with nothing to do now is looked at again a week later
Progress = Callable[[str], None]
PARIS = ZoneInfo("Europe/Paris")  # the secretariat's schedules, as in prefect.yaml: digest 08:00, bulletin 10:00
Queue = list[tuple[datetime, int, Step]]


def in_paris(day: date, hour: int) -> datetime:
    """A Paris hour on a day, in UTC: when the weekly flows run."""
    return datetime.combine(day, time(hour), tzinfo=PARIS).astimezone(UTC)


@flow(name="play-programme")
def play_programme(start: str, months: int = 18, seed: int = 7) -> dict[str, int]:
    """Play `months` of the programme from `start`, seeded; returns what happened, counted."""
    begin = datetime.fromisoformat(start)
    end = datetime.combine(add_months(begin.date(), months), time(0), tzinfo=UTC)
    sessions = database.sessions()
    players = cast_players(sessions, seed)
    queue: list[tuple[datetime, int, Step]] = []
    order = 0

    def plan(player: Player, now: datetime) -> None:
        nonlocal order
        step = plan_next(sessions, player, now) or Step(now + LOOK_AGAIN, player.code, "", "")
        order += 1
        heapq.heappush(queue, (step.at, order, step))

    for player in players.values():
        plan(player, begin)
    counts: Counter[str] = Counter()
    day = begin.date()
    month = day.strftime("%Y-%m")
    while day < end.date():
        _play_day(sessions, day, queue, lambda step: plan(players[step.city], step.at), counts)
        day += timedelta(days=1)
        if day.strftime("%Y-%m") != month:
            print(_month_line(month, counts), flush=True)
            month = day.strftime("%Y-%m")
    return dict(counts)


def _play_day(
    sessions: sessionmaker[Session], day: date, queue: Queue, again: Callable[[Step], None], counts: Counter[str]
) -> None:
    """One day, stopping at each moment something is due: sweep, weekly flows, acts, events, then the mail due."""
    start = datetime.combine(day, time(0), tzinfo=UTC)
    stop = start + timedelta(days=1)
    stops = {(datetime.fromisoformat(t), what) for t, what in agenda_task(start.isoformat(), stop.isoformat())}
    weekly = {in_paris(day, 8): "digest", in_paris(day, 10): "bulletin"} if day.weekday() == 0 else {}
    if day.day > 7:
        weekly = {t: what for t, what in weekly.items() if what == "digest"}
    stops |= set(weekly.items())
    now = start - timedelta(seconds=1)
    while True:
        ahead = [t for t, _ in stops if t > now] + (
            [max(queue[0][0], now, start)] if queue and queue[0][0] < stop else []
        )
        if not ahead:
            return
        now = min(ahead)
        doing = {what for t, what in stops if t == now}
        when = now.isoformat()
        if "sweep" in doing:
            counts["reminders"] += sweep_task(when)["fired"]
        if "digest" in doing:
            counts["digests"] += digest_task(when)
        if "bulletin" in doing:
            counts["bulletins"] += bulletin_task(when)
        acted = False
        while queue and queue[0][0] <= now:
            _, _, step = heapq.heappop(queue)
            counts.update(_play(sessions, step))
            again(step)
            acted = True
        if acted:
            counts["events"] += publish_task(when)
        sent = deliver_task(when)
        counts["sent"] += sent["sent"]
        counts["failed"] += sent["failed"]
        if doing - {"deliver"} or acted:  # new rows may leave later today (a reader's own hour), new rungs fall due
            stops |= {(datetime.fromisoformat(t), what) for t, what in agenda_task(when, stop.isoformat())}


def _play(sessions: sessionmaker[Session], step: Step) -> Counter[str]:
    """One person's act through the one door; a refusal is part of the story, counted, never a crash."""
    if not step.trigger:
        return Counter()
    try:
        act(sessions, step.city, step.trigger, step.by, at=step.at, data=step.data)
    except JalonError:
        return Counter({"refused": 1})
    return Counter({"acts": 1, step.trigger: 1})


def _month_line(month: str, counts: Counter[str]) -> str:
    """One line of progress per simulated month, with the running totals."""
    return (
        f"{month}  acts {counts['acts']:>4}  reminders {counts['reminders']:>4}  "
        f"messages sent {counts['sent']:>5}  approvals {counts['approve_grant']:>2}  "
        f"tranches paid {counts['pay_tranche'] + counts['record_first_payment']:>3}"
    )


def run(examples: Path, start: str, months: int, seed: int) -> tuple[dict[str, object], dict[str, int], datetime]:
    """The whole demo as flow runs: the cohort onboarded, the programme played, a last heartbeat and digest.

    Heartbeats detect crashed runs of long flows; these run in-process, and each costs a second here.
    """
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        cohort = onboard_cohort(
            str(examples / "cities.csv"), str(examples / "people.csv"), str(examples / "programme.yaml"), start
        )
        story = play_programme(start, months, seed)
        end = datetime.combine(add_months(datetime.fromisoformat(start).date(), months), time(0), tzinfo=UTC)
        closing = in_paris(end.date(), 8).isoformat()  # the last morning: what is due, and the secretariat's digest
        sweep_and_deliver(closing)
        weekly_digest(closing)
    return cohort, story, end
