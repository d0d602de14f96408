"""The words of the drafted report's figures: numbers as Vietnamese texts print them, each
row named so a reader finds it in the appendix, and one sentence per row on its trend.

A figure is written as the appendix prints it (its kind's number format: 87,88%). A row
is named under its parent heading ("Biên chế công chức — Tổng số được giao"), with its
number (STT) and then its appendix only when two rows of one section would read alike. A
sentence compares whole periods only: a period that is not a whole year (2020 to 23/3)
is given apart and said to be so, never read as a fall; what the figures lack is said
once per kind, with its periods.
"""
from __future__ import annotations

import math
import re
import unicodedata

from xlsx_forms.model import Catalogue, Form, Row, numbered

from .consolidate import CityValue
from .gaps import spans

NUMBER_FORMAT_PLACES = re.compile(r"0\.(0+)")


def vi_number(value, decimals: int = 0) -> str:
    """A number as a Vietnamese text prints it: 1.234 and 87,5."""
    if value is None or isinstance(value, bool):
        return ""
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return str(value)
    text = f"{value:,.{decimals}f}" if decimals else f"{round(value):,d}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def decimals(catalogue: Catalogue, row: Row) -> int:
    """Places after the decimal comma, as the appendix prints the figure: its kind's number
    format's ("#,##0": none; '0.00"%"': two)."""
    found = NUMBER_FORMAT_PLACES.search(catalogue.kinds[row.kind].number_format.split(";")[0])
    return len(found.group(1)) if found else 0


def shown(catalogue: Catalogue, row: Row, cv: CityValue | None, *, sign: bool = True) -> str:
    """A city figure as the report prints it ("—" when there is none); ``sign``: a
    percentage with its "%" (a table's cell goes without: its unit column says "%")."""
    if cv is None or cv.value is None:
        return "—"
    if isinstance(cv.value, str):
        return cv.value
    suffix = "%" if sign and catalogue.kinds[row.kind].base == "percent" else ""
    return vi_number(cv.value, decimals(catalogue, row)) + suffix


def clean_label(label: str) -> str:
    """A label before a colon or a dash, without the punctuation it ends with ("(nếu
    có)." → "(nếu có)"); a closing bracket or quote stays."""
    label = label.strip()
    while label and unicodedata.category(label[-1]) in ("Po", "Pd"):
        label = label[:-1].rstrip()
    return label


def row_name(form: Form, row: Row, level: int = 0) -> str:
    """How a sentence names ``row``: under its parent heading as in the appendix; level 1
    adds the numbers (STT) and a transposed table's id, level 2 the appendix."""
    parts = []
    for r in (r for r in (form.parent(row), row) if r is not None):
        parts.append(clean_label(r.label) + (f" (STT {numbered(r.stt)})" if level >= 1 and numbered(r.stt) else ""))
    table = next((t for t in form.tables if row in t.rows), None)
    if level >= 1 and table is not None and table.layout == "transposed":
        parts[-1] += f" (bảng {table.id})"
    return " — ".join(parts) + (f" (Phụ lục {form.number})" if level >= 2 else "")


def row_names(rows: list[tuple[Form, Row]]) -> dict[tuple[str, str], str]:
    """(form id, row id) → a name none of the other ``rows`` has (the rows of a section)."""
    names = {(f.id, r.id): row_name(f, r) for f, r in rows}
    for level in (1, 2):
        counts: dict[str, int] = {}
        for name in names.values():
            counts[name] = counts.get(name, 0) + 1
        for f, r in rows:
            if counts[names[(f.id, r.id)]] > 1:
                names[(f.id, r.id)] = row_name(f, r, level)
    return names


def _numbers(form: Form, row: Row, values: dict[tuple[str, str], CityValue]) -> list:
    return [(p, values[(row.id, p.id)]) for p in form.periods
            if isinstance(getattr(values.get((row.id, p.id)), "value", None), (int, float))
            and not isinstance(values[(row.id, p.id)].value, bool)]


