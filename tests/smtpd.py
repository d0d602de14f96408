"""SMTP servers on loopback for tests: a real one (aiosmtpd), which can refuse recipients
and drop the connection once; a scripted one (Scripted) answering each stage as told."""
from __future__ import annotations

import socket
import socketserver
import threading
from email import message_from_bytes
from email.policy import SMTP

from aiosmtpd.controller import Controller


class Recorder:
    """Keeps every accepted message; refuses ``refuse``; drops ``drop_once`` once."""

    def __init__(self) -> None:
        self.messages: list = []
        self.refuse: set[str] = set()
        self.drop_once: set[str] = set()
        self.logins: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if set(envelope.rcpt_tos) & self.drop_once:
            self.drop_once -= set(envelope.rcpt_tos)
            server.transport.close()   # the connection drops in the middle of a message
            return "421 closing"
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              message_from_bytes(envelope.original_content, policy=SMTP)))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(handler: Recorder, **kwargs) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller


class Scripted:
    """A minimal SMTP server on loopback whose answer at each stage is scripted:
    ``answers`` maps a stage (greeting, ehlo, mail, rcpt, data: the reply to the message's
    content) to a reply line, or to "drop" (the connection is closed instead of
    answering); with ``only``, the rcpt and data answers are for those recipients alone.
    Counts connections and how often each stage was reached."""

    def __init__(self, answers: dict[str, str], only: set[str] | None = None) -> None:
        self.answers, self.only = answers, only
        self.reached: dict[str, int] = {}
        self.connections = 0
        self.accepted = 0
        self._lock = threading.Lock()
        scripted = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                with scripted._lock:
                    scripted.connections += 1
                scripted.converse(self.rfile, self.wfile)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _say(self, stage: str, default: str, wfile, to: str = "") -> bool:
        """Answer ``stage`` (False: the connection was dropped or refused)."""
        with self._lock:
            self.reached[stage] = self.reached.get(stage, 0) + 1
        scripted = self.only is None or stage not in ("rcpt", "data") or to in self.only
        answer = self.answers.get(stage, default) if scripted else default
        if answer == "drop":
            return False
        wfile.write(answer.encode() + b"\r\n")
        return answer[:1] in "23"

    def converse(self, rfile, wfile) -> None:
        if not self._say("greeting", "220 loopback ESMTP", wfile):
            return
        to = ""
        while line := rfile.readline():
            verb = line.split(b" ", 1)[0].strip().upper()
            if verb in (b"EHLO", b"HELO"):
                self._say("ehlo", "250 loopback", wfile)   # a 4xx to EHLO: smtplib tries HELO, same answer
            elif verb == b"MAIL":
                self._say("mail", "250 OK", wfile)
            elif verb == b"RCPT":
                to = line.decode().split("<", 1)[-1].split(">", 1)[0]
                self._say("rcpt", "250 OK", wfile, to)
            elif verb == b"DATA":
                if self.answers.get("data") == "drop" and (self.only is None or to in self.only):
                    self._say("data", "", wfile, to)
                    return
                wfile.write(b"354 go on\r\n")
                while (body := rfile.readline()) and body.rstrip(b"\r\n") != b".":
                    pass
                if self._say("data", "250 accepted", wfile, to):
                    with self._lock:
                        self.accepted += 1
            elif verb in (b"RSET", b"NOOP"):
                wfile.write(b"250 OK\r\n")
            elif verb == b"QUIT":
                wfile.write(b"221 bye\r\n")
                return
            else:
                wfile.write(b"502 not implemented\r\n")

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
