"""``cchc plan new``, ``plan export`` and ``plan check``: thin wrappers over
xlsx_forms.authoring.workflow."""
from __future__ import annotations

from pathlib import Path

import click

from oslayer.fileio import atomic_write_bytes
from xlsx_forms.authoring.workflow import (
    blank_workbook,
    check_workbook,
    export_workbook,
)
from xlsx_forms.errors import CchcError
from xlsx_forms.plan import default_plan_name

from . import config
from .i18n import ConfigError

NEW_FILE = click.Path(dir_okay=False, path_type=Path)


def _write_new(path: Path, data: bytes) -> None:
    """Write a new workbook; an existing file is the user's and is never replaced."""
    if path.exists() or path.is_symlink():
        raise CchcError("PLAN_EXISTS", str(path))
    atomic_write_bytes(path, data)


def register(cli) -> None:
    """Add the ``plan`` group to ``cli``."""

    @cli.group(name="plan")
    def plan_group() -> None:
        """Lập kế hoạch mới trong sổ Excel, xuất kế hoạch đang dùng ra sổ Excel, kiểm tra sổ.

        \b
        Trình tự:
          cchc plan new KE-HOACH.xlsx       tạo sổ trống (có trang «Hướng dẫn»);
          (điền sổ bằng Excel hoặc LibreOffice)
          cchc plan check KE-HOACH.xlsx     nêu mọi chỗ sai, theo trang, dòng, cột;
          cchc generate --plan KE-HOACH.xlsx
        """

    @plan_group.command(name="new")
    @click.argument("file", type=NEW_FILE, metavar="TỆP")
    def new(file: Path) -> None:
        """Tạo sổ lập kế hoạch trống TỆP (.xlsx): các trang có tiêu đề cột, danh sách thả
        xuống và trang «Hướng dẫn» có ví dụ. Không ghi đè tệp đã có."""
        _write_new(file, blank_workbook(config.generation_time()))
        click.echo(f"Đã tạo sổ lập kế hoạch trống: {file}. Điền theo trang «Hướng dẫn», rồi kiểm tra bằng "
                   f"cchc plan check {file}.")

    @plan_group.command(name="export")
    @click.option("--plan", "plan_path", type=click.Path(exists=True, path_type=Path), default=None,
                  metavar="KẾ_HOẠCH",
                  help=f"Kế hoạch cần xuất (sổ Excel hoặc thư mục đặc tả YAML). Mặc định: {default_plan_name()}.")
    @click.option("--out", "out", type=NEW_FILE, required=True, metavar="TỆP",
                  help="Sổ Excel (.xlsx) sẽ ghi; không ghi đè tệp đã có.")
    def export(plan_path: Path | None, out: Path) -> None:
        """Ghi kế hoạch đang dùng ra một sổ lập kế hoạch, để sửa thành kế hoạch mới
        (rồi dùng bằng cchc generate --plan TỆP)."""
        _write_new(out, export_workbook(plan_path, config.generation_time()))
        click.echo(f"Đã ghi {f'kế hoạch {plan_path}' if plan_path else default_plan_name()} vào {out}.")

    @plan_group.command(name="check")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="TỆP")
    def check(file: Path) -> None:
        """Kiểm tra sổ lập kế hoạch TỆP và nêu mọi chỗ sai (trang, dòng, cột). Mã thoát 0
        khi hợp lệ, 2 khi có lỗi. Tệp không bao giờ bị sửa."""
        result = check_workbook(file)
        for where, problem in result.problems:
            click.echo(f"{where}: {problem}")
        if result.problems:
            raise ConfigError(f"kế hoạch {file} có {len(result.problems)} lỗi (nêu ở trên); sửa rồi kiểm tra lại.")
        catalogue, registry = result.catalogue, result.registry
        rows = sum(len(f.input_rows) for f in catalogue.forms.values())
        units = f", {len(registry.units)} đơn vị" if registry else ", chưa có đơn vị (cần --units)"
        click.echo(f"Kế hoạch hợp lệ: {len(catalogue.forms)} biểu, {rows} chỉ tiêu{units}.")
