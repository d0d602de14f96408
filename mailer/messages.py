"""Build the Vietnamese e-mails of the workflow as RFC 5322 messages (pure: no I/O but
reading the attachments given)."""
from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from xlsx_forms.inert import inert
from xlsx_forms.instructions import where_to_type
from xlsx_forms.model import Catalogue, dmy
from xlsx_forms.registry import Registry, Unit
from xlsx_forms.registry import in_sentence as mid  # a registry name inside a sentence
from xlsx_forms.styles import COLOUR_VI, CONFIRM, ERROR, MARKS, WARNING

from .headers import POLICY, set_header

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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
    subject: str = ""   # what the subject calls it, when not the kind's usual words



def form_line(catalogue: Catalogue, form_id: str) -> str:
    """'Phụ lục 3: Thống kê …' for a form id; the narrative report (the outline's id, "BC")
    by its title."""
    if form_id not in catalogue.forms:
        outline = catalogue.outline
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
    typed = where_to_type([catalogue.forms[f] for f in forms if f in catalogue.forms], unit.code)
    return Letter("mau", unit, (
        f"Thực hiện {catalogue.plan.reference}, {mid(cons.name)} gửi {mid(unit.name)} "
        f"các biểu mẫu phụ lục thống kê được giao:", *listed, "",
        # One level of brackets: ``typed`` may hold its own ("(bắt buộc)").
        f"Đề nghị đơn vị điền số liệu vào các tệp đính kèm, chỉ nhập vào {typed}, xem trang "
        "«Hướng dẫn» trong mỗi tệp; không đổi cấu trúc biểu, và gửi lại chính các tệp này chậm nhất "
        f"ngày {dmy(deadline)} về địa chỉ {cons.email}" + (f" ({cons.channel})." if cons.channel else "."),
        catalogue.plan.data_range), tuple(files))


def sent_name(rel: str) -> str:
    """A file as the office sent it: its name, without the consolidator's folders (the
    inbox keeps letters in folders of its own: «thư 20-3/vp/PL3.xlsx» → «PL3.xlsx»)."""
    return rel.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def for_office(text: str, paths: Iterable[str]) -> str:
    """``text`` (a harvest message) with every inbox path of ``paths`` shown as the
    file's name only: letters to offices never show the consolidator's folders."""
    for rel in sorted({p for p in paths if p and sent_name(p) != p}, key=len, reverse=True):
        text = text.replace(rel, sent_name(rel))
    return text


def _named(catalogue: Catalogue, form_id: str, sent: dict[str, str]) -> str:
    """'Phụ lục 3: … (tệp «PL3 văn phòng.xlsx»)': the appendix, and the file as sent."""
    name = sent.get(form_id)
    return form_line(catalogue, form_id) + (f" (tệp «{inert(sent_name(name), single_line=True)}»)" if name else "")


# What has errors, by the heading of its list (_listed): the words of a reminder's first line.
_WRONG = {"Báo cáo": "báo cáo theo Đề cương còn lỗi cần sửa", "Các phụ lục": "số liệu còn lỗi cần sửa",
          "Báo cáo và các phụ lục": "báo cáo theo Đề cương và số liệu còn lỗi cần sửa"}


def _listed(catalogue: Catalogue, ids: Iterable[str]) -> str:
    """What a list of form ids holds, for its heading: "Các phụ lục", "Báo cáo" (the
    narrative report alone) or "Báo cáo và các phụ lục"."""
    report = catalogue.outline.id if catalogue.outline is not None else None
    ids = list(ids)
    has_report, has_forms = report in ids, any(i != report for i in ids)
    return "Báo cáo và các phụ lục" if has_report and has_forms else "Báo cáo" if has_report else "Các phụ lục"


