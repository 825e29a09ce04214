"""Where a message's links lead: the city's page through a single-use sign-in, and the simplest answers.

A GET only shows (mail scanners open links); a POST with the page's CSRF token spends the link, then acts
through engine.act, bound to the city's version the message was written at. Every word is the reader's language:
their own (the link names them), else their browser's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from babel.dates import format_date
from fastapi import FastAPI, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session, sessionmaker

from engine import act
from engine.access.grants import holder
from engine.access.signin import AlreadyUsed, LinkGone, email_of, spend, used
from engine.access.tokens import OPEN, REPLY, BadToken, Claims, Signer
from engine.errors import Conflict, JalonError
from engine.views.dossier import Dossier, dossier
from engine.views.queries import names_of
from flows.announce import announce
from notifications.reasons import say
from notifications.words import next_move, subject_name
from states import CITY_JOURNEY
from web import auth
from web.answers import language
from web.approvals import approval, changes_to
from web.reply_words import REPLY as WORDS
from web.reply_words import refusal

Page = Callable[..., Response]
LINK_ERRORS = (BadToken, AlreadyUsed, LinkGone)
FRESH = frozenset({"expired", "used", "withdrawn", "newer"})  # the person is still in the network: a new link helps


class Replies:
    """The pages of a message's links, over the app's own page maker and its reader of sessions."""

    def __init__(
        self, sessions: sessionmaker[Session], signer: Signer, page: Page, current: Callable[[Request], int | None]
    ) -> None:
        self.sessions, self.signer, self.page, self.current = sessions, signer, page, current

    def speaks(self, person: object) -> str | None:
        """The language of the person a link was sent to (None when the link names no one we know)."""
        return auth.language_of(self.sessions, person)

    def show(self, request: Request, name: str, status: int, person: object, **values: Any) -> Response:
        """One of these pages in the language of the link's person, else the browser's."""
        speaks = self.speaks(person)
        lang = language(speaks, request.headers.get("accept-language", ""))
        return self.page(request, name, None, status, speaks, w=WORDS[lang], lang_code=lang, **values)

    def refused(self, request: Request, exc: BaseException, person: object, status: int = 400) -> Response:
        """A link that cannot serve, said in its person's language, with a way to a fresh sign-in link if it helps."""
        lang = language(self.speaks(person), request.headers.get("accept-language", ""))
        values = {k: str(v) for k, v in getattr(exc, "data", {}).items() if k == "email"}
        text = refusal(exc, lang, **values)
        fresh = getattr(exc, "key", "") in FRESH
        return self.show(request, "reply_message.html", status, person, heading="link_title", text=text, fresh=fresh)

    # --- the way in: a single-use sign-in that lands on the city's page ------------------------------------------

    def open_page(self, request: Request, token: str) -> Response:
        """Straight to the city for its own person already signed in here; else a button (a GET signs no one in)."""
        try:
            claims = self.signer.verify(token, OPEN, at=auth.now())
            data = claims.data
            signed_in = self.current(request)
            if signed_in is not None and signed_in == data.get("person"):
                return RedirectResponse(f"/cities/{data['city']}", status_code=303)
            name, email = self.usable(claims, signed_in)
            file = dossier(self.sessions, str(data["city"]))
        except LINK_ERRORS as exc:
            return self.refused(request, exc, getattr(exc, "data", {}).get("person"))
        values = {"city": file.name, "who": name, "email": email, "token": token}
        return self.show(request, "open.html", 200, data["person"], **values)

    def usable(self, claims: Claims, signed_in: int | None) -> tuple[str, str]:
        """The name and address of the person an unused way-in link is for, who still holds it, with no one else
        signed in: the page names them as people call them, the address beside it to tell 'is this me?'."""
        data = claims.data
        if used(self.sessions, claims.jti):
            raise _keep(AlreadyUsed("This link has been used already."), data)
        with self.sessions() as s:
            person = holder(s, int(data.get("person") or 0), data.get("k"))
        if person is None:
            raise BadToken("This link was withdrawn: its person's access changed since it was sent.", "withdrawn", data)
        if signed_in is not None and signed_in != person.id:
            raise BadToken("This link is for someone else.", "someone_else", data | {"email": person.email})
        return names_of(self.sessions, {person.email}).get(person.email) or person.email, person.email

    def open_finish(self, request: Request, token: str) -> Response:
        """Spend the link, sign its person in, and land on the city's page."""
        try:
            claims = self.signer.verify(token, OPEN, at=auth.now())
            data = claims.data
            self.usable(claims, self.current(request))
            spend(self.sessions, claims.jti, OPEN, data["person"], auth.now())
        except LINK_ERRORS as exc:
            return self.refused(request, exc, getattr(exc, "data", {}).get("person"))
        response = RedirectResponse(f"/cities/{data['city']}", status_code=303)
        auth.sign_in(self.signer, request, response, int(data["person"]), int(data["k"]))
        return response

    # --- answers from the message: confirm (or decline) a place, acknowledge a reminder ---------------------------

    def claims(self, request: Request, token: str) -> Claims:
        """A genuine, unused answer link of its own person; its refusals carry whose link it was."""
        try:
            return approval(self.signer, self.sessions, token, self.current(request), REPLY)  # type: ignore[no-any-return]
        except AlreadyUsed as exc:
            raise _keep(exc, _unverified(self.signer, token)) from None

    def reply_page(self, request: Request, token: str, status: int = 200, reason: str = "") -> Response:
        """What the answer means, for which city, by when; its button(s). Nothing is done by showing it."""
        try:
            data = self.claims(request, token).data
            file = dossier(self.sessions, str(data["city"]))
        except LINK_ERRORS as exc:
            return self.refused(request, exc, getattr(exc, "data", {}).get("person"))
        except JalonError as exc:
            return self.refused(request, exc, None, 404)
        lang = language(self.speaks(data["person"]), request.headers.get("accept-language", ""))
        if file.version != data.get("version"):  # the city moved on since the message: said now, not after a click
            text = WORDS[lang]["stale"].format(city=file.name)
            page = {"heading": "refused_title", "text": text, "city": file.name, "code": file.code}
            return self.show(request, "reply_message.html", 409, data["person"], **page)
        values = _what(file, str(data["trigger"]), lang)
        values |= {"file": file, "token": token, "reason": reason, "failed": status != 200}
        return self.show(request, "reply.html", status, data["person"], **values)

    def decide(self, request: Request, token: str, other: bool, fields: dict[str, str]) -> Response:
        """Spend the link, then act: the answer it was signed for, or the question's other answer (declining)."""
        person: int | None = None
        try:
            claims = self.claims(request, token)
            data, person, city = claims.data, int(claims.data["person"]), str(claims.data["city"])
            trigger = str(data["trigger"]) if not other else changes_to(str(data["trigger"])) or ""
            email = email_of(self.sessions, person)
            spend(self.sessions, claims.jti, REPLY, person, auth.now())
            act(self.sessions, city, trigger, email, at=auth.now(), data=fields, expected_version=data["version"])
            announce()
        except LINK_ERRORS as exc:
            return self.refused(request, exc, getattr(exc, "data", {}).get("person") or person)
        except JalonError as exc:
            return self.not_done(request, exc, person, city)
        name = dossier(self.sessions, city).name
        return self.show(
            request,
            "reply_message.html",
            200,
            person,
            heading="done_title",
            good=True,
            act=trigger,
            city=name,
            code=city,
        )

    def not_done(self, request: Request, exc: JalonError, person: object, code: str) -> Response:
        """The engine said no (the city moved on since the message, or a rule): said in the reader's language."""
        lang = language(self.speaks(person), request.headers.get("accept-language", ""))
        name = dossier(self.sessions, code).name
        text = WORDS[lang]["stale"].format(city=name) if isinstance(exc, Conflict) else say(exc, lang)
        return self.show(
            request, "reply_message.html", 409, person, heading="refused_title", text=text, city=name, code=code
        )


