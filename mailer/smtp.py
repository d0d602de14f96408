"""Send the outbox through SMTP: STARTTLS or SSL, login from the environment, a retry on
transient failures only (a dropped connection, a 4xx reply), and each success recorded at
once in sent.csv so that nothing is ever sent twice. Wrong settings (a refused
connection, no STARTTLS, a wrong password…) stop the run at once with what to change."""
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

from .outbox import Outgoing, pending, record

PASSWORD_ENV = "CCHC_SMTP_PASSWORD"
# Worth another attempt: the connection dropped or the server said "try later" (4xx).
# Everything else at connection time (refused, unknown host, no STARTTLS, a wrong
# password, no answer) says the settings are wrong: the run stops at once.
TRANSIENT = (smtplib.SMTPServerDisconnected, ConnectionResetError, ConnectionAbortedError, BrokenPipeError)


class SetupError(Exception):
    """Nothing can be sent with these settings (Vietnamese: what is wrong, what to
    change); raised once, without retrying, whatever the number of messages."""


class LoginError(SetupError):
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


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return f"{exc.smtp_code} {text}".strip()


def setup_problem(exc: BaseException, config: SmtpConfig, stage: str) -> SetupError | None:
    """The SetupError that ``exc``, raised while connecting (``stage``: connect, starttls
    or login), means; None when it is transient (a dropped connection, a 4xx reply)."""
    where, c = config.where, config
    if isinstance(exc, smtplib.SMTPServerDisconnected) and "timed out" in str(exc):
        # smtplib reports a reply that never came (greeting, EHLO, STARTTLS, AUTH) as a
        # dropped connection: a server that answers nothing is a setting, not a hiccup.
        hint = " (cổng 465 cần --security ssl)" if c.port == 465 and c.security != "ssl" else ""
        return SetupError(f"máy chủ {where} nhận kết nối nhưng không trả lời sau {c.timeout:g} giây{hint}: "
                          "kiểm tra --smtp, --security và kết nối mạng (tường lửa)")
    if isinstance(exc, TRANSIENT) or (isinstance(exc, smtplib.SMTPResponseException) and 400 <= exc.smtp_code < 500
                                      and not isinstance(exc, smtplib.SMTPAuthenticationError)):
        return None
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return LoginError(f"máy chủ SMTP không chấp nhận tài khoản «{c.user}» với mật khẩu đã cho ({_reply(exc)}): "
                          f"kiểm tra --user và mật khẩu trong biến {PASSWORD_ENV}")
    if isinstance(exc, smtplib.SMTPNotSupportedError) and stage == "starttls":
        return SetupError("máy chủ không hỗ trợ STARTTLS: thêm --security none nếu đây là máy chủ nội bộ, hoặc "
                          "--security ssl nếu máy chủ dùng cổng 465")
    if isinstance(exc, smtplib.SMTPNotSupportedError) or (isinstance(exc, smtplib.SMTPException)
                                                           and stage == "login" and "AUTH" in str(exc)):
        return LoginError("máy chủ không hỗ trợ đăng nhập (AUTH) trên kết nối này: bỏ --user nếu máy chủ không cần "
                          "đăng nhập, hoặc dùng --security starttls (nhiều máy chủ chỉ cho đăng nhập khi đã mã hóa)")
    if isinstance(exc, smtplib.SMTPResponseException):
        return SetupError(f"máy chủ {where} từ chối phục vụ ({_reply(exc)}): kiểm tra --smtp")
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
        wrong; a transient failure (to retry) as it came."""
        if self.smtp is None:
            c, stage, smtp = self.config, "connect", None
            try:
                if c.security == "ssl":
                    smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=ssl.create_default_context())
                else:
                    smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
                    if c.security == "starttls":
                        stage = "starttls"
                        smtp.starttls(context=ssl.create_default_context())
                if c.user:
                    stage = "login"
                    try:
                        smtp.login(c.user, c.password)
                    except UnicodeEncodeError:
                        raise LoginError("tài khoản hoặc mật khẩu SMTP có ký tự ngoài bảng mã ASCII (có dấu); thư "
                                         "viện SMTP của Python không gửi được: hãy dùng mật khẩu không dấu") from None
            except (OSError, smtplib.SMTPException) as exc:
                _close(smtp)
                problem = setup_problem(exc, c, stage)
                if problem is None:
                    raise
                raise problem from None
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


def _refused(recipients: dict) -> str:
    return "máy chủ từ chối người nhận: " + ", ".join(f"{a} ({c})" for a, (c, _) in recipients.items())


def _send_one(conn: _Connection, item: Outgoing, config: SmtpConfig) -> str:
    """'' when sent, else the reason (after retrying transient failures: a dropped
    connection, a 4xx reply). Raises SetupError when no message can be sent."""
    message = copy.copy(item.message)
    del message["X-Unsent"]   # a draft on the consolidator's disk, a plain letter on the wire
    delay = config.backoff
    for attempt in range(1, config.attempts + 1):
        try:
            refused = conn.get().send_message(message)
            return _refused(refused) if refused else ""
        except smtplib.SMTPRecipientsRefused as exc:
            return _refused(exc.recipients)
        except smtplib.SMTPSenderRefused as exc:
            if exc.smtp_code < 500 and attempt < config.attempts:
                conn.drop()
                time.sleep(delay)
                delay *= 2
                continue
            # Every letter has the same sender: none would go.
            raise SetupError(f"máy chủ từ chối địa chỉ gửi {exc.sender} ({_reply(exc)}): kiểm tra email của nơi "
                             "tổng hợp trong sổ đăng ký (--units), và --user nếu máy chủ cần đăng nhập") from None
        except smtplib.SMTPResponseException as exc:
            conn.drop()
            if exc.smtp_code < 500 and attempt < config.attempts:
                time.sleep(delay)
                delay *= 2
                continue
            return f"máy chủ trả lời {_reply(exc)}"
        except (*TRANSIENT, TimeoutError) as exc:
            conn.drop()
            if attempt < config.attempts:
                time.sleep(delay)
                delay *= 2
                continue
            return f"mất kết nối tới máy chủ ({type(exc).__name__})"
    return "không gửi được"


def send_outbox(outbox: Path, config: SmtpConfig, only: Callable[[Outgoing], bool] | None = None,
                progress: Callable[[Outgoing], None] | None = None) -> SendReport:
    """Send every pending message of ``outbox`` (those ``only`` accepts). Settings that
    cannot work (SetupError) stop the run at the first message: ``stopped`` says why."""
    report = SendReport()
    items = pending(outbox)
    conn = _Connection(config)
    try:
        for item in items:
            if only and not only(item):
                continue
            try:
                reason = _send_one(conn, item, config)
            except SetupError as exc:
                report.stopped = str(exc)
                break
            now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
            record(outbox, [(item.message_id, item.path.name, item.to,
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
