"""Send the outbox through SMTP: STARTTLS or SSL, login from the environment, a retry on
transient failures, and each success recorded at once in sent.csv so that nothing is
ever sent twice."""
from __future__ import annotations

import smtplib
import ssl
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .outbox import Outgoing, pending, record

PASSWORD_ENV = "CCHC_SMTP_PASSWORD"
TRANSIENT = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError, OSError)


class LoginError(Exception):
    """The SMTP server did not accept the login: nothing can be sent, no retry helps."""


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send. The password comes from the environment, never from the
    command line (where other users of the machine could read it)."""

    host: str
    port: int
    security: str = "starttls"     # starttls, ssl or none
    user: str = ""
    password: str = ""
    timeout: float = 30.0
    attempts: int = 3
    backoff: float = 2.0           # seconds before the 2nd attempt, doubled after


@dataclass
class SendReport:
    """What a sending run did."""

    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)   # (file, reason in Vietnamese)


class _Connection:
    def __init__(self, config: SmtpConfig) -> None:
        self.config, self.smtp = config, None

    def get(self) -> smtplib.SMTP:
        if self.smtp is None:
            c = self.config
            if c.security == "ssl":
                smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
                if c.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if c.user:
                try:
                    smtp.login(c.user, c.password)
                except UnicodeEncodeError:
                    smtp.close()
                    raise LoginError("tài khoản hoặc mật khẩu SMTP có ký tự ngoài bảng mã ASCII "
                                          "(có dấu); thư viện SMTP của Python không gửi được: hãy dùng "
                                          "mật khẩu không dấu") from None
            self.smtp = smtp
        return self.smtp

    def drop(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.smtp = None


def _send_one(conn: _Connection, item: Outgoing, config: SmtpConfig) -> str:
    """'' when sent, else the reason (after retrying transient failures)."""
    delay = config.backoff
    for attempt in range(1, config.attempts + 1):
        try:
            refused = conn.get().send_message(item.message)
            if refused:
                return "máy chủ từ chối người nhận: " + ", ".join(f"{a} ({c})" for a, (c, _) in refused.items())
            return ""
        except smtplib.SMTPRecipientsRefused as exc:
            return "máy chủ từ chối người nhận: " + ", ".join(f"{a} ({c})" for a, (c, _) in exc.recipients.items())
        except smtplib.SMTPAuthenticationError as exc:
            raise LoginError(f"máy chủ SMTP không chấp nhận đăng nhập ({exc.smtp_code})") from None
        except smtplib.SMTPResponseException as exc:
            conn.drop()
            if exc.smtp_code < 500 and attempt < config.attempts:
                time.sleep(delay)
                delay *= 2
                continue
            return f"máy chủ trả lời {exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"
        except TRANSIENT as exc:
            conn.drop()
            if attempt < config.attempts:
                time.sleep(delay)
                delay *= 2
                continue
            return f"mất kết nối tới máy chủ ({type(exc).__name__})"
    return "không gửi được"


def send_outbox(outbox: Path, config: SmtpConfig, only: Callable[[Outgoing], bool] | None = None,
                progress: Callable[[Outgoing], None] | None = None) -> SendReport:
    """Send every pending message of ``outbox`` (those ``only`` accepts)."""
    report = SendReport()
    items = pending(outbox)
    conn = _Connection(config)
    try:
        for item in items:
            if only and not only(item):
                continue
            reason = _send_one(conn, item, config)
            now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
            record(outbox, [(item.message_id, item.path.name, str(item.message["To"]),
                             "failed" if reason else "sent", now, reason)])
            if reason:
                report.failed.append((item.path.name, reason))
            else:
                report.sent.append(item.path.name)
            if progress:
                progress(item)
    finally:
        conn.drop()
    return report
