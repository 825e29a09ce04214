"""`jalon mail-sink`: a real SMTP server on loopback keeping each message as an .eml file (newcomers, the demo)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from threading import Lock

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class Folder:
    """An aiosmtpd handler: every message it is given lands in `dir` as <n>-<to>-<id>.eml."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = Lock()
        self.count = len(list(folder.glob("*.eml")))

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Store the message as received (bytes untouched), and answer with where it went."""
        data = envelope.original_content or b""
        found = MESSAGE_ID.search(data.split(b"\r\n\r\n", 1)[0])
        tag = hashlib.sha256(found.group(1) if found else data).hexdigest()[:10]
        to = re.sub(r"[^A-Za-z0-9.@_-]", "_", (envelope.rcpt_tos or ["nobody"])[0])[:60]
        with self._lock:
            self.count += 1
            path = self.folder / f"{self.count:05d}-{to}-{tag}.eml"
            path.write_bytes(data)
        return f"250 Kept as {path.name}"


def start(folder: Path, host: str = "127.0.0.1", port: int = 8025) -> Controller:
    """A running sink (stop it with .stop()); tests and the demo use it in-process, the CLI in the foreground."""
    controller = Controller(Folder(folder), hostname=host, port=port, decode_data=False)
    controller.start()
    return controller
