"""The city page and its forms: what the city owes and when, what the reader may do now, and a refused act given
back as typed, with the reason beside the field at fault, all in the reader's language and time zone."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import FastAPI, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session, sessionmaker

from engine import Option, act
from engine.access.tokens import Signer
from engine.errors import InvalidData, JalonError
from engine.lookups import find_city
from engine.views.dossier import Dossier, dossier
from engine.views.queries import HistoryEntry, can, history, names_of, roles_here
from flows.announce import announce
from notifications.readers import AUDIENCE_ROLES, readers, reads_in_city, zone_of
from notifications.reasons import say
from notifications.words import ROLES, TRANCHES, act_name, subject_name
from states import CITY_JOURNEY, Tag
from web import auth
from web.answers import language
from web.formats import day, moment, money
from web.forms import Input, Typed, fault_above, inputs, objective_words, tell
from web.words import UI

Page = Callable[..., Response]
Who = Callable[[Request], auth.Reader]
TICK = "tick_objective"
ACTIVE = frozenset(s.name for s in CITY_JOURNEY.states if Tag.ACTIVE in s.tags)
FOLDED = frozenset(t.trigger for t in CITY_JOURNEY.transitions if t.needs and set(t.sources) >= ACTIVE)
"""Acts with a form that every active stage offers (details, coach, extension, pause, withdrawal): folded away, so
the acts of the stage itself come first on a phone."""


def zone_for(reader: auth.Reader, roles: set[str], file: Dossier) -> str:
    """The reader's own zone; else the city's for those who live in it (its team, mayor, committee, partners);
    else the programme's, as their messages are timed (notifications.readers)."""
    city_side = bool(roles) and all(reads_in_city(role) for role in roles)
    return zone_of(reader.timezone, next(iter(roles)) if city_side else "", file.timezone, file.programme_zone)


def unheld(sessions: sessionmaker[Session], code: str, audiences: set[str]) -> set[str]:
    """The ladder's audiences no one holds for this city, nor network-wide: the sweep tells the secretariat instead.

    Who reads an audience is notifications.readers' one rule (its roles, this city's holders and the network's).
    """
    if not audiences:
        return set()
    with sessions() as s:
        city = find_city(s, code).id
        people = readers(s, [city], {role for a in audiences for role in AUDIENCE_ROLES.get(a, (a,))})
    return {a for a in audiences if not people.audience(city, a)}


def ladder(file: Dossier, lang: str, zone: str, nobody: Collection[str] = ()) -> list[tuple[str, str, str, str]]:
    """The current deadline's reminders as words: when, to whom (the secretariat standing in for an audience no one
    holds), at what local time, whether sent."""
    words, rows = UI[lang], []
    for days, audience, fire_at, state in file.deadline.rungs if file.deadline else ():
        when = (
            words["on_the_day"] if days == 0 else words["days_before" if days < 0 else "days_after"].format(n=abs(days))
        )
        whom = words.get(f"audience_{audience}") or ROLES[lang].get(audience, audience)
        whom = words["stand_in"].format(whom=whom) if audience in nobody else whom
        rows.append((when, whom, moment(fire_at, lang, zone), words.get(f"rung_{state}", "")))
    return rows


def ledgers(file: Dossier, lang: str) -> list[tuple[str, str, list[tuple[str, str, str, str]]]]:
    """Each grant in words: its heading, its totals, and its tranches (which, when, how much, where it stands)."""
    words, shown = UI[lang], []
    for g in file.grants:
        totals = " · ".join(
            words["label_value"].format(label=words[key], value=money(m, lang))
            for key, m in (("awarded", g.awarded), ("paid", g.paid), ("balance", g.balance))
        )
        tranches = [
            (
                TRANCHES[lang]["tranche"].format(n=number),
                f"{share}\u00a0%, {TRANCHES[lang].get(condition, '')}".rstrip(", "),
                money(amount, lang),
                words.get(f"tranche_{state}", ""),
            )
            for number, condition, share, amount, state in g.tranches
        ]
        shown.append((words.get(f"grant_{g.purpose}", words["grant"]), totals, tranches))
    return shown


