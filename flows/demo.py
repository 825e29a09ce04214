"""The main job's flow: a whole programme played on a simulated clock, sweeps and deliveries as Prefect tasks.

One flow run for the whole story: each simulated day, the morning sweep, the day's acts (people acting
through engine.act, in time order), then the acts' events and the day's mail; the secretariat's digest on
Mondays and the bulletin on the first Monday of each month. A task costs a few milliseconds, a flow run a
few hundred, which is why a day is tasks and not a flow run of its own.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from prefect import flow
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from sqlalchemy.orm import Session, sessionmaker

from engine import act, database
from engine.deadlines.calendar import add_months
from engine.errors import JalonError
from flows.cohort import onboard_cohort
from flows.heartbeat import sweep_and_deliver
from flows.story import Player, Step, cast_players, plan_next
from flows.tasks import bulletin_task, deliver_task, digest_task, publish_task, sweep_task
from flows.weekly import weekly_digest

LOOK_AGAIN = timedelta(days=7)  # a city with nothing to do now is looked at again a week later
Progress = Callable[[str], None]


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
        morning = datetime.combine(day, time(9, 30), tzinfo=UTC)
        counts["reminders"] += sweep_task(morning.isoformat())["fired"]
        if day.weekday() == 0:
            counts["digests"] += digest_task(morning.isoformat())
            if day.day <= 7:
                counts["bulletins"] += bulletin_task(morning.isoformat())
        evening = datetime.combine(day, time(18), tzinfo=UTC)
        while queue and queue[0][0] <= evening:
            _, _, step = heapq.heappop(queue)
            counts.update(_play(sessions, step))
            plan(players[step.city], step.at)
        counts["events"] += publish_task(evening.isoformat())
        sent = deliver_task(evening.isoformat())
        counts["sent"] += sent["sent"]
        counts["failed"] += sent["failed"]
        day += timedelta(days=1)
        if day.strftime("%Y-%m") != month:
            print(_month_line(month, counts), flush=True)
            month = day.strftime("%Y-%m")
    return dict(counts)


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
        sweep_and_deliver(end.isoformat())
        weekly_digest(end.isoformat())
    return cohort, story, end
