"""Build the Vietnamese e-mails of the workflow as RFC 5322 messages (pure: no I/O but
reading the attachments given)."""
from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass, field
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

from xlsx_forms.inert import inert
from xlsx_forms.model import Catalogue, dmy
from xlsx_forms.outline import default_outline
from xlsx_forms.registry import Registry, Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Python 3.11's header folding drops the space where it splits a Vietnamese subject into
# two encoded words ("số liệu– Văn phòng"). Lines up to RFC 5322's 998 characters keep a
# subject in one piece; the body stays 7-bit (base64 or quoted-printable).
POLICY = SMTP.clone(max_line_length=998, cte_type="7bit")
HEADER_TEXT = 200    # characters of a name in a header (RFC 5322 lines stay within 998)
PROBLEM_TEXT = 600   # characters of one problem quoted in a reminder
KINDS = {"mau": "Gửi biểu mẫu", "nhac": "Nhắc nộp báo cáo", "phan-hoi": "Đề nghị sửa số liệu"}


@dataclass(frozen=True)
class Letter:
    """One e-mail to one unit: ``kind`` is mau (mail-out), nhac (reminder) or phan-hoi
    (correction); ``lines`` the body paragraphs between greeting and signature. ``key``,
    when set, is what the letter is about (e.g. its list of problems): its Message-ID then
    depends on that alone, not on the text or the attachments' bytes."""

    kind: str
    unit: Unit
    lines: tuple[str, ...]
    attachments: tuple[Path, ...] = field(default_factory=tuple)
    key: str = ""



def form_line(catalogue: Catalogue, form_id: str) -> str:
    """'Phụ lục 3: Thống kê …' for a form id; the narrative report (the outline's id, "BC")
    by its title."""
    if form_id not in catalogue.forms:
        outline = default_outline()
        if outline is not None and form_id == outline.id:
            subject = outline.title[0].lower() + outline.title[1:]
            return f"Báo cáo {subject} (tệp Word: viết dưới từng đề mục của Đề cương, giữ nguyên các đề mục)"
    form = catalogue.form(form_id)
    return f"Phụ lục {form.number}: {form.title}"


def mailout_letter(catalogue: Catalogue, registry: Registry, unit: Unit, files: list[Path],
                   forms: list[str], deadline: date) -> Letter:
    """The mail-out: the unit's workbooks and what to do with them."""
    cons = registry.consolidator
    listed = tuple(f"  - {form_line(catalogue, f)}" for f in forms)
    return Letter("mau", unit, (
        f"Thực hiện {catalogue.plan.reference}, {cons.name} gửi {unit.name} "
        f"các biểu mẫu phụ lục thống kê được giao:", *listed, "",
        "Đề nghị đơn vị điền số liệu vào các tệp đính kèm (chỉ nhập vào các ô nền vàng; xem trang "
        "«Hướng dẫn» trong mỗi tệp), không đổi cấu trúc biểu, và gửi lại chính các tệp này chậm nhất "
        f"ngày {dmy(deadline)} về địa chỉ {cons.email}" + (f" ({cons.channel})." if cons.channel else "."),
        catalogue.plan.data_range), tuple(files))


def reminder_letter(catalogue: Catalogue, registry: Registry, unit: Unit, missing: list[str],
                    with_errors: dict[str, list[str]], files: list[Path], deadline: date,
                    unusable: dict[str, tuple[str, list[str]]] | None = None) -> Letter:
    """A reminder: which appendices are missing, which came back as a file that cannot be
    used (form → (reason, problems): received, so never called "not submitted"; the blank
    template goes with it), which came back with errors."""
    cons = registry.consolidator.name
    lines = [f"Đến nay {cons} chưa nhận đủ báo cáo của {unit.name}." if missing else
             f"{cons} đã nhận báo cáo của {unit.name}, nhưng còn phụ lục cần gửi lại hoặc sửa."]
    if missing:
        lines += ["Các phụ lục chưa nộp (biểu mẫu gửi kèm):", *(f"  - {form_line(catalogue, f)}" for f in missing)]
    if unusable:
        lines.append("Các phụ lục đã nhận được tệp nhưng không dùng được số liệu (biểu mẫu gửi kèm, "
                     "đề nghị điền lại trên đúng biểu mẫu này):")
        for form_id, (reason, problems) in unusable.items():
            lines.append(f"  - {form_line(catalogue, form_id)}: tệp gửi về không dùng được vì "
                         f"{inert(reason, single_line=True, limit=PROBLEM_TEXT)}.")
            lines += [f"      · {inert(p, single_line=True, limit=PROBLEM_TEXT)}" for p in problems[:2]]
    if with_errors:
        lines.append("Các phụ lục đã nộp nhưng còn lỗi cần sửa:")
        for form_id, problems in with_errors.items():
            lines.append(f"  - {form_line(catalogue, form_id)}: {len(problems)} lỗi, ví dụ:")
            lines += [f"      · {inert(p, single_line=True, limit=PROBLEM_TEXT)}" for p in problems[:5]]
    lines.append(f"Đề nghị đơn vị hoàn thành và gửi lại chậm nhất ngày {dmy(deadline)}.")
    return Letter("nhac", unit, tuple(lines), tuple(files))


