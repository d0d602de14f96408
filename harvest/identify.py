"""Which form and unit a returned workbook is, and whether to trust it."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, fields

from sheetio.reader import Book, Grid
from xlsx_forms.identity import IDENTITY_SHEET, PROPERTY_PREFIX, Identity, layout_fingerprint, verify
from xlsx_forms.layout import SheetLayout, form_layout
from xlsx_forms.model import Catalogue, Form
from xlsx_forms.registry import Registry

from .issues import Code, Issue, issue, unit_called

FIELDS = [f.name for f in fields(Identity)]
# What a cchc workbook carries besides its sheets, as ``sheetio.reader.read_book`` takes it:
# the identity sheet (kept apart from the form sheets) and the cchc_* document properties.
MARKS = {"identity_sheet": IDENTITY_SHEET, "property_prefix": PROPERTY_PREFIX}
LABEL_MATCH = 0.8   # share of a form's labels that must match to recognise an unsigned copy
# Locked texts checked in every returned file (the unit-specific ones are checked apart).
CHECKED_ROLES = ("header", "stt", "label", "section", "unit", "title", "appendix_no", "period_label")
MAX_SHIFT = 50     # rows a table may have grown by and still be read by its labels


@dataclass
class Identification:
    """Outcome: ``accepted`` only if signed by our key, current, and of a known unit.
    ``form`` and ``unit_code``: verified when accepted; for a rejected file, what it says it
    is when that names a known form and a registered unit (used only for the unit's status,
    never for values), else empty. ``signature_ok``: whether the HMAC verified (None when
    the file carries no identity to check).
    ``rows`` maps each layout row to the sheet row it was found at (identity when the
    layout is intact; shifted when rows were inserted or deleted and every row was found
    again by its label)."""

    form: Form | None = None
    unit_code: str = ""
    identity: Identity | None = None
    accepted: bool = False
    reason: str = ""
    issues: list[Issue] = field(default_factory=list)
    rows: dict[int, int] = field(default_factory=dict)
    signature_ok: bool | None = None   # None: the file carries no identity to check

    def row(self, layout_row: int) -> int:
        """The sheet row holding what the layout puts at ``layout_row``."""
        return self.rows.get(layout_row, layout_row)


def identity_from(d: dict[str, str]) -> Identity | None:
    """The identity a file's properties (or identity sheet) state, or None when a field
    is missing or malformed (workbooks and narrative reports alike)."""
    if not all(k in d for k in FIELDS):
        return None
    try:
        return Identity(**{**{k: d[k] for k in FIELDS}, "spec_version": int(d["spec_version"])})
    except ValueError:
        return None


def normalized_text(value) -> str:
    """A cell's text as compared with a layout's: NFC, runs of white space as one space."""
    text = "" if value is None else str(value)
    return unicodedata.normalize("NFC", " ".join(text.split()))


def first_layout_difference(grid: Grid, layout: SheetLayout) -> tuple[str, str, str] | None:
    """(cell, expected, found) of the first locked text that differs, or None."""
    for t in layout.texts:
        if t.role in CHECKED_ROLES:
            raw = grid.value(t.row, t.col)
            if raw == t.text:
                continue
            found = normalized_text(raw)
            if found != normalized_text(t.text):
                return t.a1, t.text, found
    return None


def locate_rows(grid: Grid, layout: SheetLayout, form: Form) -> dict[int, int] | None:
    """Find each body row of a plain-table form by its label, in order (rows may have been
    inserted or deleted). None when a row cannot be found, or for transposed tables."""
    if any(t.layout != "rows" for t in form.tables):
        return None
    label_col = next(t.col for t in layout.texts if t.role in ("label", "section"))
    expected = [(t.row, normalized_text(t.text)) for t in layout.texts if t.role in ("label", "section")]
    found, cursor, limit = {}, layout.header_rows[1] + 1, layout.last_row + MAX_SHIFT
    for row, text in expected:
        while cursor <= limit and normalized_text(grid.value(cursor, label_col)) != text:
            cursor += 1
        if cursor > limit:
            return None
        found[row] = cursor
        cursor += 1
    last_shift = found[expected[-1][0]] - expected[-1][0]
    for r in range(expected[-1][0] + 1, layout.last_row + 1):
        found[r] = r + last_shift   # footnote and signature block move with the table
    return found


def _texts_match(grid: Grid, layout: SheetLayout, rows: dict[int, int]) -> bool:
    """Every checked text where the layout puts it, body rows at the row they were found
    at: then only rows moved (not columns, not words), and reading by label is safe."""
    return all(normalized_text(grid.value(rows.get(t.row, t.row), t.col)) == normalized_text(t.text)
               for t in layout.texts if t.role in CHECKED_ROLES)


def guess_form(book: Book, catalogue: Catalogue) -> Form | None:
    """The form whose labels an unsigned workbook carries (e.g. a retyped copy)."""
    best, best_score = None, 0.0
    seen = {normalized_text(v) for g in book.grids.values() for v in g.texts()}
    for form in catalogue.forms.values():
        texts = {normalized_text(r.label) for r in form.rows}
        score = len(texts & seen) / len(texts)
        if score > best_score:
            best, best_score = form, score
    return best if best_score >= LABEL_MATCH else None


def _claim(out: Identification, ident: Identity, catalogue: Catalogue, registry: Registry) -> None:
    """Record the form and unit a rejected file says it is, when both exist. Never used for
    values: only so that the unit's status says a file came and could not be used (Có lỗi,
    with the reason), instead of saying it never came."""
    form = catalogue.forms.get(ident.form)
    try:
        registry.unit(ident.unit)
    except (KeyError, TypeError):
        return
    if form is not None:
        out.form, out.unit_code = form, ident.unit


def identify(book: Book, rel: str, catalogue: Catalogue, registry: Registry, key: bytes) -> Identification:
    """Identify ``book`` (file ``rel``) and verify its signature and layout."""
    out = Identification()
    props, sheet = identity_from(book.properties), identity_from(book.identity_sheet)
    if props and sheet and props != sheet:
        diff = ", ".join(k for k in FIELDS if getattr(props, k) != getattr(sheet, k))
        out.issues.append(issue(Code.F_IDENTITY_MISMATCH, file=rel, detail=diff))
        out.reason = "thông tin nhận diện không thống nhất"
        if (props.unit, props.form) == (sheet.unit, sheet.form):
            _claim(out, props, catalogue, registry)
        return out
    ident = props or sheet
    if ident is None:
        out.form = guess_form(book, catalogue)
        hint = f" (có vẻ là Phụ lục {out.form.number}, không rõ đơn vị)" if out.form else ""
        out.issues.append(issue(Code.F_NO_IDENTITY, file=rel, form=out.form.id if out.form else "",
                                form_hint=hint))
        out.reason = "không nhận diện được đơn vị" if out.form else "không phải biểu mẫu cchc"
        return out
    out.identity = ident
    where = {"file": rel, "unit": ident.unit, "form": ident.form}
    out.signature_ok = verify(key, ident)
    if not out.signature_ok:
        out.issues.append(issue(Code.F_HMAC, claimed=unit_called(registry, ident.unit), **where))
        out.reason = "chữ ký nhận diện không khớp"
        _claim(out, ident, catalogue, registry)
        return out
    form = catalogue.forms.get(ident.form)
    if form is None or form.version != ident.spec_version or \
            layout_fingerprint(form_layout(form)) != ident.fingerprint:
        out.issues.append(issue(Code.F_SPEC_VERSION, version=ident.spec_version,
                                current=form.version if form else "không còn", **where))
        out.reason = "phiên bản biểu mẫu cũ"
        _claim(out, ident, catalogue, registry)
        return out
    out.form = form
    try:
        registry.unit(ident.unit)
    except KeyError:
        out.issues.append(issue(Code.F_UNKNOWN_UNIT, **where))
        out.reason = "đơn vị không có trong sổ đăng ký"
        return out
    out.unit_code = ident.unit
    layout = form_layout(form)
    grid = book.grids.get(layout.sheet_name)
    if grid is None:
        out.issues.append(issue(Code.F_NO_SHEET, sheet=layout.sheet_name, **where))
        out.reason = "thiếu trang biểu mẫu"
        return out
    unit_name = registry.unit(ident.unit).name.upper()
    shown = normalized_text(grid.value(layout.unit_name.row, layout.unit_name.col))
    if shown != normalized_text(unit_name):
        out.issues.append(issue(Code.F_UNIT_NAME, sheet=layout.sheet_name, cell=layout.unit_name.a1,
                                found=shown, expected=unit_name, **where))
        out.reason = "tên đơn vị trên biểu khác thông tin nhận diện"
        out.unit_code = ""   # who sent it is unknown: never told "your file was unusable"
        return out
    diff = first_layout_difference(grid, layout)
    if diff:
        cell, expected, found = diff
        rows = locate_rows(grid, layout, form)
        moved = sorted(r for r in rows or {} if rows[r] != r)
        if not moved or not _texts_match(grid, layout, rows):
            out.issues.append(issue(Code.F_LAYOUT, sheet=layout.sheet_name, cell=cell, expected=expected,
                                    found=found, **where))
            out.reason = "bố cục biểu mẫu bị thay đổi"
            return out
        out.rows = rows
        out.issues.append(issue(Code.F_SHIFTED, sheet=layout.sheet_name, cell=cell,
                                detail=f"dòng {moved[0] + 1} của biểu mẫu nằm ở dòng {rows[moved[0]] + 1}",
                                **where))
    if book.protected.get(layout.sheet_name) is False:
        out.issues.append(issue(Code.F_UNPROTECTED, sheet=layout.sheet_name, **where))
    extra = [n for n in book.sheet_names if n not in (layout.sheet_name, "Hướng dẫn", IDENTITY_SHEET)]
    if extra:
        out.issues.append(issue(Code.F_EXTRA_SHEET, names=", ".join(f"«{n}»" for n in extra), **where))
    out.accepted = True
    return out
