"""The demo's HTML report: a timeline chart of every city's journey, drawn as SVG, with the figures beside it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from engine.views.timeline import Journey

ROW, LABEL, WIDTH = 34, 150, 1100  # pixels: one row per city, the names column, the chart's width
COLOURS = {
    "selected": "#c7d2fe",
    "confirmed": "#a5b4fc",
    "contracting": "#fde68a",
    "awaiting_first_payment": "#fcd34d",
    "onboarding": "#bbf7d0",
    "experiment_planning": "#86efac",
    "plan_review": "#67e8f9",
    "investment_committee": "#22d3ee",
    "experimenting": "#4ade80",
    "final_reporting": "#16a34a",
    "completed": "#15803d",
    "paused": "#d1d5db",
    "declined": "#fca5a5",
    "withdrawn": "#f87171",
    "rejected": "#ef4444",
}
MARKS = {"reminder": "#2563eb", "escalation": "#ea580c", "alarm": "#dc2626"}


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    colour: str
    title: str


@dataclass(frozen=True)
class Dot:
    x: float
    kind: str
    colour: str
    title: str


@dataclass(frozen=True)
class Row:
    y: int
    code: str
    name: str
    state: str
    bars: list[Bar]
    dots: list[Dot]
    lag: tuple[float, float, int] | None  # selection-to-start: from x, to x, days
    counts: Counter[str]


def write(path: Path, journeys: list[Journey], start: datetime, end: datetime, title: str) -> Path:
    """Draw the chart and write one self-contained HTML file (no script, no external resource)."""
    span = (end - start).total_seconds() or 1.0

    def x(moment: datetime) -> float:
        return round(LABEL + (WIDTH - LABEL) * max(0.0, min(1.0, (moment - start).total_seconds() / span)), 1)

    rows = []
    for i, j in enumerate(journeys):
        bars = [
            Bar(
                x(s.start),
                max(1.0, x(s.end) - x(s.start)),
                COLOURS.get(s.state, "#e5e7eb"),
                f"{j.name}: {s.label}, {s.start:%d %b %Y} to {s.end:%d %b %Y}",
            )
            for s in j.spans
        ]
        dots = [
            Dot(x(m.at), m.kind, MARKS[m.kind], f"{m.at:%d %b %Y}: {m.kind} to {m.audience} ({m.subject})")
            for m in j.marks
        ]
        lag = (x(j.selected_at), x(j.started_at), j.selection_to_start_days or 0) if j.started_at else None
        rows.append(Row(40 + i * ROW, j.code, j.name, j.state, bars, dots, lag, Counter(m.kind for m in j.marks)))
    months = []
    cursor = datetime(start.year, start.month, 1, tzinfo=start.tzinfo)
    while cursor <= end:
        if cursor >= start and x(cursor) < WIDTH - 40:  # no label cut by the right edge
            months.append((x(cursor), cursor.strftime("%b %Y") if cursor.month in (1, 4, 7, 10) else ""))
        cursor = datetime(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1, tzinfo=start.tzinfo)
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html", "jinja"]),
        undefined=StrictUndefined,
    )
    html = env.get_template("report.html.jinja").render(
        title=title,
        rows=rows,
        months=months,
        colours=COLOURS,
        marks=MARKS,
        width=WIDTH,
        label=LABEL,
        height=60 + len(rows) * ROW,
        start=start,
        end=end,
    )
    path.write_text(html, encoding="utf-8")
    return path