def reminder_letter(catalogue: Catalogue, registry: Registry, unit: Unit, missing: list[str],
                    with_errors: dict[str, list[str]], files: list[Path], deadline: date,
                    unusable: dict[str, tuple[str, list[str]]] | None = None,
                    sent: dict[str, str] | None = None) -> Letter:
    """A reminder: which appendices (and narrative report: the outline's id) are missing,
    which came back as a file that cannot be used (form → (reason, problems): received, so
    never called "not submitted"; the blank template goes with it), which came back with
    errors (form → problems). ``sent``: form → the file received (named by its file name
    only). "Đã nhận đủ" only when every appendix and the report are in; a unit that sent
    everything is told what is wrong, never that its report is missing."""
    cons = registry.consolidator.name
    sent = sent or {}
    unusable = unusable or {}
    report = catalogue.outline.id if catalogue.outline is not None else None
    what_wrong = _WRONG[_listed(catalogue, with_errors)]
    if missing:
        lines = [f"Đến nay {mid(cons)} chưa nhận đủ báo cáo của {mid(unit.name)}."]
        subject = ""
    elif unusable:
        lines = [f"{cons} đã nhận báo cáo của {mid(unit.name)}, nhưng có tệp không dùng được số liệu"
                 + (" và có phụ lục còn lỗi cần sửa." if with_errors else ".")]
        subject = "Đề nghị gửi lại báo cáo"
    else:
        lines = [f"{cons} đã nhận đủ báo cáo của {mid(unit.name)}, nhưng {what_wrong}."]
        subject = "Đề nghị sửa báo cáo" if set(with_errors) == {report} else "Đề nghị sửa số liệu"
    if missing:
        lines += [f"{_listed(catalogue, missing)} chưa nộp (mẫu gửi kèm):",
                  *(f"  - {form_line(catalogue, f)}" for f in missing)]
    if unusable:
        lines.append(f"{_listed(catalogue, unusable)} đã nhận được tệp nhưng không dùng được số liệu (mẫu "
                     "gửi kèm, đề nghị điền lại trên đúng mẫu này):")
        for form_id, (reason, problems) in unusable.items():
            lines.append(f"  - {_named(catalogue, form_id, sent)}: tệp gửi về không dùng được vì "
                         f"{inert(reason, single_line=True, limit=PROBLEM_TEXT)}.")
            lines += [f"      · {inert(p, single_line=True, limit=PROBLEM_TEXT)}" for p in problems[:2]]
    if with_errors:
        lines.append(f"{_listed(catalogue, with_errors)} đã nộp nhưng còn lỗi cần sửa:")
        for form_id, problems in with_errors.items():
            if not problems:
                lines.append(f"  - {_named(catalogue, form_id, sent)}: còn lỗi cần sửa.")
                continue
            shown = "ví dụ:" if len(problems) > 5 else "cụ thể:"
            lines.append(f"  - {_named(catalogue, form_id, sent)}: {len(problems)} lỗi, {shown}")
            lines += [f"      · {inert(p, single_line=True, limit=PROBLEM_TEXT)}" for p in problems[:5]]
    lines.append(f"Đề nghị đơn vị hoàn thành và gửi lại chậm nhất ngày {dmy(deadline)}.")
    return Letter("nhac", unit, tuple(lines), tuple(files), subject=subject)


def _mark_lines(mark: str, place: str, deadline: date) -> tuple[str, str]:
    """A correction letter's words for the cells of one mark (xlsx_forms.styles.MARKS):
    the heading of their list, and what their colour and comment mean, what to do."""
    how = MARKS[mark]
    colour, due = COLOUR_VI[how.fill], dmy(deadline)
    return {
        ERROR: ("Số liệu còn lỗi cần sửa ở:",
                f"Các {how.cells} có nền {colour} và có ghi chú «{how.comment}» nêu lỗi và cách sửa. Đề nghị đơn "
                f"vị sửa trực tiếp trên tệp này và gửi lại chậm nhất ngày {due}. Tệp gửi lại sẽ thay cho tệp đã "
                "gửi trước."),
        CONFIRM: ("Một số số liệu khác thường (so với các năm khác, các đơn vị khác hoặc số liệu tổng hợp "
                  f"của {place}), xin đơn vị xác nhận:",
                  f"Các {how.cells} có nền {colour} và có ghi chú «{how.comment}» nêu lý do; số liệu này vẫn được "
                  "dùng. Nếu số liệu đúng, đề nghị đơn vị trả lời thư này để xác nhận; nếu nhập nhầm, đề nghị sửa "
                  f"trên tệp này và gửi lại chậm nhất ngày {due}."),
        WARNING: ("Một số ô đã đọc được số liệu nhưng cần kiểm tra lại:",
                  f"Các {how.cells} có nền {colour} và có ghi chú «{how.comment}» nêu lý do; số liệu đã được đọc "
                  "và vẫn được dùng. Đề nghị đơn vị xem lại, nếu cần thì sửa trên tệp này."),
    }[mark]


