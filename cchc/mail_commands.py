"""``cchc mail`` and ``cchc feedback``: thin wrappers over the mailer package."""
from __future__ import annotations

import os
import sys
from collections import defaultdict
from pathlib import Path

import click

from mailer import outbox as box
from mailer.feedback import make_corrections
from mailer.messages import feedback_letter, mailout_letter, message, reminder_letter
from mailer.reminders import reminders as unit_reminders
from mailer.smtp import PASSWORD_ENV, SmtpConfig, send_outbox
from oslayer.fileio import NotReadable, read_csv
from xlsx_forms import outdir, outwrite
from xlsx_forms.errors import CchcError
from xlsx_forms.writer import DEFAULT_PASSWORD, GenerateOptions

from . import config
from .remembered import Remembered

TEMPLATES_WHAT = "thư mục biểu mẫu (--templates)"
SUMMARY_WHAT = "thư mục kết quả tổng hợp (--summary)"
OUTBOX_WHAT = "thư mục thư đi (--outbox)"
FEEDBACK_WHAT = "thư mục biểu mẫu cần sửa (--out)"
EXAMPLE_SMTP = "smtp.example.vn:587"   # the one example server of the help and the messages


def waiting(folder: Path):
    """The notice printed once when a run has to wait for another writing ``folder``."""
    def notice(pid: str) -> None:
        who = f" (tiến trình {pid})" if pid else ""
        click.echo(f"Đang chờ: một lần chạy cchc khác{who} đang ghi vào {folder}…", err=True)
    return notice


def _rows(path: Path, where: str) -> list[dict[str, str]]:
    if not path.exists():
        raise CchcError("FILE_MISSING", f"{where}: {path}")
    try:
        return read_csv(path)
    except NotReadable as exc:
        raise CchcError("CSV_INVALID", str(path), problem=str(exc)) from None


def smtp_options(func):
    """The sending options shared by mail and feedback."""
    for option in reversed([
        click.option("--send", is_flag=True, help="Gửi ngay các thư vừa ghi qua SMTP (mỗi thư chỉ gửi một lần)."),
        click.option("--smtp", "smtp", metavar="MÁY_CHỦ:CỔNG",
                     help=f"Máy chủ SMTP (dùng cùng --send), ví dụ {EXAMPLE_SMTP}."),
        click.option("--security", type=click.Choice(["starttls", "ssl", "none"]), default="starttls",
                     show_default=True, help="Mã hóa kết nối SMTP."),
        click.option("--retry-delay", type=config.Seconds(0, 600), default=2.0, show_default=True,
                     metavar="GIÂY", help="Chờ trước khi thử gửi lại khi máy chủ tạm thời không nhận thư (mất kết nối, "
                          "mã trả lời 4xx); gấp đôi mỗi lần, tối đa 3 lần."),
        click.option("--user", envvar="CCHC_SMTP_USER", default="", metavar="TÀI_KHOẢN",
                     help=f"Tài khoản SMTP (biến CCHC_SMTP_USER); mật khẩu lấy từ biến {PASSWORD_ENV}, "
                          "không bao giờ từ dòng lệnh."),
    ]):
        func = option(func)
    return func


class SendStopped(click.ClickException):
    """Sending stopped because the SMTP settings cannot work: exit code 2, as any wrong
    option."""

    exit_code = 2


def smtp_config(send: bool, smtp: str | None, security: str, user: str, retry_delay: float) -> SmtpConfig | None:
    """The sending settings when ``--send`` is given (None otherwise), checked before
    anything is written: a run that cannot send refuses to start, and so does --smtp
    without --send (the clerk meant to send: nothing would be)."""
    if not send:
        if smtp:
            raise click.UsageError("--smtp chỉ dùng khi gửi thư: thêm --send để gửi ngay các thư vừa ghi, hoặc bỏ "
                                   "--smtp để chỉ ghi thư.")
        return None
    if not smtp:
        raise click.UsageError(f"--send cần --smtp MÁY_CHỦ:CỔNG, ví dụ --smtp {EXAMPLE_SMTP}.")
    host, _, port = smtp.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.UsageError(f"--smtp: «{smtp}» phải có dạng MÁY_CHỦ:CỔNG, cổng là số từ 1 đến 65535 (ví dụ "
                               f"{EXAMPLE_SMTP}).")
    password = os.environ.get(PASSWORD_ENV, "")
    if user and not password:
        raise click.UsageError(f"Có tài khoản SMTP nhưng chưa đặt mật khẩu trong biến môi trường {PASSWORD_ENV}.")
    return SmtpConfig(host, int(port), security, user, password, backoff=retry_delay)


