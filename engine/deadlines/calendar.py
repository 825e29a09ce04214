"""Business days on a country's own calendar: its weekend, its public holidays, its time zone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from models.programme import WORK_STARTS


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days and local hours of one country in one time zone."""

    country: str
    zone: ZoneInfo
    weekend: frozenset[int]
    _holidays: holidays.HolidayBase = field(compare=False, repr=False)

    def holiday(self, day: date) -> str | None:
        """The public holiday's name on day, if any."""
        name = self._holidays.get(day)
        return str(name) if name else None

    def is_working(self, day: date) -> bool:
        """Not a weekend day of this country and not one of its public holidays."""
        return day.weekday() not in self.weekend and day not in self._holidays

    def next_working(self, day: date) -> date:
        """day itself when it is a working day, else the first working day after it."""
        while not self.is_working(day):
            day += timedelta(days=1)
        return day

    def add(self, day: date, business_days: int) -> date:
        """The working day n business days after day (before it when n < 0); n = 0 rolls forward."""
        if business_days == 0:
            return self.next_working(day)
        step = timedelta(days=1 if business_days > 0 else -1)
        left = abs(business_days)
        while left:
            day += step
            if self.is_working(day):
                left -= 1
        return day

    def between(self, start: date, end: date) -> int:
        """Working days after start up to and including end (negative when end is before start)."""
        if end < start:
            return -self.between(end, start)
        return sum(self.is_working(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))

    def local_date(self, moment: datetime) -> date:
        """The date it is here at that moment."""
        return moment.astimezone(self.zone).date()

    def at(self, day: date, hour: time = WORK_STARTS) -> datetime:
        """That local hour on that day, in UTC (DST handled by the zone)."""
        return datetime.combine(day, hour, tzinfo=self.zone).astimezone(UTC)


def add_months(day: date, months: int) -> date:
    """The same day n months later, or the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


@cache
def calendar_for(country: str, zone: str) -> BusinessCalendar:
    """The calendar of a country seen from a time zone; built once per pair."""
    try:
        days = holidays.country_holidays(country)
    except NotImplementedError:
        days = holidays.HolidayBase()  # a country the package does not know: weekends only
    weekend = frozenset(getattr(days, "weekend", None) or {5, 6})
    return BusinessCalendar(country, ZoneInfo(zone), weekend, days)