def feedback_letter(catalogue: Catalogue, registry: Registry, unit: Unit, forms: dict[str, int],
                    files: list[Path], deadline: date, confirm: dict[str, int] | None = None,
                    key: str = "", sent: dict[str, str] | None = None,
                    warnings: dict[str, int] | None = None) -> Letter:
    """The correction loop: a fresh workbook with the unit's values, its cells marked as the
    workbook shows them (xlsx_forms.styles.MARKS): ``forms``: cells with errors per form,
    ``confirm``: unusual values to confirm, ``warnings``: values read as meant but worth a
    look; each kind counted apart and named by its colour. ``key``: the problems the letter
    is about (mailer.feedback), its identity: the same problems never make a second letter,
    whatever the freshly built workbook's bytes. ``sent``: form → the file received, named
    by its file name only."""
    counts = {ERROR: forms, CONFIRM: confirm or {}, WARNING: warnings or {}}
    counts = {m: {f: n for f, n in counts[m].items() if n} for m in MARKS}
    sent = sent or {}
    lines = [f"{registry.consolidator.name} đã nhận báo cáo của {mid(unit.name)}."]
    explained = []
    for mark in MARKS:
        heading, meaning = _mark_lines(mark, mid(registry.place), deadline)
        listed = counts[mark]
        if not listed and mark == ERROR and not any(counts.values()):
            # Errors the workbook could not put on a cell: still a letter about errors.
            listed = dict.fromkeys(forms, 0)
        if listed:
            lines.append(heading)
            for form_id, n in listed.items():
                lines.append(f"  - {_named(catalogue, form_id, sent)}: "
                             + (f"{n} {MARKS[mark].cells}" if n else "còn lỗi cần sửa"))
            explained.append(meaning)
    lines += ["", "Tệp gửi kèm là biểu mẫu mới đã điền sẵn số liệu đơn vị đã gửi.", *explained]
    return Letter("phan-hoi", unit, tuple(lines), tuple(files), key)


def message(letter: Letter, catalogue: Catalogue, registry: Registry, when: datetime) -> EmailMessage:
    """The RFC 5322 message (UTF-8 headers) of a letter. Its Message-ID depends only on what
    the letter is about (its ``key``), else on its content (body and attachments, never the
    date), so writing the same letter twice gives the same message, never sent twice."""
    cons = registry.consolidator
    # Headers: one line each, whatever a name holds (a CR or LF would start a new header).
    sender, unit_name = (inert(n, single_line=True, limit=HEADER_TEXT) for n in (cons.name, letter.unit.name))
    msg = EmailMessage(policy=POLICY)
    set_header(msg, "From", sender, cons.email)
    set_header(msg, "To", unit_name, letter.unit.email)
    set_header(msg, "Reply-To", sender, cons.email)
    tag = catalogue.plan.short or catalogue.plan.code   # the plan's own name for its reports
    # The plan's texts too: a subject shows no invisible character (U+202E turns it around).
    subject = (f"[{tag}] " if tag else "") + f"{letter.subject or KINDS[letter.kind]} – {unit_name}"
    set_header(msg, "Subject", inert(subject, single_line=True))
    msg["Date"] = format_datetime(when)
    # Opened from the outbox, Outlook and Thunderbird show it as a draft ready to send
    # (removed when cchc sends it itself: mailer.smtp).
    msg["X-Unsent"] = "1"
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
