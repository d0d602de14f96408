"""The settings ``cchc generate`` recorded (xlsx_forms.settings), resolved against the
options of the command being run.

One rule for every command and setting: an explicit option wins; else what the templates
folder recorded (``--templates``, default ``output/templates``; for ``generate``, its own
``--out``); else the built-in default. Every choice becomes a console line saying where it
came from, and an option that differs from the record is pointed out (it is used: the
operator may extend a deadline, or correct an e-mail address in the registry).
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from xlsx_forms.identity import key_fingerprint, load_or_create_key
from xlsx_forms.model import dmy
from xlsx_forms.plan import PlanBundle, load_plan
from xlsx_forms.registry import Registry
from xlsx_forms.settings import SETTINGS, Settings, file_sha256, load_settings

from . import config

PLAN_UNITS_SHOWN = "danh sách đơn vị của kế hoạch"


@dataclass(frozen=True)
class HarvestSettings:
    """The plan, deadline, registry and key one harvest uses."""

    bundle: PlanBundle
    due: date
    registry: Registry
    key: bytes


@dataclass
class Remembered:
    """The recorded settings of one templates folder and the choices made against them;
    ``lines`` are what the command prints (Vietnamese)."""

    templates: Path
    settings: Settings | None
    lines: list[str] = field(default_factory=list)

    @contextmanager
    def announced(self, echo):
        """Make the choices inside the block; ``echo`` each line about them when it ends,
        even when a choice fails: an error then comes after what led to it."""
        try:
            yield self
        finally:
            for line in self.lines:
                echo(line)
    registry_choice: str = ""   # absolute path of the registry in use, "" for the plan's own
    plan_choice: str = ""       # absolute path of the plan in use, "" for the embedded one
    bundle: PlanBundle | None = None
    key_file: Path | None = None
    fingerprint: str = ""

    @classmethod
    def load(cls, templates: Path, *, say_missing: bool = True) -> Remembered:
        """The settings of ``templates`` (none when the folder or its settings.json is
        missing: then, if ``say_missing``, a line says so). Raises CchcError for a settings
        file that cannot be read."""
        found = cls(templates, load_settings(templates) if templates.is_dir() else None)
        if found.settings is None and say_missing:
            found.lines.append(f"Không có thiết đặt ghi khi tạo biểu mẫu ({templates / SETTINGS}): dùng giá trị "
                               "mặc định cho những gì không ghi rõ.")
        return found

    @property
    def where(self) -> str:
        """Where the settings are (for messages)."""
        return str(self.templates / SETTINGS)

    def _recorded(self) -> str:
        return f"ghi khi tạo biểu mẫu, {self.where}"

    def deadline(self, option: str | None, default: date) -> date:
        """The deadline: ``--deadline``, else recorded, else ``default`` (the plan's)."""
        recorded = self.settings.deadline if self.settings else None
        if option is not None:   # («--deadline ""» is refused, not taken for no option)
            due, source = config.parse_date(option, "--deadline"), "theo --deadline"
        elif recorded:
            due, source = recorded, self._recorded()
        else:
            due, source = default, "mặc định theo kế hoạch"
        self.lines.append(f"Hạn nộp: {dmy(due)} ({source}).")
        if recorded and due != recorded:
            self.lines.append(f"Chú ý: hạn này khác hạn ghi trong các biểu mẫu đã tạo ({dmy(recorded)}, "
                              f"{self.where}).")
        return due

    def plan(self, option: Path | None) -> PlanBundle:
        """The plan: ``--plan``, else recorded, else the embedded one. Raises CchcError
        when it cannot be read or is not valid."""
        recorded = self.settings
        if option is not None:
            path, source = option, "theo --plan"
            self.plan_choice = os.path.abspath(option)
        elif recorded:
            path, source = (Path(recorded.plan) if recorded.plan else None), self._recorded()
            self.plan_choice = recorded.plan
        else:
            path, source = None, "mặc định"
        self.bundle = load_plan(path)
        self.lines.append(f"Kế hoạch: {self.bundle.shown} ({source}).")
        if recorded and self.plan_choice != recorded.plan:
            then = recorded.plan or load_plan(None).shown
            self.lines.append(f"Chú ý: kế hoạch này khác kế hoạch đã dùng khi tạo biểu mẫu ({then}); các biểu "
                              "mẫu đã gửi được đọc theo kế hoạch đang dùng.")
        elif recorded and recorded.plan_sha256 and recorded.plan_sha256 != self.bundle.sha256:
            self.lines.append(f"Chú ý: nội dung kế hoạch {self.bundle.shown} đã thay đổi từ khi tạo biểu mẫu "
                              f"({self.where}); các biểu mẫu đã gửi được đọc theo nội dung hiện nay.")
        return self.bundle

    def registry(self, option: Path | None) -> Registry:
        """The units: ``--units``, else the file recorded, else the plan's own (after
        ``plan``). Raises CchcError."""
        if self.bundle is None:
            raise RuntimeError("Remembered.plan() must run before registry()")
        recorded = self.settings
        if option is not None:
            path, source = option, "theo --units"
            self.registry_choice = os.path.abspath(option)
        elif recorded and recorded.registry:
            path, source = Path(recorded.registry), self._recorded()
            self.registry_choice = recorded.registry
        else:
            path, source = None, self._recorded() if recorded else "mặc định"
        self.lines.append(f"Sổ đăng ký đơn vị: {path or PLAN_UNITS_SHOWN} ({source}).")
        # The plan's own units are covered by the plan's hash (see plan()).
        if path is not None and recorded and recorded.registry_sha256 \
                and file_sha256(path) != recorded.registry_sha256:
            then = recorded.registry or PLAN_UNITS_SHOWN
            self.lines.append(f"Chú ý: sổ đăng ký này khác sổ đã dùng khi tạo biểu mẫu ({then}, nội dung lúc "
                              "đó); các đơn vị và phụ lục được đối chiếu theo sổ đang dùng.")
        return self.bundle.units(path)

    def key(self, option: Path | None, *, create: bool = False) -> bytes:
        """The signing key: ``--key-file``, else recorded, else the default key of the
        configuration folder (created at first use only when ``create``: by generate).
        Raises CchcError."""
        recorded = self.settings
        if option is not None:
            path, source = option, "theo --key-file"
        elif recorded:
            path, source = Path(recorded.key_file), self._recorded()
        else:
            path, source = config.default_key_path(), "khóa mặc định trong thư mục cấu hình"
        created = []
        key = load_or_create_key(path, create=create, on_create=created.append)
        self.key_file, self.fingerprint = Path(os.path.abspath(path)), key_fingerprint(key)
        self.lines.append(f"Khóa ký: {path}, dấu vân tay {self.fingerprint} ({source}).")
        if created:
            self.lines.append(
                f"Đã tạo khóa ký mới tại {self.key_file}. Hãy giữ tệp này (và một bản sao ở nơi an toàn, "
                "không gửi cho ai): cchc harvest và cchc feedback cần đúng khóa này để nhận các biểu mẫu "
                "tạo bằng nó; mất khóa thì phải tạo và gửi lại toàn bộ biểu mẫu.")
        if recorded and recorded.key_fingerprint != self.fingerprint:
            self.lines.append(f"Chú ý: khóa này khác khóa đã ký các biểu mẫu trong {self.templates} "
                              f"(dấu vân tay {recorded.key_fingerprint}, {recorded.key_file}).")
        return key

    def for_harvest(self, echo, plan: Path | None, units: Path | None, key_file: Path | None,
                    deadline: str | None) -> HarvestSettings:
        """What a harvest reads with (``cchc harvest`` and ``cchc watch`` alike), each said
        through ``echo`` with where it came from."""
        with self.announced(echo):
            bundle = self.plan(plan)
            due = self.deadline(deadline, bundle.catalogue.plan.default_deadline)
            registry = self.registry(units)
            key = self.key(key_file)
        return HarvestSettings(bundle, due, registry, key)

    def expected_key(self) -> tuple[str, str]:
        """(fingerprint of the key that signed the templates, where that is recorded), or
        ("", "") when nothing is recorded."""
        return (self.settings.key_fingerprint, self.where) if self.settings else ("", "")

    def record(self, deadline: date, generated_at: str) -> Settings:
        """The settings to write beside new templates (after ``plan``, ``registry`` and ``key``)."""
        if self.key_file is None or self.bundle is None:
            raise RuntimeError("Remembered.plan() and key() must run before record()")
        registry_sha = file_sha256(Path(self.registry_choice)) if self.registry_choice else ""
        return Settings(deadline=deadline, registry=self.registry_choice, registry_sha256=registry_sha,
                        key_file=str(self.key_file), key_fingerprint=self.fingerprint,
                        generated_at=generated_at, plan=self.plan_choice, plan_sha256=self.bundle.sha256)