def reports(file: Dossier, lang: str, zone: str) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    """The city's reports in words: which, where it stands, when due, and every version with the changes asked."""
    words = UI[lang]
    return [
        (
            subject_name("final" if kind == "final" else f"periodic_report_{number}", lang).capitalize(),
            words.get(f"report_{state}", ""),
            words["due_on"].format(date=day(due, lang)) if due else "",
            [
                (words[f"round_{r.step}"].format(n=r.version, name=r.by, date=day(r.at, lang, zone)), r.text)
                for r in file.rounds.get((kind, number), ())
            ],
        )
        for kind, number, state, due in file.reports
    ]


def trail(
    entries: list[HistoryEntry], file: Dossier, lang: str, zone: str, names: dict[str, str]
) -> list[tuple[str, str, Any, str]]:
    """The history in words, newest first: when, what, what was said with it, by whom (by name)."""
    words, objectives = UI[lang], {key: labels for key, labels, _ in file.checklist}
    rows = []
    for e in reversed(entries):
        said = [(words["changes_asked" if k == "changes" else "note"], e.data.get(k)) for k in ("changes", "reason")]
        said = [(label, text) for label, text in said if text]
        if e.trigger == TICK and str(e.data.get("item")) in objectives:
            said.append(("", objective_words(objectives[str(e.data["item"])], lang)))
        if e.note:
            said.append(("", e.note))
        by = words["by_import"] if e.by.startswith("import:") else names.get(e.by, e.by)
        rows.append((moment(e.at, lang, zone), e.trigger, said, by))
    return rows


def barred(judged: list[Option], roles: set[str]) -> list[Option]:
    """The acts refused to a reader whose role may do them here, for another reason (not their role): what they
    could do once that reason is gone. An act no role of theirs may ever do is not listed: a mayor reads no list of
    the secretariat's acts."""
    return [o for o in judged if not o.allowed and o.possible_here and CITY_JOURNEY.transition(o.trigger).roles & roles]


def refusal(option: Option, lang: str) -> tuple[str, str]:
    """An act one may not do now, and why: the reason alone when it names the act already (no name said twice)."""
    name, reason = act_name(option.trigger, option.label, lang), say(option.reason, lang)
    return ("" if name in reason else name), reason


Form = tuple[Option, tuple[Input, ...], str]  # an act, its inputs, and a refusal said above them


def act_forms(judged: list[Option], file: Dossier, lang: str, typed: Typed | None) -> list[Form]:
    """A form for each act the reader may do now; the refused one filled as it was typed."""
    forms = []
    for o in judged:
        if o.allowed:
            mine = typed if typed and typed.trigger == o.trigger else None
            shown = inputs(CITY_JOURNEY.transition(o.trigger).needs, file, lang, mine)
            forms.append((o, shown, fault_above(mine, shown)))
    return forms