def _keep(exc: Exception, data: dict[str, Any]) -> Exception:
    """The same refusal, knowing whose link it was (its page then speaks their language)."""
    exc.data = data  # type: ignore[attr-defined]
    return exc


def _unverified(signer: Signer, token: str) -> dict[str, Any]:
    """What a genuine token carries, even once used (only ever to pick the language of its refusal)."""
    try:
        return signer.verify(token, REPLY, at=auth.now()).data
    except BadToken as exc:
        return exc.data


def _what(file: Dossier, trigger: str, lang: str) -> dict[str, Any]:
    """What the answer page says about the question: the deadline, the next move, the other answer if any."""
    deadline = file.deadline
    due = format_date(deadline.due_on, "long", locale=lang) if deadline else ""
    subject = subject_name(deadline.subject, lang) if deadline else ""
    move = next_move(file.state, CITY_JOURNEY.waits_on(file.state), lang) or ""
    return {"trigger": trigger, "other": changes_to(trigger), "due": due, "subject": subject, "move": move}


def add_replies(
    app: FastAPI,
    *,
    sessions: sessionmaker[Session],
    signer: Signer,
    base_url: str,
    page: Page,
    current: Callable[[Request], int | None],
) -> None:
    """The routes of a message's links: /open/<token> (the city's page) and /reply/<token> (an answer)."""
    replies = Replies(
        sessions, signer, page, current
    )  # base_url: links are minted at delivery (engine/access/links.py)

    @app.get("/open/{token}", response_class=HTMLResponse)
    def open_page(request: Request, token: str) -> Response:
        return replies.open_page(request, token)

    @app.post("/open/{token}")
    def open_finish(request: Request, token: str, csrf: str = Form("")) -> Response:
        auth.check_csrf(signer, request, csrf)
        return replies.open_finish(request, token)

    @app.get("/reply/{token}", response_class=HTMLResponse)
    def reply_page(request: Request, token: str) -> Response:
        return replies.reply_page(request, token)

    @app.post("/reply/{token}", response_class=HTMLResponse)
    def reply_finish(request: Request, token: str, csrf: str = Form("")) -> Response:
        auth.check_csrf(signer, request, csrf)
        return replies.decide(request, token, False, {})

    @app.post("/reply/{token}/other", response_class=HTMLResponse)
    def reply_other(request: Request, token: str, csrf: str = Form(""), reason: str = Form("")) -> Response:
        """The question's other answer (declining the place), which needs a reason: asked again, link unspent."""
        auth.check_csrf(signer, request, csrf)
        if not reason.strip():
            return replies.reply_page(request, token, 400, reason)
        return replies.decide(request, token, True, {"reason": reason})
