"""Send the outbox through SMTP: STARTTLS or SSL, login from the environment, a retry on
temporary failures only (mailer.replies: a dropped connection, any 4xx reply), and each
success recorded at once in sent.csv so that nothing is ever sent twice. Wrong settings (a
refused connection, no STARTTLS, a wrong password, a 5xx to the sender…) stop the run at
once with what to change; a server that stays unavailable after the retries of one letter
stops it too (the letters left are sent by the next run), instead of costing every letter
its retries."""
from __future__ import annotations

import copy
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import replies
from .outbox import Outgoing, pending, record
from .replies import LETTER, RUN, Verdict

PASSWORD_ENV = "CCHC_SMTP_PASSWORD"
# A connection that dropped: worth another attempt (mailer.replies.dropped).
DROPPED = (smtplib.SMTPServerDisconnected, ConnectionResetError, ConnectionAbortedError, BrokenPipeError)
# Letters in a row whose retries all ended in a temporary refusal of their own (RCPT TO,
# DATA): one is a mailbox's trouble, two in a row the server's (greylisting every
# recipient): the run stops rather than spend every letter's retries.
SERVER_WIDE_AFTER = 2


class SetupError(Exception):
    """Nothing can be sent with these settings (Vietnamese: what is wrong, what to
    change); raised once, without retrying, whatever the number of messages."""


class LoginError(SetupError):
    """The SMTP server did not accept the login: nothing can be sent, no retry helps."""


class _Temporary(Exception):
    """Connecting failed in a way worth another attempt (its Verdict)."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.text)
        self.verdict = verdict


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send. The password comes from the environment, never from the
    command line (where other users of the machine could read it)."""

    host: str
    port: int
    security: str = "starttls"     # starttls, ssl or none
    user: str = ""
    password: str = ""
    timeout: float = 20.0          # seconds without an answer: the server is not there
    attempts: int = 3
    backoff: float = 2.0           # seconds before the 2nd attempt, doubled after

    @property
    def where(self) -> str:
        """host:port, as given to --smtp."""
        return f"{self.host}:{self.port}"


@dataclass
class SendReport:
    """What a sending run did."""

    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)   # (file, reason in Vietnamese)
    stopped: str = ""   # why the run stopped before the end (a SetupError's text), else ""
    paused: str = ""    # the server kept asking to try later: why the run stopped (else "")
    left: list[str] = field(default_factory=list)   # letters not attempted because the run stopped


def _words(exc: smtplib.SMTPResponseException, config: SmtpConfig, stage: str, sender: str = "",
           recipient: str = "") -> Verdict:
    reply = replies.reply_text(exc.smtp_code, exc.smtp_error)
    return replies.verdict(replies.stage_of(exc, stage), exc.smtp_code, reply, where=config.where, sender=sender,
                           recipient=recipient, user=config.user, password_env=PASSWORD_ENV)