def sentence_rows(catalogue: Catalogue, form: Form, values: dict[tuple[str, str], CityValue]) -> list[Row]:
    """The number rows with figures for at least two periods: one sentence each."""
    return [row for row in form.input_rows
            if catalogue.kinds[row.kind].behaviour.numeric and len(_numbers(form, row, values)) >= 2]


def period_words(period) -> str:
    """A period label inside a sentence: "năm 2020, tính đến 23/3", never nested brackets."""
    return period.label.lower().replace(" (", ", ").replace(")", "")


def _no_figure(cv: CityValue | None) -> str:
    """Why a period has no figure, in a few words: "không có số liệu dùng được — không
    tính 1 giá trị, thiếu 2 đơn vị"."""
    why = [f"không tính {len(cv.excluded)} giá trị" if cv and cv.excluded else "",
           f"thiếu {len(cv.missing)} đơn vị" if cv and cv.missing else ""]
    why = [w for w in why if w]
    return "không có số liệu dùng được" + (f" — {', '.join(why)}" if why else "")


def trend(catalogue: Catalogue, form: Form, row: Row, values: dict[tuple[str, str], CityValue], name: str) -> str:
    """The sentence of one row: "Name: 217 văn bản (năm 2015), 262 văn bản (năm 2019); năm
    2020, tính đến 23/3: 45 văn bản (số liệu chưa đủ năm). Số liệu chưa đủ: thiếu 1 đơn vị
    (2015–2020)." A whole period without a usable figure is said, with why ("năm 2018:
    không có số liệu dùng được — không tính 1 giá trị"), never silently skipped."""
    known = _numbers(form, row, values)
    measure = "đơn vị có" if form.aggregate_of(row) == "count_true" else row.unit
    unit = f" {measure_words(measure)}" if measure and measure not in ("%", "1/0") else ""
    whole = [(p, cv) for p, cv in known if not p.partial]
    ends = whole[:1] + whole[-1:] if len(whole) > 1 else whole
    said = ", ".join(f"{shown(catalogue, row, cv)}{unit} ({period_words(p)})" for p, cv in ends)
    numbered = {p.id for p, _ in known}
    gaps: dict[str, list] = {}   # why → the periods without a figure for that reason
    for p in form.periods:
        if p.id not in numbered:
            gaps.setdefault(_no_figure(values.get((row.id, p.id))), []).append(p)
    for why, periods in gaps.items():
        said += f"{'; ' if said else ''}{', '.join(period_words(p) for p in periods)}: {why}"
    for p, cv in known:
        if p.partial:
            said += f"{'; ' if said else ''}{period_words(p)}: {shown(catalogue, row, cv)}{unit} (số liệu chưa đủ năm)"
    lacking = lacks(known, [p.id for p in form.periods])
    return f"{name}: {said}." + (f" Số liệu chưa đủ: {lacking}." if lacking else "")


def measure_words(measure: str) -> str:
    """A unit of measure inside a sentence: lower case ("Người" → "người"), but an acronym
    (a word all in capitals: "PAKN", "TTHC") as written."""
    return " ".join(w if len(w) > 1 and w.isupper() else w.lower() for w in measure.split())


def lacks(known, all_ids: list[str]) -> str:
    """What a row's figures lack, each kind once with its periods: "thiếu 2 đơn vị (2015),
    1 đơn vị (2016–2020); không tính 1 giá trị (2018)"."""
    said = []
    for verb, noun, count in (("thiếu", "đơn vị", lambda cv: len(cv.missing)),
                              ("không tính", "giá trị", lambda cv: len(cv.excluded))):
        by: dict[int, list[str]] = {}
        for p, cv in known:
            if count(cv):
                by.setdefault(count(cv), []).append(p.id)
        if by:
            said.append(f"{verb} " + ", ".join(f"{n} {noun} ({spans(ids, all_ids)})" for n, ids in by.items()))
    return "; ".join(said)


def lacks_any(cv: CityValue | None) -> bool:
    """Whether a city figure lacks some unit's value (marked in the tables)."""
    return cv is not None and bool(cv.missing or cv.excluded)
