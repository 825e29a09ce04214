"""Rendering apart from sending: one message kind, one reader's language and zone, a plain-text and an HTML part."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, localcontext
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal, format_percent
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from notifications.catalogue import kind
from notifications.words import LANGUAGES, ROLES, STAGES, subject_name

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Rendered:
    """What a reader receives, before any channel wraps it."""

    subject: str
    text: str
    html: str
    language: str


def language_for(person: str | None, city: Sequence[str], programme: Sequence[str]) -> str:
    """The reader's language: their own, else their city's first, else the programme's first we write in."""
    for choice in (person, *city, *programme):
        if choice and choice in LANGUAGES:
            return choice
    return "en"


# --- filters: dates, times and money in the reader's locale and time zone -------------------------------------------


def _on(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


@pass_context
def _date(ctx: Context, value: date | str, form: str = "long") -> str:
    """A day; a moment's day as the reader's calendar has it (its hour would say nothing the reader needs)."""
    if isinstance(value, datetime) or (isinstance(value, str) and "T" in value):
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        return format_date(moment.astimezone(ZoneInfo(ctx["tz"])).date(), form, locale=ctx["lang"])
    return format_date(_on(value), form, locale=ctx["lang"])


@pass_context
def _datetime(ctx: Context, value: datetime | str, form: str = "long") -> str:
    """A moment in the reader's own zone, to the minute, with the zone named so nobody guesses."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    local = moment.astimezone(ZoneInfo(ctx["tz"]))
    when = format_date(local.date(), form, locale=ctx["lang"])
    return f"{when}, {format_time(local, 'HH:mm', locale=ctx['lang'])} ({utc_offset(local)})"


def utc_offset(moment: datetime) -> str:
    """'UTC', 'UTC+1', 'UTC+5:30': read the same way in every language."""
    minutes = int((moment.utcoffset() or timedelta()).total_seconds() // 60)
    if not minutes:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


MONEY_LOCALES = {"pt": "pt_PT"}
"""Jalon writes European Portuguese: 40 000,00 €, not Brazil's € 40.000,00."""
_GLUED = re.compile(r"(?<=[^\W\d])(?=\d)|(?<=\d)(?=[^\W\d])")


def money(amount: Decimal | str | int, currency: str, language: str) -> str:
    """The one money rule: the reader's locale, and a symbol made of letters never glued to the digits.

    Babel writes "F CFA22,957,495" and "RWF22,957,495" in English; a no-break space keeps them apart.
    """
    with localcontext() as wide:  # Babel rounds in the current context: 28 digits would fail on a 30-digit amount
        wide.prec = 80
        text = format_currency(Decimal(str(amount)), currency, locale=MONEY_LOCALES.get(language, language))
    return _GLUED.sub("\u00a0", text)


@pass_context
def _money(ctx: Context, amount: Decimal | str | int, currency: str) -> str:
    return money(amount, currency, ctx["lang"])


@pass_context
def _number(ctx: Context, value: int | Decimal | str) -> str:
    return format_decimal(Decimal(str(value)), locale=ctx["lang"])


@pass_context
def _stage(ctx: Context, code: str) -> str:
    return STAGES[ctx["lang"]][code]


@pass_context
def _subject(ctx: Context, code: str) -> str:
    return subject_name(code, ctx["lang"])


@pass_context
def _role(ctx: Context, code: str) -> str:
    return ROLES[ctx["lang"]][code]


# --- helpers the templates call for structure; each mode draws it its own way --------------------------------------

Rows = Iterable[Sequence[Any]]


class Parts:
    """Cells formatted in the reader's language: a table column says what it holds, the helper says it well."""

    def __init__(self, language: str, tz: str) -> None:
        self.language, self.tz = language, tz
        self.colon = "\u00a0:" if language == "fr" else ":"  # French sets a space before the colon

    def cell(self, value: Any, form: str = "text") -> str:
        """One value as the reader reads it; an empty value stays empty."""
        if value is None or value == "":
            return ""
        match form:
            case "stage":
                return STAGES[self.language][value]
            case "subject":
                return subject_name(value, self.language)
            case "date":
                return format_date(_on(value), "medium", locale=self.language)
            case "number":
                return format_decimal(Decimal(str(value)), locale=self.language)
            case "percent":
                return format_percent(Decimal(str(value)) / 100, locale=self.language)
            case "money":
                amount, currency = value
                return money(amount, currency, self.language)
            case _:
                return str(value)

    def _rows(self, rows: Rows, forms: Sequence[str] | None) -> list[list[str]]:
        return [[self.cell(v, forms[i] if forms else "text") for i, v in enumerate(row)] for row in rows]

    def label(self, value: Any) -> str:
        """A label given in several languages (an onboarding objective) in the reader's, else the first given."""
        if isinstance(value, Mapping):
            return str(value.get(self.language) or next(iter(value.values()), ""))
        return str(value)

    def _people(self, contacts: Iterable[Mapping[str, str]]) -> list[tuple[str, str]]:
        return [(ROLES[self.language][c["role"]].capitalize(), f"{c['name']} <{c['email']}>") for c in contacts]


class TextParts(Parts):
    """Structure drawn as plain text: aligned facts, dashes for lists."""

    def facts(self, pairs: Rows) -> str:
        kept = [(str(k), str(v)) for k, v in pairs if v not in (None, "")]
        width = max((len(k) for k, _ in kept), default=0) + len(self.colon)
        return "\n".join(f"  {k + self.colon:<{width}} {v}" for k, v in kept)

    def items(self, values: Iterable[Any]) -> str:
        return "\n".join(f"  - {self.label(v)}" for v in values)

    def table(self, head: Sequence[str], rows: Rows, forms: Sequence[str] | None = None) -> str:
        lines = []
        for first, *rest in self._rows(rows, forms):  # the first cell names the row; the others say their heading
            said = [f"{h}{self.colon} {c}" if h else c for h, c in zip(head[1:], rest, strict=False) if c]
            lines.append("  - " + " · ".join(c for c in (first, *said) if c))
        return "\n".join(lines)

    def people(self, contacts: Iterable[Mapping[str, str]]) -> str:
        return self.facts(self._people(contacts))

    def link(self, url: str, label: str) -> str:
        return f"{label}{self.colon}\n{url}"


PLAIN = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
"""An address made into a mailto link: letters, digits and . _ % + - before the @, a dotted domain after it."""


class HtmlParts(Parts):
    """Structure drawn as HTML; every value escaped here, so a name can never become markup."""

    def facts(self, pairs: Rows) -> Markup:
        cells = "".join(
            f'<tr><th style="text-align:left;padding:2px 12px 2px 0">{escape(k)}</th><td>{escape(v)}</td></tr>'
            for k, v in pairs
            if v not in (None, "")
        )
        return Markup(f"<table>{cells}</table>")  # noqa: S704 - every value escaped above

    def items(self, values: Iterable[Any]) -> Markup:
        return Markup("<ul>" + "".join(f"<li>{escape(self.label(v))}</li>" for v in values) + "</ul>")  # noqa: S704

    def table(self, head: Sequence[str], rows: Rows, forms: Sequence[str] | None = None) -> Markup:
        top = "".join(f'<th style="text-align:left;padding:2px 8px">{escape(h)}</th>' for h in head)
        body = "".join(
            "<tr>" + "".join(f'<td style="padding:2px 8px">{escape(c)}</td>' for c in row) + "</tr>"
            for row in self._rows(rows, forms)
        )
        return Markup(f'<table style="border-collapse:collapse"><tr>{top}</tr>{body}</table>')  # noqa: S704 - escaped

    def people(self, contacts: Iterable[Mapping[str, str]]) -> Markup:
        """A list that wraps on a phone (a table of name and address runs off it): name, role, then the address,
        a mailto link only when it is a plain address (nothing a mail app could read as more than one recipient)."""
        shown = []
        for c in contacts:
            role, email = ROLES[self.language][c["role"]].capitalize(), c["email"]
            address = (
                f'<a href="mailto:{escape(email)}">{escape(email)}</a>' if PLAIN.fullmatch(email) else escape(email)
            )
            shown.append(
                f'<li style="margin:0 0 6px"><strong>{escape(c["name"])}</strong>, {escape(role)}<br>{address}</li>'
            )
        style = "margin:8px 0;padding-left:20px;overflow-wrap:anywhere;word-break:break-word"
        return Markup(f'<ul style="{style}">' + "".join(shown) + "</ul>")  # noqa: S704 - every value escaped above

    def link(self, url: str, label: str) -> Markup:
        """A button-like link; only http(s) addresses are ever made into links."""
        if not url.startswith(("https://", "http://")):
            raise ValueError("a link must be an http(s) address")
        style = "display:inline-block;padding:10px 16px;background:#1d4ed8;color:#fff;border-radius:6px"
        return Markup(f'<p><a href="{escape(url)}" style="{style}">{escape(label)}</a></p>')  # noqa: S704 - escaped


def paragraphs(body: str) -> Markup:
    """Blank-line separated text becomes <p>s; blocks drawn by HtmlParts (already markup) stay as they are.

    The body is the output of an autoescaped block: its text is escaped, so a line starting with "<" can
    only be a block HtmlParts drew (a table, a list), which is never put inside a <p>.
    """
    out: list[str] = []
    for chunk in re.split(r"\n\s*\n", str(body)):
        text: list[str] = []
        for line in chunk.strip().splitlines():
            if line.startswith("<"):
                if text:
                    out.append("<p>" + "<br>\n".join(text) + "</p>")
                    text = []
                out.append(line)
            elif line.strip():
                text.append(line)
        if text:
            out.append("<p>" + "<br>\n".join(text) + "</p>")
    return Markup("\n".join(out))  # noqa: S704 - escaped text and HtmlParts' own markup only


def _environment(autoescape: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=autoescape,  # noqa: S701 - off only for the text/plain part and subjects, which are not HTML
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(date=_date, datetime=_datetime, money=_money, number=_number)
    env.filters["paragraphs"] = paragraphs
    env.globals.update(stage=_stage, subject=_subject, role=_role)
    return env


@cache
def environments() -> tuple[Environment, Environment]:
    """The text environment (no escaping: it is not HTML) and the HTML one (autoescape on); built once."""
    return _environment(False), _environment(True)


def _tidy(text: str) -> str:
    """Plain text as a person would type it: no trailing spaces, at most one blank line in a row."""
    lines = [line if line == "-- " else line.rstrip() for line in text.strip().splitlines()]  # "-- " opens a signature
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def render(code: str, language: str, context: Mapping[str, Any]) -> Rendered:
    """One kind in one language; a missing value is an error (StrictUndefined), never a blank in a letter."""
    if language not in LANGUAGES:
        raise ValueError(f"No templates in '{language}'; Jalon writes in {', '.join(LANGUAGES)}.")
    name = f"{language}/{kind(code).template}.jinja"
    text_env, html_env = environments()
    values = {"lang": language, "base": f"{language}/_base.jinja", **context}
    text_parts, html_parts = TextParts(language, values["tz"]), HtmlParts(language, values["tz"])
    text_tpl = text_env.get_template(name)
    subject = " ".join("".join(text_tpl.blocks["subject"](text_tpl.new_context(values | {"h": text_parts}))).split())
    text = text_tpl.render(values | {"layout": "layout.txt", "h": text_parts})
    html = html_env.get_template(name).render(values | {"layout": "layout.html", "h": html_parts, "title": subject})
    return Rendered(subject, _tidy(text), html, language)
