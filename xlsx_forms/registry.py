"""The registry of reporting units (YAML): who reports, and which appendices each returns."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .authoring.names import names
from .errors import CchcError, read_input
from .ids import UNIT_CODE_RE as CODE_RE
from .model import Catalogue
from .yamlio import line_of, load_yaml, place, shown

DEFAULT_REGISTRY = Path(__file__).parent / "specs" / "units.yaml"
REGISTRY_LIMIT = 32 << 20   # bytes; a national registry of ten thousand units is about 2 MB
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Administrative words that open a place's name ("Thành phố Hà Giang", "Phường 3"): written
# in lower case inside a sentence ("số liệu của thành phố Hà Giang"), as Nghị định 30/2020
# writes place names; the proper name after it keeps its capitals.
ADMIN_WORDS = ("Thành phố", "Thị xã", "Thị trấn", "Tỉnh", "Huyện", "Quận", "Phường", "Xã")


def in_sentence(name: str) -> str:
    """``name`` (a place, a unit, a kind of unit) as written inside a sentence: its
    opening administrative word in lower case ("Thành phố Hà Giang" → "thành phố Hà
    Giang"), everything else as it is. Only before a proper name (a capital or a digit):
    "Huyện ủy Bắc Mê" is a body, not a place; a name in capitals is a title, left alone."""
    for word in ADMIN_WORDS:
        rest = name[len(word):]
        if name.startswith(word) and rest[:1] == " " and (rest[1:2].isupper() or rest[1:2].isdigit()):
            return word.lower() + rest
    return name


@dataclass(frozen=True, slots=True)
class Unit:
    """One reporting unit (an office, a ward or a commune committee)."""

    code: str
    name: str
    kind: str
    email: str
    forms: tuple[str, ...]


@dataclass(frozen=True)
class Consolidator:
    """The body that receives and consolidates the returns."""

    name: str
    contact: str
    email: str
    channel: str = ""


@dataclass(frozen=True)
class Registry:
    """Every unit, plus the issuing body and where returns go."""

    issuer: str
    place: str
    consolidator: Consolidator
    units: tuple[Unit, ...]

    @cached_property
    def _by_code(self) -> dict[str, Unit]:
        return {u.code: u for u in self.units}

    def unit(self, code: str) -> Unit:
        """The unit with this code (KeyError if none)."""
        return self._by_code[code]

    def assignments(self, forms: tuple[str, ...] | None = None) -> list[tuple[Unit, str]]:
        """Every (unit, form id) pair to produce, in registry order, limited to ``forms``."""
        return [(u, f) for u in self.units for f in u.forms if forms is None or f in forms]


QUOTE_TEXT = 'Đặt chữ trong ngoặc kép, ví dụ "0219 3866 123"'


def _text(path: Path, node: dict, key: str, *, fix: str, required: bool = True) -> str:
    """A text field, stripped. Required: present and not blank. Optional: "" when absent;
    either way a value YAML reads as something else (a date, a number, bytes) is refused
    rather than shown as Python writes it."""
    value = node.get(key)
    if not required and value is None:
        return ""
    if not isinstance(value, str) or required and not value.strip():
        problem = "thiếu hoặc không phải chữ" if required else f"{shown(value)} không phải chữ"
        raise CchcError("REGISTRY_FIELD", place(path, node, key), field=names(node).field(key),
                        problem=problem, fix=fix)
    return value.strip()


def _email(path: Path, node: dict, *, fix: str) -> str:
    """The node's ``email``: present, and an address."""
    email = _text(path, node, "email", fix=fix)
    if not EMAIL_RE.match(email):
        raise CchcError("REGISTRY_FIELD", place(path, node, "email"), field=names(node).field("email"),
                        problem=f"«{email}» không phải địa chỉ email",
                        fix="Ghi địa chỉ dạng ten@donvi.gov.vn")
    return email


def _unit(path: Path, node: dict, catalogue: Catalogue, declared: frozenset[str] = frozenset()) -> Unit:
    where = place(path, node)
    if not isinstance(node, dict):
        raise CchcError("REGISTRY_FIELD", where, field="units", problem="phải là danh sách các đơn vị",
                        fix="Viết mỗi đơn vị với các trường code, name, kind, email, forms")
    code = _text(path, node, "code", fix="Đặt mã gồm chữ thường không dấu, số và dấu gạch ngang, ví dụ p-tran-phu")
    if not CODE_RE.match(code):
        raise CchcError("REGISTRY_FIELD", place(path, node, "code"), field=names(node).field("code"),
                        problem=f"«{code}» không hợp lệ",
                        fix="Mã chỉ gồm chữ thường không dấu, số và dấu gạch ngang, tối đa 40 ký tự")
    name = _text(path, node, "name", fix="Ghi tên đầy đủ của đơn vị")
    # The unit kinds are the plan's (catalogue.yaml: unit_kinds).
    kinds = ", ".join(f"{k} ({v})" for k, v in catalogue.unit_kinds.items())
    if not kinds:   # never "Dùng một trong ." with nothing after it
        kinds = "các loại đơn vị của kế hoạch, nhưng kế hoạch chưa khai báo loại đơn vị nào (trang «Loại đơn vị»)"
    kind = _text(path, node, "kind", fix=f"Dùng một trong {kinds}")
    if kind not in catalogue.unit_kinds:
        raise CchcError("REGISTRY_FIELD", place(path, node, "kind"), field=names(node).field("kind"),
                        problem=f"«{kind}» không hợp lệ",
                        fix=f"Dùng một trong {kinds}")
    email = _email(path, node, fix="Ghi địa chỉ email của đơn vị")
    forms = node.get("forms")
    if not isinstance(forms, list) or not forms:
        raise CchcError("REGISTRY_FIELD", place(path, node, "forms"), field=names(node).field("forms"),
                        problem="thiếu hoặc rỗng", fix="Liệt kê các phụ lục được giao, ví dụ PL1, PL3")
    for f in forms:
        # A form the plan declares but could not load is reported at its own rows, once:
        # not again at every unit assigned it.
        if f not in catalogue.forms and f not in declared:
            raise CchcError("REGISTRY_FIELD", place(path, node, "forms"), field=names(node).field("forms"),
                            problem=f"có phụ lục lạ «{f}»",
                            fix=f"Chỉ dùng {', '.join(catalogue.forms)}")
    for f in (f for f in forms if f in catalogue.forms):
        form = catalogue.forms[f]
        if form.responsible_units and code not in form.responsible_units:
            raise CchcError("REGISTRY_ROLE", place(path, node, "forms"), code=code, form=f,
                            header=form.responsible_header,
                            allowed=", ".join(f"{k} ({v})" for k, v in form.responsible_units.items()))
    return Unit(code=code, name=name, kind=kind, email=email, forms=tuple(dict.fromkeys(forms)))


def _load(path: Path):
    """The registry's YAML, read with a bound: a device, FIFO or huge file, unreadable
    bytes or absurdly deep nesting are messages naming the file, never a hang or a trace."""
    data = read_input(path, REGISTRY_LIMIT, "Chỉ định tệp YAML sổ đăng ký đơn vị bằng --units")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CchcError("YAML_SYNTAX", str(path), problem=f"không phải UTF-8: {exc.reason}") from None
    try:
        return load_yaml(path, text)
    except RecursionError:
        # A registry is three levels deep; thousands mean a damaged or hostile file.
        raise CchcError("YAML_SYNTAX", str(path), problem="các mục lồng nhau quá sâu") from None


def load_registry(path: Path, catalogue: Catalogue) -> Registry:
    """Read and validate a registry file. Raises CchcError naming the file and line."""
    return build_registry(_load(path), catalogue, path)


def build_registry(data, catalogue: Catalogue, path: Path | str, problems: list | None = None,
                   declared: frozenset[str] = frozenset()) -> Registry | None:
    """Validate a registry's data (as a YAML file or an authoring workbook gives it;
    ``path`` where it was read). Each unit is checked on its own: every problem goes into
    ``problems`` (the result is then None); without it, the first is raised."""
    found: list[CchcError] = []

    def checked(call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except CchcError as exc:
            if problems is None:
                raise
            found.append(exc)
            return None

    if not isinstance(data, dict):
        checked(_empty, path)
        data = {}
    cons = data.get("consolidator") or {}
    if not isinstance(cons, dict):
        cons = {}
    consolidator = Consolidator(
        name=checked(_text, path, cons, "name", fix="Ghi tên cơ quan tổng hợp"),
        contact=checked(_text, path, cons, "contact", fix=QUOTE_TEXT, required=False) or "",
        email=checked(_email, path, cons, fix="Ghi email nhận báo cáo của cơ quan tổng hợp"),
        channel=checked(_text, path, cons, "channel", fix=QUOTE_TEXT, required=False) or "")
    units_node = data.get("units")
    if not isinstance(units_node, list) or not units_node:
        checked(_empty, path)
        units_node = []
    units, first_line = [], {}
    for node in units_node:
        unit = checked(_unit, path, node, catalogue, declared)
        if unit is None:
            continue
        if unit.code in first_line:
            checked(_duplicate, path, node, unit.code, first_line[unit.code])
            continue
        first_line[unit.code] = line_of(node)
        units.append(unit)
    registry = Registry(issuer=checked(_text, path, data, "issuer", fix="Ghi tên cơ quan ban hành, in hoa"),
                        place=checked(_text, path, data, "place", fix="Ghi tên địa phương ban hành"),
                        consolidator=consolidator, units=tuple(units))
    if problems is not None:
        problems.extend(found)
    return None if found else registry


def _empty(path) -> None:
    raise CchcError("REGISTRY_EMPTY", str(path))


def _duplicate(path, node: dict, code: str, first) -> None:
    raise CchcError("REGISTRY_DUPLICATE", place(path, node, "code"), code=code, first_line=first)