class CityPages:
    """The city page (GET) and its forms (POST): one act, or several objectives ticked in order."""

    def __init__(self, sessions: sessionmaker[Session], signer: Signer, page: Page, who: Who) -> None:
        self.sessions, self.signer, self.page, self.who = sessions, signer, page, who

    def show(
        self,
        request: Request,
        reader: auth.Reader,
        code: str,
        status_code: int = 200,
        typed: Typed | None = None,
        **notice: Any,
    ) -> Response:
        """The city's page; after a refusal, with the refused form as typed and why (status 400 or 409)."""
        lang = language(reader.language, request.headers.get("accept-language", ""))
        try:
            file = dossier(self.sessions, code)
        except JalonError:
            return self.page(request, "message.html", reader, 404, title_key="page_missing", key="not_found")
        judged = can(self.sessions, code, reader.email)
        forms = act_forms(judged, file, lang, typed)
        folded = [f for f in forms if f[0].trigger in FOLDED]  # asked for at every stage: under "other acts"
        roles = roles_here(self.sessions, reader.id, code)
        zone = zone_for(reader, roles, file)
        entries = history(self.sessions, code)
        rungs = {audience for _, audience, _, _ in file.deadline.rungs} if file.deadline else set()
        values = {
            "file": file,
            "forms": [f for f in forms if f[0].trigger not in FOLDED],
            "folded": folded,
            "unfold": any(typed and f[0].trigger == typed.trigger for f in folded),
            "lost": typed.fault if typed and not any(f[0].trigger == typed.trigger for f in forms) else "",
            "refused": [refusal(o, lang) for o in barred(judged, roles)],
            "timeline": [  # the stages the city went through: an act that keeps the stage adds no step
                (day(e.at, lang, zone), e.to_state)
                for n, e in enumerate(entries)
                if n == 0 or e.to_state != entries[n - 1].to_state
            ],
            "trail": trail(entries, file, lang, zone, names_of(self.sessions, {e.by for e in entries})),
            "ladder": ladder(file, lang, zone, unheld(self.sessions, code, rungs)),
            "due": day(file.deadline.due_on, lang) if file.deadline else "",
            "ledgers": ledgers(file, lang),
            "reports": reports(file, lang, zone),
            "objectives": [(objective_words(labels, lang), ok) for _, labels, ok in file.checklist],
            "done": notice.get("done", ""),
            "ticked": [
                objective_words(labels, lang) for key, labels, _ in file.checklist if key in notice.get("ticked", ())
            ],
        }
        return self.page(request, "city.html", reader, status_code, **values)

    def city(
        self, request: Request, code: str, done: str = "", ticked: Annotated[list[str] | None, Query()] = None
    ) -> Response:
        """GET: the page, saying what was just done (and which objectives were ticked)."""
        done = done if done in CITY_JOURNEY.triggers else ""
        return self.show(request, self.who(request), code, done=done, ticked=tuple(ticked or ()))

    async def act_form(self, request: Request, code: str) -> Response:
        """POST: one act through engine.act; refused, the page again with the form as typed."""
        reader = self.who(request)
        form = await request.form()
        csrf = form.get("csrf", "")
        auth.check_csrf(self.signer, request, csrf if isinstance(csrf, str) else "")
        back = f"/cities/{code}"
        if any(not isinstance(v, str) for _, v in form.multi_items()):  # a file where text belongs
            return self.page(request, "message.html", reader, 400, title_key="not_done", key="bad_form", back=back)
        trigger = str(form.get("trigger", ""))
        typed = Typed(trigger, {})
        for key, value in form.multi_items():
            if key.startswith("f_"):
                typed.values.setdefault(key.removeprefix("f_"), []).append(str(value))
        version = str(form.get("version", "")).strip() or "0"
        if not re.fullmatch(r"[0-9]{1,9}", version):
            return self.page(request, "message.html", reader, 400, title_key="not_done", key="bad_version", back=back)
        lang = language(reader.language, request.headers.get("accept-language", ""))
        if trigger == TICK:
            return self.tick(request, reader, code, typed, int(version), lang)
        data = {k: v[0] for k, v in typed.values.items() if v and v[0].strip()}
        try:
            act(self.sessions, code, trigger, reader.email, at=auth.now(), data=data, expected_version=int(version))
            announce()  # the act's event to Prefect now, when an API is configured (best effort)
        except JalonError as exc:
            refused = Typed(trigger, typed.values, tell(exc, lang), getattr(exc, "field", None))
            return self.show(request, reader, code, 400 if isinstance(exc, InvalidData) else 409, refused)
        return RedirectResponse(f"/cities/{code}?done={trigger}", status_code=303)

    def tick(self, request: Request, reader: auth.Reader, code: str, typed: Typed, version: int, lang: str) -> Response:
        """Each objective ticked, in order, each at the version the one before made: all, or as many as can be."""
        items = [item for item in typed.values.get("item", []) if item.strip()]
        if not items:
            return self.show(request, reader, code, 400, Typed(TICK, {}, UI[lang]["no_objective_ticked"], "item"))
        for n, item in enumerate(items):
            try:
                at, data = auth.now(), {"item": item}
                act(self.sessions, code, TICK, reader.email, at=at, data=data, expected_version=version + n)
                announce()
            except JalonError as exc:
                left = Typed(TICK, {"item": items[n:]}, tell(exc, lang), getattr(exc, "field", None))
                status_code = 400 if isinstance(exc, InvalidData) else 409
                return self.show(request, reader, code, status_code, left, done=TICK if n else "", ticked=items[:n])
        said = urlencode([("done", TICK), *[("ticked", item) for item in items]])
        return RedirectResponse(f"/cities/{code}?{said}", status_code=303)


def add_city(app: FastAPI, sessions: sessionmaker[Session], signer: Signer, page: Page, who: Who) -> None:
    """The city page and its forms on the application (create_app stays the one entry point)."""
    pages = CityPages(sessions, signer, page, who)
    app.get("/cities/{code}")(pages.city)
    app.post("/cities/{code}/act")(pages.act_form)