def setup_problem(exc: BaseException, config: SmtpConfig, stage: str) -> SetupError | None:
    """The SetupError that ``exc``, raised while connecting (``stage``: greeting,
    starttls or login: mailer.replies), means; None when it is temporary (a dropped
    connection, a 4xx reply: worth another attempt)."""
    where, c = config.where, config
    if isinstance(exc, smtplib.SMTPServerDisconnected) and "timed out" in str(exc):
        # smtplib reports a reply that never came (greeting, EHLO, STARTTLS, AUTH) as a
        # dropped connection: a server that answers nothing is a setting, not a hiccup.
        hint = " (cổng 465 cần --security ssl)" if c.port == 465 and c.security != "ssl" else ""
        return SetupError(f"máy chủ {where} nhận kết nối nhưng không trả lời sau {c.timeout:g} giây{hint}: "
                          "kiểm tra --smtp, --security và kết nối mạng (tường lửa)")
    if isinstance(exc, DROPPED):
        return None
    if isinstance(exc, smtplib.SMTPResponseException):
        v = _words(exc, c, stage)
        if v.retry:
            return None
        return (LoginError if v.stage == replies.LOGIN else SetupError)(v.text)
    if isinstance(exc, smtplib.SMTPNotSupportedError) and stage == replies.STARTTLS:
        return SetupError("máy chủ không hỗ trợ STARTTLS: thêm --security none nếu đây là máy chủ nội bộ, hoặc "
                          "--security ssl nếu máy chủ dùng cổng 465")
    if isinstance(exc, smtplib.SMTPNotSupportedError) or (isinstance(exc, smtplib.SMTPException)
                                                           and stage == replies.LOGIN and "AUTH" in str(exc)):
        return LoginError("máy chủ không hỗ trợ đăng nhập (AUTH) trên kết nối này: bỏ --user nếu máy chủ không cần "
                          "đăng nhập, hoặc dùng --security starttls (nhiều máy chủ chỉ cho đăng nhập khi đã mã hóa)")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return SetupError(f"chứng chỉ của máy chủ {c.host} không hợp lệ ({exc.verify_message}): kiểm tra tên máy "
                          "chủ trong --smtp (phải đúng tên ghi trong chứng chỉ)")
    if isinstance(exc, ssl.SSLError):
        return SetupError(f"không mã hóa được kết nối tới {where} ({exc.reason or exc}): kiểm tra --security "
                          "(ssl cho cổng 465, starttls cho cổng 587, none cho máy chủ nội bộ không mã hóa)")
    if isinstance(exc, ConnectionRefusedError):
        return SetupError(f"máy chủ {where} từ chối kết nối (không có dịch vụ SMTP ở cổng {c.port}): kiểm tra "
                          "--smtp (cổng thường là 587 với starttls, 465 với ssl, 25 với none)")
    if isinstance(exc, socket.gaierror):
        return SetupError(f"không tìm thấy máy chủ «{c.host}»: kiểm tra tên máy chủ trong --smtp và kết nối mạng")
    if isinstance(exc, TimeoutError):
        hint = " (cổng 465 cần --security ssl)" if c.port == 465 and c.security != "ssl" else ""
        return SetupError(f"máy chủ {where} không trả lời sau {c.timeout:g} giây{hint}: kiểm tra --smtp, "
                          "--security và kết nối mạng (tường lửa)")
    if isinstance(exc, smtplib.SMTPException):
        return SetupError(f"máy chủ {where} trả lời không đúng giao thức SMTP ({exc}): kiểm tra --smtp và --security")
    if isinstance(exc, OSError):
        return SetupError(f"không kết nối được tới {where} ({exc.strerror or exc}): kiểm tra --smtp và kết nối "
                          "mạng")
    return None


