"""A real SMTP server on loopback for tests (aiosmtpd), which can refuse recipients and
drop the connection once."""
from __future__ import annotations

import socket
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
