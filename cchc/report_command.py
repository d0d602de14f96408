"""``cchc report``: draft the city's Báo cáo tổng kết from a harvest's outputs."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from harvest.city_report import ReportInput, build_city_report, closing
from harvest.citycsv import CITY_NAME, read_city_csv
from harvest.exports import unguarded
from harvest.reconcile import MISSING, WITH_ERRORS
from harvest.report_gaps import NOT_SENT, REPORT, Gap
from harvest.report_gaps import summary as gaps_summary
from oslayer.fileio import NotReadable, atomic_write_bytes, read_csv
from xlsx_forms import outdir, outwrite
from xlsx_forms.errors import CchcError
from xlsx_forms.outline import check_figures

from . import config
from .mail_commands import SUMMARY_WHAT, waiting
from .remembered import Remembered

REPORT_NAME = "bao-cao-tong-ket.docx"
SECTIONS_NAME = "sections.csv"
STATUS_NAME = "status.csv"


READS = (CITY_NAME, SECTIONS_NAME, STATUS_NAME)   # every harvest output the draft is made of


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():   # never read as empty: the draft would be silently wrong
        raise CchcError("FILE_MISSING", outdir.shown(path))
    try:
        return read_csv(path)
    except NotReadable as exc:
        raise CchcError("CSV_INVALID", str(path), problem=str(exc)) from None


def report_input(summary: Path, catalogue, registry, outline, when: datetime) -> ReportInput:
    """What the draft is made of, from the harvest's files in ``summary`` (each of them
    required; checked unedited by the caller: ``outdir.unedited(summary, READS, …)``)."""
    if not (summary / CITY_NAME).is_file():
        raise CchcError("FILE_MISSING", outdir.shown(summary / CITY_NAME))
    texts: dict[str, list[tuple[str, str]]] = {}
    for row in _rows(summary / SECTIONS_NAME):
        text = unguarded(row.get("text", "")).strip()
        if text:
            texts.setdefault(row["section_id"], []).append((unguarded(row["unit_name"]), text))
    gaps, no_report = [], {}
    for row in _rows(summary / STATUS_NAME):
        unit, name, form = row["unit_code"], unguarded(row["unit_name"]), row["form"]
        if row["status"] == MISSING:
            gaps.append(Gap(unit, name, form, NOT_SENT, whole=True))
        elif row.get("reason"):
            gaps.append(Gap(unit, name, form, f"tệp không dùng được ({unguarded(row['reason'])})", whole=True))
        elif row["status"] == WITH_ERRORS:
            gaps.append(Gap(unit, name, form, f"số liệu còn {row['errors']} lỗi"))
        if row.get("report") == MISSING:
            no_report[unit] = Gap(unit, name, "", "chưa gửi", kind=REPORT)
    gaps += no_report.values()
    return ReportInput(catalogue, registry, outline, read_city_csv(summary / CITY_NAME, catalogue), texts, gaps, when)


def register(cli, plan_option, units_option, templates_option) -> None:
    """Add the report command to the ``cli`` group."""

    @cli.command()
    @click.option("--summary", type=click.Path(exists=True, file_okay=False, path_type=Path),
                  metavar="THƯ_MỤC_TỔNG_HỢP", default=Path("output/summary"), show_default=True,
                  help=f"Thư mục kết quả của cchc harvest (đọc {CITY_NAME}, {SECTIONS_NAME}, {STATUS_NAME}).")
    @click.option("--out", type=click.Path(file_okay=False, path_type=Path), metavar="THƯ_MỤC_RA",
                  default=Path("output/bao-cao"),
                  show_default=True,
                  help=f"Thư mục ghi dự thảo {REPORT_NAME} (chỉ thư mục mới, rỗng hoặc do cchc report tạo).")
    @plan_option
    @units_option
    @templates_option
    def report(summary, out, plan_path, units, templates) -> None:
        """Lập dự thảo Báo cáo tổng kết của thành phố (tệp Word) theo Đề cương.

        Mỗi mục của Đề cương có: số liệu tổng hợp thuộc mục đó (câu văn, bảng theo kỳ,
        biểu đồ), nội dung báo cáo của từng đơn vị cho mục đó (ghi tên đơn vị), rồi phụ
        lục số liệu của thành phố và danh sách đơn vị chưa nộp hoặc số liệu không dùng
        được. Ban Tổ chức - Nội vụ biên tập lại trước khi trình ký.
        """
        remembered = Remembered.load(templates)
        with remembered.announced(click.echo):
            catalogue = remembered.plan(plan_path).catalogue
            registry = remembered.registry(units)
            due = remembered.deadline(None, catalogue.plan.default_deadline)
        outline = catalogue.outline   # the plan's Đề cương
        if outline is None:
            raise CchcError("FILE_MISSING", "outline.yaml (Đề cương báo cáo của kế hoạch)")
        check_figures(outline, catalogue.forms)
        when = config.generation_time()   # SOURCE_DATE_EPOCH, else now
        # Read first (a figure that breaks its kind's check is said at its line), then
        # refused unless every file read is the harvest's own, as written.
        data = report_input(summary, catalogue, registry, outline, when)
        outdir.unedited(summary, READS, click.echo)
        data.year = due.year
        body = build_city_report(data)
        reads = {SUMMARY_WHAT: summary}
        outdir.check(out, "report", reads)
        with outwrite.writing_into(out, "report", reads, config.lock_wait(), waiting(out)) as folder:
            atomic_write_bytes(folder / REPORT_NAME, body)
        click.echo(f"Đã lập dự thảo báo cáo: {out / REPORT_NAME} ({len(data.texts)} mục có nội dung của đơn "
                   f"vị; {gaps_summary(closing(data))}).")