class _Connection:
    def __init__(self, config: SmtpConfig) -> None:
        self.config, self.smtp = config, None

    def get(self) -> smtplib.SMTP:
        """The open connection, else a new one. Raises SetupError when the settings are
        wrong, _Temporary when the server asked to try later or dropped the connection."""
        if self.smtp is None:
            c, stage, smtp = self.config, replies.GREETING, None
            try:
                if c.security == "ssl":
                    smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=ssl.create_default_context())
                else:
                    smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
                    if c.security == "starttls":
                        stage = replies.STARTTLS
                        smtp.starttls(context=ssl.create_default_context())
                if c.user:
                    stage = replies.LOGIN
                    try:
                        smtp.login(c.user, c.password)
                    except UnicodeEncodeError:
                        raise LoginError("tài khoản hoặc mật khẩu SMTP có ký tự ngoài bảng mã ASCII (có dấu); thư "
                                         "viện SMTP của Python không gửi được: hãy dùng mật khẩu không dấu") from None
            except (OSError, smtplib.SMTPException) as exc:
                _close(smtp)
                problem = setup_problem(exc, c, stage)
                if problem is not None:
                    raise problem from None
                raise _Temporary(_words(exc, c, stage) if isinstance(exc, smtplib.SMTPResponseException)
                                 else replies.dropped(c.where, stage)) from None
            except LoginError:
                _close(smtp)
                raise
            self.smtp = smtp
        return self.smtp

    def drop(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.smtp = None


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        try:
            smtp.close()
        except OSError:
            pass


def _judge(exc: BaseException, config: SmtpConfig, item: Outgoing, sender: str) -> Verdict:
    """What a failure of send_message means (mailer.replies' table)."""
    if isinstance(exc, _Temporary):
        return exc.verdict
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        verdicts = [replies.verdict(replies.RCPT, code, replies.reply_text(code, text), where=config.where,
                                    recipient=address)
                    for address, (code, text) in exc.recipients.items()]
        return max(verdicts, key=lambda v: (v.scope == RUN, v.retry)) if verdicts else replies.dropped(config.where)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _words(exc, config, replies.DATA, sender=sender, recipient=item.to)
    return replies.dropped(config.where)


def _send_one(conn: _Connection, item: Outgoing, config: SmtpConfig) -> Verdict | None:
    """None when sent, else why not (after retrying what the server called temporary).
    Raises SetupError when no message can be sent with these settings."""
    message = copy.copy(item.message)
    del message["X-Unsent"]   # a draft on the consolidator's disk, a plain letter on the wire
    sender = str(message["From"].addresses[0].addr_spec) if message["From"] else ""
    delay = config.backoff
    for attempt in range(1, config.attempts + 1):
        try:
            refused = conn.get().send_message(message)
            if not refused:
                return None
            # Some recipients of a letter to several took it: never send it again.
            return Verdict(False, LETTER, "máy chủ từ chối người nhận: " + ", ".join(
                f"{a} ({c})" for a, (c, _) in refused.items()), replies.RCPT)
        except SetupError:
            raise
        except (_Temporary, OSError, smtplib.SMTPException) as exc:
            verdict = _judge(exc, config, item, sender)
        if not verdict.retry:
            if verdict.scope == RUN:   # a 5xx to the sender: every letter has the same one
                raise (LoginError if verdict.stage == replies.LOGIN else SetupError)(verdict.text)
            return verdict   # smtplib reset the transaction: the connection serves the next letter
        conn.drop()
        if attempt < config.attempts:
            time.sleep(delay)
            delay *= 2
    return verdict


def send_outbox(outbox: Path, config: SmtpConfig, only: Callable[[Outgoing], bool] | None = None,
                progress: Callable[[Outgoing], None] | None = None) -> SendReport:
    """Send every pending message of ``outbox`` (those ``only`` accepts). Settings that
    cannot work (SetupError) stop the run at the first message: ``stopped`` says why. A
    server that stays unavailable through one letter's retries (or refuses, for now,
    SERVER_WIDE_AFTER letters in a row) stops it too: ``paused`` says why, ``left`` lists
    the letters not tried (still pending: the next run sends them)."""
    report = SendReport()
    items = [i for i in pending(outbox) if not only or only(i)]
    conn = _Connection(config)
    streak = 0
    try:
        for n, item in enumerate(items):
            try:
                verdict = _send_one(conn, item, config)
            except SetupError as exc:
                report.stopped = str(exc)
                report.left = [i.path.name for i in items[n:]]
                break
            now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
            record(outbox, [(item.message_id, item.path.name, item.to,
                             "failed" if verdict else "sent", now, verdict.text if verdict else "")])
            if verdict:
                report.failed.append((item.path.name, verdict.text))
            else:
                report.sent.append(item.path.name)
            if progress:
                progress(item)
            streak = streak + 1 if verdict and verdict.retry else 0
            if verdict and verdict.retry and (verdict.scope == RUN or streak >= SERVER_WIDE_AFTER):
                report.paused = verdict.text
                report.left = [i.path.name for i in items[n + 1:]]
                break
    finally:
        conn.drop()
    return report
