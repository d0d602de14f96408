"""The drafted report's closing list: every unit whose appendix or report the city's
figures lack, and why.

From the status (``status.csv``, read by the command): an appendix not sent, a file that
could not be used, values with errors, a narrative report not sent. From the city's
figures (``city.csv``): each unit that sent an appendix but is missing in, or left out
of, some of its consolidated figures (a blank template returned, rows left empty), with
how many of the figures it should give lack it. One line per unit and appendix, in the
registry's order; then the reports not sent.
"""
from __future__ import annotations

from dataclasses import dataclass

from xlsx_forms.model import Catalogue
from xlsx_forms.registry import Registry

from .consolidate import CityValue

APPENDIX = "appendix"   # not sent, not usable, or with errors (from the status)
FIGURES = "figures"     # sent, but missing in some city figures (from city.csv)
REPORT = "report"       # the narrative report not sent
NOT_SENT = "chưa nộp"   # what a gap says of an appendix not sent


@dataclass(frozen=True)
class Gap:
    """One line of the closing list. ``form``: a form id ("" for the narrative report);
    ``whole``: the appendix gives no figure at all (not sent, not usable)."""

    unit: str
    name: str
    form: str
    what: str
    kind: str = APPENDIX
    whole: bool = False


def _lacking(city: dict[str, dict[tuple[str, str], CityValue]]):
    """(unit, form) → (figures missing, figures left out)."""
    found: dict[tuple[str, str], list[int]] = {}
    for fid, values in city.items():
        for cv in values.values():
            for unit in cv.missing:
                found.setdefault((unit, fid), [0, 0])[0] += 1
            for unit, _ in cv.excluded:
                found.setdefault((unit, fid), [0, 0])[1] += 1
    return found


def closing_list(catalogue: Catalogue, registry: Registry, city: dict[str, dict[tuple[str, str], CityValue]],
                 status: list[Gap]) -> list[Gap]:
    """The closing list: ``status``'s lines, with each appendix's figures lacking added,
    and a line for each appendix sent whose figures lack the unit."""
    listed = {(g.unit, g.form): g for g in status if g.kind == APPENDIX}
    lacking = _lacking(city)
    out: list[Gap] = []
    for unit in registry.units:
        for form in catalogue.forms.values():
            gap, lack = listed.pop((unit.code, form.id), None), lacking.get((unit.code, form.id))
            if gap is not None and gap.whole:
                out.append(gap)
                continue
            expected = len(form.editable_rows(unit.code)) * len(form.periods)
            parts = [gap.what] if gap else []
            if lack and lack[0]:
                parts.append(f"thiếu {lack[0]}/{expected} số liệu")
            if lack and lack[1]:
                parts.append(f"{lack[1]}/{expected} số liệu không được tính")
            if parts:
                out.append(Gap(unit.code, unit.name, form.id, ", ".join(parts), gap.kind if gap else FIGURES))
    out += listed.values()   # a unit the registry no longer has
    out += [g for g in status if g.kind == REPORT]
    return out


def none_usable(form, registry: Registry, status: list[Gap]) -> str | None:
    """When no unit given ``form`` gave a usable file (from the status), the one sentence
    the report says instead of a table of dashes naming every unit in each row ("Chưa
    đơn vị nào gửi Phụ lục 3."); None otherwise."""
    units = {u.code for u in registry.units if form.id in u.forms}
    whole = {g.unit: g.what for g in status if g.form == form.id and g.whole and g.kind == APPENDIX}
    if not units or not units <= set(whole):
        return None
    if all(whole[u] == NOT_SENT for u in units):
        return f"Chưa đơn vị nào gửi Phụ lục {form.number}."
    return f"Chưa đơn vị nào gửi Phụ lục {form.number} dùng được (xem danh sách cuối báo cáo)."


def gap_line(gap: Gap, catalogue: Catalogue) -> str:
    """A closing-list line: "UBND xã Phương Thiện (Phụ lục 1): chưa nộp"."""
    form = catalogue.forms.get(gap.form)
    where = f"Phụ lục {form.number}" if form else (gap.form or "báo cáo theo Đề cương")
    return f"{gap.name} ({where}): {gap.what}"


def summary(gaps: list[Gap]) -> str:
    """The console's count of the closing list, each kind counted and named apart."""
    counts = {kind: sum(g.kind == kind for g in gaps) for kind in (APPENDIX, FIGURES, REPORT)}
    parts = [f"{counts[APPENDIX]} phụ lục chưa nộp, không dùng được hoặc có lỗi" if counts[APPENDIX] else "",
             f"{counts[FIGURES]} phụ lục đã nộp nhưng thiếu số liệu" if counts[FIGURES] else "",
             f"{counts[REPORT]} đơn vị chưa gửi báo cáo theo Đề cương" if counts[REPORT] else ""]
    return "; ".join(p for p in parts if p) or "các đơn vị đã nộp đủ, số liệu dùng được"