class SendPaused(click.ClickException):
    """Sending stopped because the server kept asking to try later: the letters left are
    sent by the next run. Exit code 1, as for letters not sent."""

    exit_code = 1


def _send(outbox: Path, kind: str, cfg: SmtpConfig) -> None:
    todo = [i for i in box.pending(outbox) if i.path.name.startswith(kind + "-")]
    with click.progressbar(length=len(todo), label="Đang gửi thư", file=sys.stderr) as bar:
        report = send_outbox(outbox, cfg, only=lambda i: i.path.name.startswith(kind + "-"),
                             progress=lambda _i: bar.update(1))
    if report.stopped:
        done = f"đã gửi {len(report.sent)} thư trước khi dừng" if report.sent else "chưa gửi thư nào"
        raise SendStopped(f"{report.stopped}. Đã dừng gửi ({done}); các thư vẫn ở {outbox}: sửa rồi chạy lại "
                          "lệnh để gửi (thư đã gửi không bị gửi lại).")
    if report.paused:
        unsent = len(report.failed) + len(report.left)
        raise SendPaused(f"{report.paused}; đã thử {cfg.attempts} lần. Máy chủ tạm thời không nhận thư nên đã dừng "
                         f"gửi (đã gửi {len(report.sent)} thư, {unsent} thư chưa gửi vẫn ở {outbox}): hãy chạy lại "
                         "lệnh sau ít phút, các thư chưa gửi sẽ được gửi (thư đã gửi không bị gửi lại).")
    failed = f", {len(report.failed)} thư chưa gửi được:" if report.failed else "."
    click.echo(f"Đã gửi {len(report.sent)} thư{failed}")
    for name, reason in report.failed:
        click.echo(f"  {name}: {reason}")
    if report.failed:
        click.echo("Chạy lại lệnh để gửi lại các thư chưa gửi được (thư đã gửi không bị gửi lại).")
        sys.exit(1)


def _replace_letters(outbox: Path, kind: str, written: set[str]) -> None:
    """Drop the letters of ``kind`` an earlier run wrote and did not send, for problems
    this run no longer finds (else ``--send`` would still send them)."""
    dropped = box.prune(outbox, kind, written)
    if dropped:
        click.echo(f"Đã bỏ {len(dropped)} thư cũ chưa gửi vì vấn đề trong thư không còn: "
                   + ", ".join(p.name for p in dropped) + ".")


