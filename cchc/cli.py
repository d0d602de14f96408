"""The ``cchc`` command: thin click wrappers over the xlsx_forms and harvest cores."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from harvest.console import closing_lines
from harvest.inbox import scan
from harvest.run import INBOX_WHAT
from harvest.run import harvest as run_harvest
from oslayer.oserrors import advice, describe
from xlsx_forms import outdir
from xlsx_forms.describe import catalogue_lines
from xlsx_forms.errors import CchcError
from xlsx_forms.generate import generate_all, parse_forms, plan
from xlsx_forms.plan import default_plan_name
from xlsx_forms.settings import SETTINGS
from xlsx_forms.writer import DEFAULT_PASSWORD, GenerateOptions

from . import __version__, config, i18n, mail_commands, plan_commands, report_command, rollup_command, watch_commands
from .helpformat import Context as HelpContext
from .helpformat import list_line
from .i18n import ConfigError
from .mail_commands import waiting
from .remembered import Remembered

i18n.install()
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Command(click.Command):
    """A subcommand whose usage line reads in Vietnamese, whose help wraps between words
    only and whose line in the list of commands is its whole first sentence."""

    context_class = HelpContext

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", i18n.OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)

    def get_short_help_str(self, limit: int = 45) -> str:
        return list_line(self)


def os_error_message(exc: OSError) -> str:
    """An operating-system error that reached the command line, in Vietnamese, naming
    the file when the system does (the last net: the cores turn the ones they expect
    into catalogued errors first)."""
    where = exc.filename if isinstance(exc.filename, str) else ""
    text = f"{describe(exc, 'use')}. {advice(exc, 'use')}."
    if not where:
        return text
    place = f"{outdir.shown(where)}: "
    return i18n.Placed(place + text, place)


class Group(click.Group):
    """Turns catalogued errors and operating-system errors into exit code 2 with a
    Vietnamese message, never a traceback. Its sub-groups (``cchc plan``) are Groups too."""

    command_class = Command
    context_class = HelpContext

    def get_short_help_str(self, limit: int = 45) -> str:
        return list_line(self)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", i18n.OPTIONS_METAVAR)
        kwargs.setdefault("subcommand_metavar", i18n.SUBCOMMAND_METAVAR)
        super().__init__(*args, **kwargs)

    group_class = type   # a sub-group is of this class: Vietnamese usage, whole short help

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CchcError as exc:
            raise ConfigError.of(exc) from None
        except OSError as exc:
            message = os_error_message(exc)
            raise ConfigError(message, getattr(message, "place", "")) from None


DEFAULT_PLAN = default_plan_name()   # from the embedded plan's data, never written here
GROUP_HELP = f"""Tạo, thu và tổng hợp các biểu báo cáo của một kế hoạch: mặc định là {DEFAULT_PLAN},
    hoặc kế hoạch ghi rõ khi tạo biểu mẫu (cchc generate --plan KẾ_HOẠCH), các lệnh sau dùng lại.

    \b
    Quy trình:
      0. cchc plan              lập và kiểm tra kế hoạch mới (không bắt buộc);
         cchc forms             xem các phụ lục: dòng, kỳ và kiểm tra;
      1. cchc generate          tạo biểu mẫu Excel đã khóa cho từng đơn vị;
      2. cchc mail              gửi mỗi đơn vị các biểu mẫu của mình;
      3. các đơn vị điền và gửi lại;
      4. cchc harvest           đọc các tệp gửi lại, lập bảng tổng hợp;
         cchc watch             tổng hợp lại mỗi khi có tệp gửi đến;
      5. cchc mail --reminders  nhắc đơn vị chưa nộp hoặc còn lỗi;
         cchc feedback          gửi lại biểu mẫu đã điền sẵn để sửa lỗi;
      6. cchc report            lập dự thảo báo cáo tổng kết theo Đề cương;
         cchc rollup            điền biểu mẫu của cấp trên.
    """


@click.group(name="cchc", cls=Group, context_settings=CONTEXT, help=GROUP_HELP)
@click.version_option(__version__, prog_name="cchc", message="%(prog)s, phiên bản %(version)s")
def cli() -> None:
    """The command group; its help (GROUP_HELP) names the embedded plan from its data."""


def _plan_option(recorded: str):
    return click.option(
        "--plan", "plan_path", type=click.Path(exists=True, path_type=Path), default=None,
        metavar="KẾ_HOẠCH",
        help=f"Kế hoạch: sổ Excel lập bằng cchc plan new hoặc plan export, hoặc thư mục đặc tả YAML. "
             f"Mặc định: kế hoạch ghi khi tạo biểu mẫu ({recorded}), nếu không có thì {DEFAULT_PLAN}.")


def _units_option(recorded: str):
    return click.option(
        "--units", "units", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="TỆP_ĐƠN_VỊ",
        help=f"Sổ đăng ký đơn vị (YAML), thay cho danh sách đơn vị của kế hoạch. Mặc định: sổ ghi khi tạo "
             f"biểu mẫu ({recorded}), nếu không có thì danh sách đơn vị của kế hoạch.")


def _key_option(recorded: str):
    return click.option(
        "--key-file", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="TỆP_KHÓA",
        help=f"Tệp khóa HMAC ký biểu mẫu. Mặc định: khóa ghi khi tạo biểu mẫu ({recorded}), nếu không "
             "có thì hmac.key trong thư mục cấu hình (biến CCHC_HOME), do cchc generate tạo ở lần dùng "
             "đầu tiên.")


# generate reads what its own last run recorded in --out; the other commands, --templates.
units_option, key_option = _units_option("--templates"), _key_option("--templates")
plan_option = _plan_option("--templates")
# What settings.json records, by the option that overrides it.
RECORDED = (("--plan", "kế hoạch"), ("--deadline", "hạn nộp"), ("--units", "sổ đăng ký"), ("--key-file", "khóa"))


def _and(items: list[str]) -> str:
    return ", ".join(items[:-1]) + " và " + items[-1] if len(items) > 1 else "".join(items)


class TemplatesOption(click.Option):
    """``--templates``, whose help names only what the record gives the command it is
    on: ``forms`` takes --plan alone, ``harvest`` all four."""

    def get_help_record(self, ctx: click.Context):
        taken = {name for param in ctx.command.params for name in param.opts}
        used = [(option, what) for option, what in RECORDED if option in taken]
        # (set when shown: the option is built before the command it belongs to)
        self.help = (f"Thư mục biểu mẫu của cchc generate: {_and([w for _, w in used])} ghi ở đó ({SETTINGS}) "
                     f"được dùng khi không ghi rõ {_and([o for o, _ in used])}.")
        return super().get_help_record(ctx)


templates_option = click.option(
    "--templates", cls=TemplatesOption, type=click.Path(file_okay=False, path_type=Path),
    default=Path("output/templates"), show_default=True, metavar="THƯ_MỤC_BIỂU_MẪU")


@cli.command()
@_plan_option("trong THƯ_MỤC_RA")
@_units_option("trong THƯ_MỤC_RA")
@click.option("--forms", default=None, metavar="PL1,PL3",
              help="Chỉ tạo các phụ lục này (cách nhau bằng dấu phẩy). Mặc định: tất cả.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), metavar="THƯ_MỤC_RA",
              default=Path("output/templates"), show_default=True,
              help="Thư mục ghi biểu mẫu (thay trọn vẹn khi đã tạo xong; chỉ thư mục mới, rỗng "
                   "hoặc do cchc generate tạo).")
@_key_option("trong THƯ_MỤC_RA")
@click.option("--password", envvar="CCHC_PASSWORD", default=DEFAULT_PASSWORD, show_default=True,
              metavar="MẬT_KHẨU",
              help="Mật khẩu bảo vệ trang tính và cấu trúc sổ (biến CCHC_PASSWORD).")
@click.option("--deadline", default=None, metavar="NGÀY/THÁNG/NĂM",
              help="Hạn gửi ghi trong hướng dẫn và ghi nhớ cho các lệnh sau. Mặc định: hạn đã ghi "
                   "trong THƯ_MỤC_RA, nếu không có thì hạn của kế hoạch.")
def generate(plan_path, units, forms, out, key_file, password, deadline) -> None:
    """Tạo biểu mẫu Excel đã khóa, có kiểm tra dữ liệu, cho từng đơn vị.

    Ghi THƯ_MỤC_RA/<mã đơn vị>/<phụ lục>_<mã đơn vị>.xlsx cho mọi phụ lục được giao, mẫu báo
    cáo theo Đề cương của kế hoạch (nếu có) THƯ_MỤC_RA/<mã đơn vị>/bao-cao_<mã đơn vị>.docx (khi
    tạo mọi phụ lục), THƯ_MỤC_RA/manifest.csv (mã, tên, email đơn vị, phụ lục, tệp) và
    THƯ_MỤC_RA/settings.json (kế hoạch, hạn nộp, sổ đăng ký và khóa đã dùng: harvest, forms, mail,
    feedback dùng lại khi không ghi rõ).
    """
    wait = config.lock_wait()
    outdir.check(out, "templates")
    # A run into the same folder keeps the choices of the last one, unless told otherwise.
    remembered = Remembered.load(out, say_missing=False)
    with remembered.announced(click.echo):
        bundle = remembered.plan(plan_path)
        catalogue = bundle.catalogue
        due = remembered.deadline(deadline, catalogue.plan.default_deadline)
        registry = remembered.registry(units)
        selected = parse_forms(forms, catalogue)
        key = remembered.key(key_file, create=True)
    when = config.generation_time()
    options = GenerateOptions(key=key, generated_at=when, deadline=due, password=password)
    settings = remembered.record(due, when.isoformat())
    outline = bundle.outline   # the plan's Đề cương: a report template per unit when all forms are made
    total = len(plan(registry, selected)) + (len(registry.units) if outline and selected is None else 0)
    with click.progressbar(length=total, label="Đang tạo biểu mẫu", file=sys.stderr) as bar:
        files = generate_all(catalogue, registry, out, options, selected,
                             progress=lambda _item: bar.update(1), wait=wait, on_wait=waiting(out),
                             extra={SETTINGS: settings.to_bytes()}, outline=outline)
    reports = sum(f.form not in catalogue.forms for f in files)
    units_done = len({f.unit.code for f in files})
    made = f"{len(files) - reports} biểu mẫu" + (f" và {reports} mẫu báo cáo (.docx)" if reports else "")
    click.echo(f"Đã tạo {made} cho {units_done} đơn vị trong {out} (danh sách: {out / 'manifest.csv'}).")


@cli.command()
@click.argument("inbox", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="THƯ_MỤC_NHẬN")
@plan_option
@units_option
@key_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), metavar="THƯ_MỤC_RA",
              default=Path("output/summary"), show_default=True,
              help="Thư mục ghi bảng tổng hợp và các tệp CSV (thay trọn vẹn khi đã ghi xong; chỉ "
                   "thư mục mới, rỗng hoặc do cchc harvest tạo, không nằm trong hay chứa THƯ_MỤC_NHẬN).")
@click.option("--deadline", default=None, metavar="NGÀY/THÁNG/NĂM",
              help="Hạn nộp; tệp lưu sau ngày này là nộp muộn. Mặc định: hạn ghi khi tạo biểu mẫu "
                   "(--templates), nếu không có thì hạn của kế hoạch.")
@templates_option
def harvest(inbox, plan_path, units, key_file, out, deadline, templates) -> None:
    """Đọc các tệp đơn vị gửi lại trong THƯ_MỤC_NHẬN và lập bảng tổng hợp.

    Đọc mọi tệp trong thư mục (kể cả thư mục con), nhận diện đơn vị và phụ lục, kiểm tra
    từng giá trị và quy tắc, đối chiếu với sổ đăng ký (thiếu, muộn, nộp lại), rồi ghi vào
    THƯ_MỤC_RA: tong-hop-cchc.xlsx, values.csv, issues.csv, ledger.csv, status.csv, city.csv,
    phu-luc-thanh-pho.xlsx và nội dung báo cáo theo Đề cương (tệp .docx, .odt) từng mục
    trong sections.csv. Các tệp nhận
    được không bao giờ bị sửa. Mã thoát 0 khi đã tổng hợp xong (vấn đề ghi trong kết quả),
    2 khi tham số hoặc cấu hình sai, khi phần lớn tệp không khớp chữ ký (có lẽ sai khóa)
    hoặc không ghi được THƯ_MỤC_RA (cả ba trường hợp: kết quả cũ giữ nguyên).
    """
    remembered = Remembered.load(templates)
    use = remembered.for_harvest(click.echo, plan_path, units, key_file, deadline)
    registry = use.registry
    wait = config.lock_wait()
    outdir.check(out, "harvest", {INBOX_WHAT: inbox})   # before reading anything
    # Handed over (popped), not kept here: a national inbox's entries are freed once read.
    scanned = [scan(inbox)]
    with click.progressbar(length=len(scanned[0]), label="Đang đọc tệp", file=sys.stderr) as bar:
        result = run_harvest(inbox, out, use.bundle.catalogue, registry, use.key, use.due,
                             progress=lambda _r: bar.update(1), files=scanned.pop(), lock_wait=wait,
                             on_wait=waiting(out),
                             expected_key=remembered.expected_key(), outline=use.bundle.outline)
    for line in closing_lines(result, registry, out, use.bundle.outline):
        click.echo(line)


@cli.command()
@plan_option
@templates_option
@click.option("--fixes", is_flag=True, help="Liệt kê cả các lỗi chính tả đã sửa so với văn bản gốc.")
def forms(plan_path, templates, fixes: bool) -> None:
    """Liệt kê các phụ lục của kế hoạch: các dòng, các kỳ và các kiểm tra của từng phụ lục."""
    remembered = Remembered.load(templates, say_missing=False)
    with remembered.announced(click.echo):
        catalogue = remembered.plan(plan_path).catalogue
    for line in catalogue_lines(catalogue, fixes):
        click.echo(line)


mail_commands.register(cli, plan_option, units_option, key_option, templates_option)
rollup_command.register(cli, plan_option, units_option, templates_option)
report_command.register(cli, plan_option, units_option, templates_option)
watch_commands.register(cli)
plan_commands.register(cli)


def main() -> None:
    """Console entry point."""
    cli(prog_name="cchc")
