"""What an SMTP failure means, in one table: by the stage of the conversation it came at and
the reply code's class. Every 4xx, at any stage, is the server asking to try later
(retried); a dropped connection too. A 5xx is final: at the greeting, EHLO, STARTTLS, the
login or MAIL FROM no letter can go (the settings or the sender address are wrong: the run
stops at once), at RCPT TO or DATA only this letter is refused.

A temporary failure has a scope: the server's (the greeting, EHLO, STARTTLS, the login,
MAIL FROM, whose sender is every letter's, a 421 "closing" anywhere, a dropped connection)
or this letter's (RCPT TO, DATA: one mailbox may be full while the others are not)."""
from __future__ import annotations

import smtplib
from dataclasses import dataclass

# Stages of one SMTP conversation, in order, with how a message names them.
GREETING, EHLO, STARTTLS, LOGIN, MAIL, RCPT, DATA = "greeting", "ehlo", "starttls", "login", "mail", "rcpt", "data"
STAGE_VI = {GREETING: "lúc kết nối", EHLO: "lệnh EHLO", STARTTLS: "lệnh STARTTLS", LOGIN: "lúc đăng nhập",
            MAIL: "địa chỉ gửi, lệnh MAIL FROM", RCPT: "địa chỉ nhận, lệnh RCPT TO", DATA: "nội dung thư, lệnh DATA"}
# The exception smtplib raises for a reply at each stage (the others are told by the caller).
_STAGE_OF = ((smtplib.SMTPConnectError, GREETING), (smtplib.SMTPHeloError, EHLO),
             (smtplib.SMTPAuthenticationError, LOGIN), (smtplib.SMTPSenderRefused, MAIL),
             (smtplib.SMTPRecipientsRefused, RCPT), (smtplib.SMTPDataError, DATA))
RUN, LETTER = "run", "letter"   # who a failure concerns: every letter, or this one only
CLOSING = 421                   # "service not available, closing": the whole server, at any stage

# stage → (scope of a 4xx, scope of a 5xx, what a 5xx there means: words and advice).
# {where}: host:port; {reply}: the server's reply; {sender}/{recipient}: the addresses.
TABLE: dict[str, tuple[str, str, str]] = {
    GREETING: (RUN, RUN, "máy chủ {where} từ chối phục vụ ({reply}): kiểm tra --smtp"),
    EHLO: (RUN, RUN, "máy chủ {where} từ chối phục vụ ({reply}): kiểm tra --smtp"),
    STARTTLS: (RUN, RUN, "máy chủ {where} không mã hóa được kết nối bằng STARTTLS ({reply}): thêm --security none "
                         "nếu đây là máy chủ nội bộ, hoặc --security ssl nếu máy chủ dùng cổng 465"),
    LOGIN: (RUN, RUN, "máy chủ SMTP không chấp nhận tài khoản «{user}» với mật khẩu đã cho ({reply}): kiểm tra "
                      "--user và mật khẩu trong biến {password_env}"),
    MAIL: (RUN, RUN, "máy chủ từ chối địa chỉ gửi {sender} ({reply}): kiểm tra email của nơi tổng hợp trong sổ "
                     "đăng ký (--units), và --user nếu máy chủ cần đăng nhập"),
    RCPT: (LETTER, LETTER, "máy chủ từ chối người nhận {recipient} ({reply}): kiểm tra email của đơn vị trong sổ "
                           "đăng ký (--units)"),
    DATA: (LETTER, LETTER, "máy chủ không nhận thư này ({reply})"),
}
LATER = "máy chủ {where} yêu cầu thử lại sau ({stage}: {reply})"


@dataclass(frozen=True)
class Verdict:
    """What a failure means: retried or not, whose it is (RUN: every letter's, LETTER:
    this one's), and the Vietnamese words for it (what happened, what to change)."""

    retry: bool
    scope: str
    text: str
    stage: str = ""


def reply_text(code: int, words: bytes | str) -> str:
    """'451 4.7.1 greylisted': the code and the server's words."""
    text = words.decode(errors="replace") if isinstance(words, bytes) else str(words)
    return f"{code} {text}".strip()


def stage_of(exc: BaseException, default: str) -> str:
    """The stage a reply exception came at: by its type, else ``default`` (where the
    caller was: STARTTLS raises a plain SMTPResponseException)."""
    return next((stage for kind, stage in _STAGE_OF if isinstance(exc, kind)), default)


def verdict(stage: str, code: int, reply: str, *, where: str, sender: str = "", recipient: str = "",
            user: str = "", password_env: str = "") -> Verdict:
    """The table's answer for reply ``code`` at ``stage``."""
    later_scope, final_scope, words = TABLE[stage]
    if 400 <= code < 500:
        return Verdict(True, RUN if code == CLOSING else later_scope,
                       LATER.format(where=where, reply=reply, stage=STAGE_VI[stage]), stage)
    return Verdict(False, final_scope, words.format(where=where, reply=reply, sender=sender, recipient=recipient,
                                                    user=user, password_env=password_env), stage)


def dropped(where: str, stage: str = "") -> Verdict:
    """A connection that dropped (or went silent) in the middle: temporary, the server's."""
    at = f" ({STAGE_VI[stage]})" if stage else ""
    return Verdict(True, RUN, f"máy chủ {where} ngắt kết nối{at}", stage)