def feedback_letter(catalogue: Catalogue, registry: Registry, unit: Unit, forms: dict[str, int],
                    files: list[Path], deadline: date, confirm: dict[str, int] | None = None,
                    key: str = "") -> Letter:
    """The correction loop: a fresh workbook with the unit's values, problems marked
    (``forms``: cells to fix per form) and unusual values to confirm (``confirm``).
    ``key``: the problems the letter is about (mailer.feedback), its identity: the same
    problems never make a second letter, whatever the freshly built workbook's bytes."""
    wrong = {f: n for f, n in forms.items() if n}
    asked = {f: n for f, n in (confirm or {}).items() if n}
    lines = [f"{registry.consolidator.name} đã nhận báo cáo của {unit.name}."]
    if wrong or not asked:
        lines += ["Số liệu còn lỗi ở:", *(f"  - {form_line(catalogue, f)}: {n} ô cần xem lại" for f, n in wrong.items())]
    if asked:
        lines += [("Một số số liệu khác thường (so với các năm khác, các đơn vị khác hoặc số liệu tổng hợp "
                   "của thành phố), xin đơn vị xác nhận:"),
                  *(f"  - {form_line(catalogue, f)}: {n} ô xin xác nhận" for f, n in asked.items())]
    lines.append("")
    lines.append("Tệp gửi kèm là biểu mẫu mới đã điền sẵn số liệu đơn vị đã gửi.")
    if wrong or not asked:
        lines.append("Các ô cần sửa được tô màu đỏ và có ghi chú nêu lỗi và cách sửa. Đề nghị đơn vị sửa trực "
                     f"tiếp trên tệp này và gửi lại chậm nhất ngày {dmy(deadline)}. Tệp gửi lại sẽ thay cho "
                     "tệp đã gửi trước.")
    if asked:
        lines.append("Các ô xin xác nhận được tô màu xanh và có ghi chú «Xin xác nhận» nêu lý do; số liệu này "
                     "vẫn được dùng. Nếu số liệu đúng, đề nghị đơn vị trả lời thư này để xác nhận; nếu nhập "
                     f"nhầm, đề nghị sửa trên tệp này và gửi lại chậm nhất ngày {dmy(deadline)}.")
    return Letter("phan-hoi", unit, tuple(lines), tuple(files), key)


def message(letter: Letter, catalogue: Catalogue, registry: Registry, when: datetime) -> EmailMessage:
    """The RFC 5322 message (UTF-8 headers) of a letter. Its Message-ID depends only on what
    the letter is about (its ``key``), else on its content (body and attachments, never the
    date), so writing the same letter twice gives the same message, never sent twice."""
    cons = registry.consolidator
    # Headers: one line each, whatever a name holds (a CR or LF would start a new header).
    sender, unit_name = (inert(n, single_line=True, limit=HEADER_TEXT) for n in (cons.name, letter.unit.name))
    msg = EmailMessage(policy=POLICY)
    msg["From"] = Address(sender, addr_spec=cons.email)
    msg["To"] = Address(unit_name, addr_spec=letter.unit.email)
    msg["Reply-To"] = Address(sender, addr_spec=cons.email)
    msg["Subject"] = f"[CCHC 2011-2020] {KINDS[letter.kind]} – {unit_name}"
    msg["Date"] = format_datetime(when)
    # The body quotes issue messages and names: made inert as a whole, line breaks kept.
    body = inert("\n".join([f"Kính gửi: {letter.unit.name}", "", *letter.lines, "",
                            f"Mọi thắc mắc xin liên hệ: {cons.contact or cons.name}, email {cons.email}.",
                            "", "Trân trọng./.", cons.name]), single_line=False)
    msg.set_content(body + "\n", charset="utf-8")
    digest = hashlib.sha256(body.encode())
    for path in letter.attachments:
        data = path.read_bytes()
        digest.update(path.name.encode() + data)
        kind = mimetypes.guess_type(path.name)[0] or XLSX
        maintype, subtype = kind.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
    if letter.key:
        digest = hashlib.sha256(f"{letter.kind}\0{letter.unit.code}\0{letter.key}".encode())
    domain = cons.email.rsplit("@", 1)[-1]
    msg["Message-ID"] = f"<{letter.kind}.{letter.unit.code}.{digest.hexdigest()[:24]}@{domain}>"
    return msg