def register(cli, plan_option, units_option, key_option, templates_option) -> None:
    """Add the mail and feedback commands to the ``cli`` group."""

    @cli.command()
    @plan_option
    @units_option
    @click.option("--templates", type=click.Path(file_okay=False, path_type=Path), metavar="THƯ_MỤC_BIỂU_MẪU",
                  default=Path("output/templates"), show_default=True,
                  help="Thư mục biểu mẫu đã tạo bằng cchc generate (có manifest.csv; kế hoạch, hạn nộp và "
                       "sổ đăng ký ghi ở đó, settings.json, được dùng khi không ghi rõ --plan, --deadline, "
                       "--units).")
    @click.option("--out", "outbox", type=click.Path(file_okay=False, path_type=Path), metavar="THƯ_MỤC_RA",
                  default=Path("output/outbox"), show_default=True,
                  help="Thư mục ghi các thư .eml (chỉ thư mục mới, rỗng hoặc thư mục thư đi của cchc).")
    @click.option("--reminders", is_flag=True, help="Thư nhắc các đơn vị «Chưa nộp» hoặc «Có lỗi» (cần --summary).")
    @click.option("--summary", type=click.Path(file_okay=False, path_type=Path), metavar="THƯ_MỤC_TỔNG_HỢP",
                  default=None,
                  help="Thư mục kết quả của cchc harvest (status.csv, issues.csv).")
    @click.option("--deadline", default=None, metavar="NGÀY/THÁNG/NĂM",
                  help="Hạn nộp ghi trong thư. Mặc định: hạn ghi khi tạo biểu mẫu (--templates), nếu không "
                       "có thì hạn của kế hoạch.")
    @smtp_options
    def mail(plan_path, units, templates, outbox, reminders, summary, deadline, send, smtp, security, retry_delay,
             user) -> None:
        """Ghi thư điện tử (.eml) gửi mỗi đơn vị, kèm các biểu mẫu của đơn vị.

        Mỗi thư mở được bằng Thunderbird hoặc Outlook để gửi. Với --reminders: thư nhắc
        liệt kê đúng các phụ lục chưa nộp, đã nộp nhưng tệp không dùng được (và vì sao) hoặc
        còn lỗi. Với --send: gửi qua SMTP, ghi vào THƯ_MỤC_RA/sent.csv; mỗi thư chỉ gửi một lần, chạy
        lại không gửi trùng. Mã thoát 1 nếu có thư chưa gửi được.
        """
        sending = smtp_config(send, smtp, security, user, retry_delay)   # before anything is written
        remembered = Remembered.load(templates)
        with remembered.announced(click.echo):
            catalogue = remembered.plan(plan_path).catalogue
            due = remembered.deadline(deadline, catalogue.plan.default_deadline)
            registry = remembered.registry(units)
        if reminders and summary is None:
            raise click.UsageError("--reminders cần --summary THƯ_MỤC_TỔNG_HỢP (kết quả của cchc harvest).")
        reads = {TEMPLATES_WHAT: templates, **({SUMMARY_WHAT: summary} if summary else {})}
        outdir.check(outbox, "outbox", reads)
        manifest = defaultdict(list)
        manifest_path = templates / "manifest.csv"
        if manifest_path.exists() or not reminders:
            for row in _rows(manifest_path, "--templates"):
                manifest[row["unit_code"]].append((row["form"], templates / row["file"]))
        when = config.generation_time()
        written: set[str] = set()
        kind = "nhac" if reminders else "mau"
        # Held until the letters are sent: two runs never send the same outbox.
        with outwrite.writing_into(outbox, "outbox", reads, config.lock_wait(), waiting(outbox)):
            if reminders:
                statuses = _rows(summary / "status.csv", "--summary")
                issues = _rows(summary / "issues.csv", "--summary")
                report_id = catalogue.outline.id if catalogue.outline is not None else None
                for r in unit_reminders(statuses, issues, registry, report_id):
                    files = [p for f, p in manifest.get(r.unit.code, []) if f in r.missing or f in r.unusable
                             or (f == report_id and f in r.wrong)]   # a report is redone on its template
                    letter = reminder_letter(catalogue, registry, r.unit, r.missing, r.wrong, files, due, r.unusable,
                                             r.sent)
                    box.write(outbox, f"nhac-{r.unit.code}", message(letter, catalogue, registry, when))
                    written.add(f"nhac-{r.unit.code}")
            else:
                for unit in registry.units:
                    if unit.code not in manifest:
                        continue
                    forms = [f for f, _ in manifest[unit.code]]
                    letter = mailout_letter(catalogue, registry, unit, [p for _, p in manifest[unit.code]], forms,
                                            due)
                    box.write(outbox, f"mau-{unit.code}", message(letter, catalogue, registry, when))
                    written.add(f"mau-{unit.code}")
            click.echo(f"Đã ghi {len(written)} thư vào {outbox}.")
            _replace_letters(outbox, kind, written)
            if sending:
                _send(outbox, kind, sending)

    @cli.command()
    @click.option("--summary", type=click.Path(exists=True, file_okay=False, path_type=Path),
                  metavar="THƯ_MỤC_TỔNG_HỢP", required=True,
                  help="Thư mục kết quả của cchc harvest.")
    @plan_option
    @units_option
    @key_option
    @templates_option
    @click.option("--out", type=click.Path(file_okay=False, path_type=Path), metavar="THƯ_MỤC_RA",
                  default=Path("output/feedback"),
                  show_default=True,
                  help="Thư mục ghi các biểu mẫu cần sửa (thay trọn vẹn; chỉ thư mục mới, rỗng hoặc "
                       "do cchc feedback tạo).")
    @click.option("--outbox", type=click.Path(file_okay=False, path_type=Path), default=Path("output/outbox"),
                  show_default=True, metavar="THƯ_MỤC_THƯ_ĐI", help="Thư mục ghi các thư .eml phản hồi.")
    @click.option("--password", envvar="CCHC_PASSWORD", default=DEFAULT_PASSWORD, show_default=True,
                  metavar="MẬT_KHẨU", help="Mật khẩu bảo vệ trang tính (biến CCHC_PASSWORD).")
    @click.option("--deadline", default=None, metavar="NGÀY/THÁNG/NĂM",
                  help="Hạn gửi lại ghi trong thư. Mặc định: hạn ghi khi tạo biểu mẫu (--templates), nếu "
                       "không có thì hạn của kế hoạch.")
    @smtp_options
    def feedback(summary, plan_path, units, key_file, templates, out, outbox, password, deadline, send, smtp, security,
                 retry_delay, user) -> None:
        """Gửi lại cho đơn vị có lỗi một biểu mẫu mới đã điền sẵn số liệu của đơn vị.

        Mỗi ô có lỗi được tô màu và có ghi chú nêu lỗi và cách sửa; kèm một thư .eml. Tệp đơn
        vị sửa và gửi lại sẽ thay cho tệp trước ở lần tổng hợp sau. Mỗi danh sách lỗi chỉ
        gửi một lần: chạy lại không gửi gì nếu lỗi không đổi; lỗi đổi thì là thư mới.
        """
        sending = smtp_config(send, smtp, security, user, retry_delay)   # before anything is written
        remembered = Remembered.load(templates)
        with remembered.announced(click.echo):
            catalogue = remembered.plan(plan_path).catalogue
            due = remembered.deadline(deadline, catalogue.plan.default_deadline)
            registry = remembered.registry(units)
            key = remembered.key(key_file)
        options = GenerateOptions(key=key, generated_at=config.generation_time(), deadline=due, password=password)
        _rows(summary / "status.csv", "--summary")
        reads_out = {SUMMARY_WHAT: summary, OUTBOX_WHAT: outbox}
        reads_box = {SUMMARY_WHAT: summary, FEEDBACK_WHAT: out}
        outdir.check(out, "feedback", reads_out)
        outdir.check(outbox, "outbox", reads_box, option="--outbox")
        wait = config.lock_wait()
        with outwrite.replacing(out, "feedback", reads_out, wait, waiting(out)) as staging:
            corrections = make_corrections(summary, staging, catalogue, registry, options)
        # The workbooks are in place now: attach them from where they are kept.
        for c in corrections:
            c.files.update({f: (out / p.relative_to(staging), n) for f, (p, n) in c.files.items()})
        when = config.generation_time()
        with outwrite.writing_into(outbox, "outbox", reads_box, wait, waiting(outbox), option="--outbox"):
            for c in corrections:
                letter = feedback_letter(catalogue, registry, c.unit, {f: n for f, (_, n) in c.files.items()},
                                         [p for p, _ in c.files.values()], due, c.confirm, key=c.problems_key,
                                         sent=c.sent, warnings=c.warnings)
                box.write(outbox, f"phan-hoi-{c.unit.code}", message(letter, catalogue, registry, when))
            click.echo(f"Đã tạo {sum(len(c.files) for c in corrections)} biểu mẫu cần sửa cho {len(corrections)} "
                       f"đơn vị trong {out}, thư phản hồi trong {outbox}.")
            _replace_letters(outbox, "phan-hoi", {f"phan-hoi-{c.unit.code}" for c in corrections})
            if sending:
                _send(outbox, "phan-hoi", sending)
