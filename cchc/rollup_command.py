"""``cchc rollup``: fill the level above's template with this harvest's city figures."""
from __future__ import annotations

from pathlib import Path

import click

from harvest.citycsv import CITY_NAME, read_city_csv
from harvest.rollup import fill_parent
from oslayer.fileio import NotReadable, atomic_write_bytes, read_regular
from oslayer.oserrors import describe
from xlsx_forms import outdir, outwrite
from xlsx_forms.errors import CchcError

from . import config
from .mail_commands import SUMMARY_WHAT, waiting
from .remembered import Remembered

TEMPLATE_LIMIT = 64 << 20   # bytes: a template is about 20 kB
TEMPLATE_WHAT = "thư mục chứa biểu mẫu cấp trên (--template)"


def register(cli, plan_option, units_option, templates_option) -> None:
    """Add the rollup command to the ``cli`` group."""

    @cli.command()
    @click.option("--template", "parent", required=True, metavar="TỆP_BIỂU_MẪU",
                  type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="Biểu mẫu cấp trên gửi cho thành phố (tệp .xlsx do cchc của cấp trên tạo); không bị sửa.")
    @click.option("--summary", type=click.Path(exists=True, file_okay=False, path_type=Path),
                  metavar="THƯ_MỤC_TỔNG_HỢP", default=Path("output/summary"), show_default=True,
                  help=f"Thư mục kết quả của cchc harvest (đọc {CITY_NAME}: số liệu tổng hợp của thành phố).")
    @click.option("--out", type=click.Path(file_okay=False, path_type=Path), metavar="THƯ_MỤC_RA",
                  default=Path("output/cap-tren"),
                  show_default=True,
                  help="Thư mục ghi bản đã điền, cùng tên tệp với biểu mẫu cấp trên (chỉ thư mục mới, rỗng "
                       "hoặc do cchc rollup tạo).")
    @plan_option
    @units_option
    @templates_option
    def rollup(parent, summary, out, plan_path, units, templates) -> None:
        """Điền biểu mẫu của cấp trên bằng số liệu tổng hợp của thành phố.

        Đọc TỆP_BIỂU_MẪU (biểu mẫu cấp trên tạo bằng cchc, cùng phụ lục và bố cục với kế
        hoạch đang dùng) và THƯ_MỤC_TỔNG_HỢP/city.csv, ghi bản đã điền vào THƯ_MỤC_RA với cùng tên tệp để
        gửi lên cấp trên. Số liệu chưa đủ (đơn vị còn thiếu, giá trị không được tính) được
        ghi vào cột Ghi chú của dòng đó và in ra ở đây.
        """
        remembered = Remembered.load(templates)
        with remembered.announced(click.echo):
            catalogue = remembered.plan(plan_path).catalogue
            registry = remembered.registry(units)
        figures = read_city_csv(summary / CITY_NAME, catalogue) if (summary / CITY_NAME).is_file() else None
        if figures is None:
            raise CchcError("FILE_MISSING", outdir.shown(summary / CITY_NAME))
        outdir.unedited(summary, CITY_NAME, click.echo)   # the figures are the harvest's, not a hand edit
        try:
            data = read_regular(parent, TEMPLATE_LIMIT)
        except NotReadable as exc:
            raise CchcError("ROLLUP_TEMPLATE", outdir.shown(parent), problem=str(exc)) from None
        except OSError as exc:
            raise CchcError("ROLLUP_TEMPLATE", outdir.shown(parent), problem=describe(exc, "read")) from None
        filled = fill_parent(data, outdir.shown(parent), catalogue, registry, figures)
        reads = {TEMPLATE_WHAT: parent.parent, SUMMARY_WHAT: summary}
        outdir.check(out, "rollup", reads)
        with outwrite.writing_into(out, "rollup", reads, config.lock_wait(), waiting(out)) as folder:
            atomic_write_bytes(folder / parent.name, filled.data)
        click.echo(f"Đã điền {filled.filled} ô của {filled.form} (đơn vị «{filled.unit}» của cấp trên): "
                   f"{out / parent.name}")
        if filled.flags:
            click.echo(f"Chú ý: {len(filled.flags)} số liệu chưa đủ, đã ghi vào cột Ghi chú:")
            for line in filled.flags:
                click.echo(f"  - {line}")
