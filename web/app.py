"""`jalon web`: server-rendered pages over the same engine door as the CLI; no change that bypasses engine.act."""

from __future__ import annotations

import contextlib
import threading
import unicodedata
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine import act
from engine.access.grants import holder, sign_out_everywhere
from engine.access.signin import AlreadyUsed, Asked, email_of, newest_link, request_link, spend
from engine.access.tokens import APPROVE, BadToken, Signer
from engine.errors import JalonError
from engine.views.dossier import dossier, papers
from engine.views.feeds import calendar
from engine.views.queries import can, deadlines, home_city, registry, status
from flows.announce import announce
from notifications.reasons import say
from notifications.words import ROLES, STAGES, act_name, subject_name
from states import CITY_JOURNEY
from web import auth
from web.answers import failure, harden, language
from web.approvals import APPROVAL_STAGES, APPROVING, approval, changes_to
from web.city import add_city
from web.formats import country_name, day, money
from web.replies import add_replies
from web.terms import refusal_words
from web.words import UI

SIGNIN_LASTS = timedelta(minutes=15)
ICS, ICS_LASTS = "ics", timedelta(days=366)
PAGES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True, undefined=StrictUndefined
)


def by_name(name: str) -> str:
    """A sort key that files "Évora" under E, as a reader looks for it."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


def coach_key(choice: tuple[str, str]) -> str:
    """Coaches and countries in the filters by name."""
    return by_name(choice[0])


def create_app(sessions: sessionmaker[Session], signer: Signer, base_url: str, deliver: Callable[[], Any]) -> FastAPI:
    """The application; `deliver` sends what waits in the outbox (called after a sign-in link is queued)."""
    app = FastAPI(title="Jalon", docs_url=None, redoc_url=None, openapi_url=None)

    def page(
        request: Request,
        name: str,
        reader: auth.Reader | None,
        status_code: int = 200,
        speaks: str | None = None,  # the language of the person a link was sent to, when no one is signed in
        **values: Any,
    ) -> Response:
        lang = language(reader.language if reader else speaks, request.headers.get("accept-language", ""))
        words = UI[lang]
        made, new = auth.browser(request)
        context = {
            "lang": lang,
            "t": lambda key, **kw: words[key].format(**kw),
            "stage": lambda code: STAGES[lang].get(code, code),
            "subject": lambda code: subject_name(code, lang),
            "act_name": lambda option: act_name(option.trigger, option.label, lang),
            "verdict": lambda trigger: (
                act_name(trigger, CITY_JOURNEY.transition(trigger).label, lang)
                if trigger in CITY_JOURNEY.triggers
                else words.get(f"event_{trigger}", trigger.replace("_", " "))
            ),
            "money": lambda m: money(m, lang),
            "day": lambda d: day(d, lang),
            "said": lambda text: say(text, lang) if isinstance(text, JalonError) else refusal_words(text, lang),
            "role": lambda code: ROLES[lang].get(code, code),
            "reader": reader,
            "csrf": auth.csrf_token(signer, made, auth.session_id(signer, request)),
            **values,
        }
        response = HTMLResponse(PAGES.get_template(name).render(context), status_code=status_code)
        if new:
            auth.remember_browser(request, response, made)
        response.headers["content-security-policy"] = "default-src 'self'; style-src 'self' 'unsafe-inline'"
        response.headers["x-frame-options"] = "DENY"
        return response

    def who(request: Request) -> auth.Reader:
        return auth.reader(signer, sessions, request)

    def current(request: Request) -> int | None:
        """Who is signed in on this browser, if anyone (an approval link must be opened by its own person)."""
        try:
            return who(request).id
        except auth.NotSignedIn:
            return None

    add_city(app, sessions, signer, page, who)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        return harden(request, await call_next(request))

    def error_page(request: Request, status_code: int, key: str, detail: str | None = None) -> Response:
        """A refusal or a failure as a page in the reader's language (their own when signed in, else the browser's)."""
        try:
            reader: auth.Reader | None = who(request)
        except Exception:  # not signed in, or the database is what failed
            reader = None
        extra = {"text": detail} if detail else {}
        try:
            title = "page_missing" if status_code == 404 else "not_done"
            response = page(request, "message.html", reader, status_code, title_key=title, key=key, **extra)
        except Exception:  # the page itself cannot be made: still one sentence, never a traceback
            lang = language(None, request.headers.get("accept-language", ""))
            response = PlainTextResponse(UI[lang][key], status_code=status_code)
        return harden(request, response)

    @app.exception_handler(RequestValidationError)
    def _unreadable(request: Request, _: RequestValidationError) -> Response:
        return error_page(request, 400, "bad_form")

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> Response:
        known = {404: "not_found", 405: "not_found", 413: "too_large"}
        return error_page(request, exc.status_code, known.get(exc.status_code, "bad_form"))

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> Response:
        status_code, key = failure(request, exc)
        return error_page(request, status_code, key)

    @app.exception_handler(auth.NotSignedIn)
    def _signin(request: Request, _: auth.NotSignedIn) -> Response:
        return RedirectResponse("/signin", status_code=303)

    @app.exception_handler(auth.Forbidden)
    def _forbidden(request: Request, exc: auth.Forbidden) -> Response:
        try:
            reader: auth.Reader | None = who(request)
        except auth.NotSignedIn:
            reader = None
        return page(request, "message.html", reader, 403, title_key="forbidden", text=str(exc))

    @app.get("/signin", response_class=HTMLResponse)
    def signin_form(request: Request) -> Response:
        return page(request, "signin.html", None)

    @app.post("/signin", response_class=HTMLResponse)
    def signin_request(request: Request, email: str = Form(""), csrf: str = Form("")) -> Response:
        auth.check_csrf(signer, request, csrf)
        at = auth.now()
        address = email.strip().lower()

        def link(serial: int, key: int) -> str:
            token = signer.sign("signin", {"email": address, "n": serial, "k": key}, at=at, lasts=SIGNIN_LASTS)
            return f"{base_url}/signin/{token}"

        client = request.client.host if request.client else ""
        asked = request_link(sessions, address, client, link, at + SIGNIN_LASTS, at)
        if asked is Asked.WAIT:  # the same for every address, known or not
            return page(request, "message.html", None, 429, title_key="sign_in", key="signin_wait")
        if asked is Asked.SENT:
            threading.Thread(target=deliver, daemon=True).start()  # the link leaves now, not at the next pass
        return page(request, "message.html", None, title_key="sign_in", key="link_sent", good=True)

    @app.get("/signin/{token}", response_class=HTMLResponse)
    def signin_confirm(request: Request, token: str) -> Response:
        """A GET never signs anyone in (mail scanners open links): it shows a button."""
        try:
            claims = signer.verify(token, "signin", at=auth.now())
        except BadToken as exc:
            speaks = auth.language_by_email(sessions, exc.data.get("email"))
            return page(request, "message.html", None, 400, speaks, title_key="link_problem", text=exc)
        speaks = auth.language_by_email(sessions, claims.data.get("email"))
        return page(request, "signin_confirm.html", None, 200, speaks, email=claims.data["email"], token=token)

    @app.post("/signin/{token}")
    def signin_finish(request: Request, token: str, csrf: str = Form("")) -> Response:
        auth.check_csrf(signer, request, csrf)
        data: dict[str, Any] = {}
        try:
            claims = signer.verify(token, "signin", at=auth.now())
            data = claims.data
            person = newest_link(sessions, str(data.get("email")), data.get("n"), data.get("k"))
            spend(sessions, claims.jti, "signin", person, auth.now())
        except (BadToken, AlreadyUsed, LookupError) as exc:
            speaks = auth.language_by_email(sessions, (getattr(exc, "data", None) or data).get("email"))
            return page(request, "message.html", None, 400, speaks, title_key="link_problem", text=exc)
        home = home_city(sessions, person)  # a city's own team starts on its city's page, others on the board
        response = RedirectResponse(f"/cities/{home}" if home else "/", status_code=303)
        auth.sign_in(signer, request, response, person, int(data["k"]))
        return response

    @app.post("/signout")
    def signout(request: Request, csrf: str = Form(""), everywhere: str = Form("")) -> Response:
        """This session ends for good (its cookie no longer works, even if kept); or every one of the person's."""
        auth.check_csrf(signer, request, csrf)
        try:
            reader = who(request)
        except auth.NotSignedIn:
            reader = None
        if reader is not None:
            if everywhere:
                sign_out_everywhere(sessions, reader.id, by=reader.email, at=auth.now())
            else:
                with contextlib.suppress(AlreadyUsed):  # signed out twice at once: the same outcome
                    spend(sessions, reader.session, "signout", reader.id, auth.now())
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(auth.SESSION)
        return response

    @app.get("/", response_class=HTMLResponse)
    def board(request: Request, coach: str = "", country: str = "", stage: str = "") -> Response:
        reader = who(request)
        rows = sorted(status(sessions, auth.now()), key=lambda r: by_name(r.name))
        shown = [
            r
            for r in rows
            if (not coach or r.coach == coach)
            and (not country or r.country == country)
            and (not stage or r.state == stage)
        ]
        lang = language(reader.language, request.headers.get("accept-language", ""))
        choices = {
            "coaches": sorted({(r.coach_name or r.coach, r.coach) for r in rows if r.coach}, key=coach_key),
            "countries": sorted({(country_name(r.country, lang), r.country) for r in rows}, key=coach_key),
            "stages": [s.name for s in CITY_JOURNEY.states if any(r.state == s.name for r in rows)],
        }
        chosen = {"coach": coach, "country": country, "stage": stage}
        names, late = STAGES[lang], UI[lang]["days_late"]
        lines = [  # plain strings, worked out once per row here rather than by template calls (1,000 cities)
            (
                r.city,
                r.name,
                names.get(r.state, r.state),
                day(r.since, lang),
                day(r.deadline, lang) if r.deadline else "—",
                late.format(n=r.late_by) if r.late_by else "",
                r.deadline is not None and not r.late_by,
                r.coach_name or r.coach or "—",
                r.coach or "",  # the name links to the board filtered on this coach's cities
            )
            for r in shown
        ]
        return page(request, "board.html", reader, rows=lines, choices=choices, chosen=chosen)

    @app.get("/approvals", response_class=HTMLResponse)
    def approvals(request: Request) -> Response:
        reader = who(request)
        waiting: list[tuple[Any, list[Any]]] = []
        rows = [r for r in status(sessions, auth.now()) if r.state in APPROVAL_STAGES]  # judge only where one can wait
        for row in sorted(rows, key=lambda r: r.since):
            judged = can(sessions, row.city, reader.email)
            mine = [o for o in judged if o.allowed and o.trigger in APPROVING]
            if mine:
                waiting.append((row, mine))
        files = papers(sessions, [row.city for row, _ in waiting])
        return page(request, "approvals.html", reader, waiting=waiting, files=files)

    @app.get("/approve/{token}", response_class=HTMLResponse)
    def approve_page(request: Request, token: str) -> Response:
        """The link from the email opens a confirmation; a GET never changes state."""
        return confirmation(request, token)

    def speaks_of(token: str) -> str | None:
        """The language of the person a genuine link was sent to, even once spent: its refusals speak it too."""
        try:
            data = signer.verify(token, APPROVE, at=auth.now()).data
        except BadToken as exc:  # an expired link still says whose it was
            data = exc.data
        return auth.language_of(sessions, data.get("person"))

    def confirmation(request: Request, token: str, status_code: int = 200, changes: str = "") -> Response:
        """The link's page: the plan or report being decided on, the approving verdict, and asking for changes."""
        speaks = speaks_of(token)
        try:
            claims = approval(signer, sessions, token, current(request))
            file = dossier(sessions, claims.data["city"])
        except (BadToken, AlreadyUsed, JalonError) as exc:
            return page(request, "message.html", None, 400, speaks, title_key="link_problem", text=exc)
        verdict = CITY_JOURNEY.transition(claims.data["trigger"])
        values = {"claims": claims.data, "file": file, "token": token, "reviews": verdict.reviews, "changes": changes}
        values["failed"] = status_code != 200
        return page(request, "approve.html", None, status_code, speaks, asks=changes_to(verdict.trigger), **values)

    @app.post("/approve/{token}", response_class=HTMLResponse)
    def approve_finish(request: Request, token: str, csrf: str = Form("")) -> Response:
        auth.check_csrf(signer, request, csrf)
        return decide(request, token, None)

    @app.post("/approve/{token}/changes", response_class=HTMLResponse)
    def changes_finish(request: Request, token: str, csrf: str = Form(""), changes: str = Form("")) -> Response:
        """The same link asks for changes instead: the review's other verdict, with what is asked for."""
        auth.check_csrf(signer, request, csrf)
        if not changes.strip():  # nothing asked for yet: the page again, the link still unspent
            return confirmation(request, token, 400, changes)
        return decide(request, token, changes)

    def decide(request: Request, token: str, changes: str | None) -> Response:
        """Spend the link, then act: the approving verdict it was signed for, or the review's changes verdict."""
        speaks = speaks_of(token)
        try:
            claims = approval(signer, sessions, token, current(request))
            data = claims.data
            trigger = data["trigger"] if changes is None else changes_to(data["trigger"]) or ""
            email = email_of(sessions, data["person"])
            spend(sessions, claims.jti, APPROVE, data["person"], auth.now())
            asked = {} if changes is None else {"changes": changes}
            act(sessions, data["city"], trigger, email, at=auth.now(), data=asked, expected_version=data["version"])
            announce()
        except (BadToken, AlreadyUsed, JalonError, LookupError) as exc:
            return page(request, "message.html", None, 409, speaks, title_key="refused", text=exc)
        back = f"/cities/{data['city']}"
        return page(
            request,
            "message.html",
            None,
            200,
            speaks,
            title_key="all_done",
            key="done",
            act=trigger,
            back=back,
            good=True,
        )

    @app.get("/network", response_class=HTMLResponse)
    def network(request: Request) -> Response:
        """The same page for everyone signed in: coming deadlines, projects, contacts, calendars to subscribe to."""
        reader = who(request)
        upcoming = [d for d in deadlines(sessions, auth.now()) if d.kind in ("stage", "report")][:40]
        projects, secretariat = registry(sessions)
        projects.sort(key=lambda p: by_name(p.name))  # by name, as the board
        names = {p.city: p.name for p in projects}
        feeds = {  # the reader's own links: the same on every visit, withdrawn with their access
            code: f"{base_url}/calendar/{signer.sign_stable(ICS, {'p': reader.id, 'k': reader.key, 'city': code})}.ics"
            for code in ["", *[p.city for p in projects]]
        }
        return page(
            request,
            "network.html",
            reader,
            upcoming=upcoming,
            names=names,
            projects=projects,
            secretariat=secretariat,
            feeds=feeds,
        )

    @app.get("/calendar/{token}.ics")
    def feed(token: str) -> Response:
        """A calendar app's subscription: the link itself is the key (apps send no cookies)."""
        try:
            data = signer.verify(token, ICS, at=auth.now()).data
            with sessions() as s:
                if holder(s, int(data.get("p") or 0), data.get("k")) is None:
                    raise BadToken("This calendar link was withdrawn; open the network page for your current one.")
            code = str(data.get("city") or "")
            body = calendar(sessions, code or None)
        except (BadToken, JalonError) as exc:
            return Response(str(exc), status_code=404, media_type="text/plain")
        return Response(body, media_type="text/calendar; charset=utf-8")

    add_replies(app, sessions=sessions, signer=signer, base_url=base_url, page=page, current=current)
    return app
