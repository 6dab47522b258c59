"""Real servers on 127.0.0.1 for delivery tests: SMTP (aiosmtpd) and a Twilio-like API."""

from __future__ import annotations

import asyncio
import base64
import email
import json
import logging
import socket
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

# The server's thread outlives a test's captured output; its connection notes are not needed.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: email.message.Message

    @property
    def body(self) -> str:
        payload = self.message.get_payload(decode=True)
        return payload.decode() if isinstance(payload, bytes) else str(payload)


@dataclass
class SmtpHandler:
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    # Hold the n-th RCPT (1-based) until ``release`` is set; ``holding`` says it is held.
    hold_at: int = 0
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    rcpts: int = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts += 1
        if self.rcpts == self.hold_at:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        self.handler = SmtpHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.handler.release.set()
        self.controller.stop()


@dataclass
class TwilioState:
    account_sid: str = "AC" + "0" * 32
    auth_token: str = "secret-token"
    messages: list[dict[str, str]] = field(default_factory=list)
    # Status codes to answer with before accepting (e.g. [503] for one failure first).
    failures: list[int] = field(default_factory=list)


def twilio_handler(state: TwilioState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _answer(self, status: int, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            expected = f"/2010-04-01/Accounts/{state.account_sid}/Messages.json"
            auth = base64.b64encode(f"{state.account_sid}:{state.auth_token}".encode()).decode()
            length = int(self.headers.get("Content-Length", 0))
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            if self.headers.get("Authorization") != f"Basic {auth}":
                self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
            elif self.path != expected:
                self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
            elif state.failures:
                status = state.failures.pop(0)
                self._answer(status, {"code": 20500, "message": "Unavailable", "status": status})
            elif not form.get("To", "").startswith("+"):
                self._answer(
                    400,
                    {"code": 21211, "message": "The 'To' number is not valid.", "status": 400},
                )
            else:
                sid = f"SM{len(state.messages):032d}"
                state.messages.append(form)
                self._answer(
                    201,
                    {"sid": sid, "status": "queued", "to": form["To"], "body": form["Body"]},
                )

    return Handler


class TwilioServer:
    def __init__(self) -> None:
        self.state = TwilioState()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), twilio_handler(self.state))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> TwilioServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
