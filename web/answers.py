"""What every answer of `jalon web` carries and how a failure is said: headers, the reader's language, one log line."""

from __future__ import annotations

import errno
import logging
import os

from fastapi import Request, Response

from notifications.words import LANGUAGES

LOG = logging.getLogger("jalon.web")


def harden(request: Request, response: Response) -> Response:
    """Headers every answer carries: no MIME sniffing, no address (with its token) sent to other sites, HTTPS kept."""
    response.headers.setdefault("x-content-type-options", "nosniff")
    response.headers.setdefault("referrer-policy", "same-origin")
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    if request.url.scheme == "https" or forwarded == "https":
        response.headers.setdefault("strict-transport-security", "max-age=31536000; includeSubDomains")
    return response


def failure(request: Request, exc: Exception) -> tuple[int, str]:
    """What an unexpected failure is said as (a full disk apart), logged in one line: the traceback with JALON_DEBUG."""
    text = f"{exc} {getattr(exc, 'orig', '')}".lower()
    full = (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or any(
        sign in text for sign in ("disk is full", "no space left", "disk full", "diskfull")
    )
    first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0][:200]  # never the SQL
    LOG.error(
        "%s %s failed: %s: %s",
        request.method,
        request.url.path,
        type(exc).__name__,
        first,
        exc_info=bool(os.environ.get("JALON_DEBUG")),
    )
    return (503, "disk_full") if full else (500, "server_error")


def language(person: str | None, accept: str) -> str:
    """The reader's language: their own, else the browser's first we write in, else English."""
    for choice in (person, *[part.split(";")[0].strip()[:2] for part in accept.split(",")]):
        if choice in LANGUAGES:
            return choice
    return "en"
