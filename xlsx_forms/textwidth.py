"""How wide a text prints in Times New Roman: an upper bound, to size table columns and
header blocks of the Word documents so that no word or number is broken.

``ADVANCE`` holds, per character, the widest advance (in thousandths of an em) of the four
styles (regular, bold, italic, bold italic) of Liberation Serif, which is metric-compatible
with Times New Roman; for the Vietnamese letters an older Liberation Serif lacks (ơ, ư and
those with a dot below or a hook above), LibreOffice draws DejaVu Serif's, wider, so those
are DejaVu Serif's. Times New Roman itself draws every Vietnamese letter as wide as its
base letter, so the bound holds in Word and in LibreOffice with either font set. A
character not listed counts as a full em. ``tests/test_city_report.py`` checks the table
against the font files when they are installed.
"""
from __future__ import annotations

import math

_GROUPS = {
    250: " ,.·", 275: "|", 278: "'/\\ilìíĩ", 334: "()-:;`fjt‘’", 380: "ỉị", 390: "!I[]sÌÍĨ", 400: "°",
    444: "cerzèéê", 468: "ỈỊ", 480: "{}", 500: "#$*0123456789?J_agovxyàáâãòóôõýăỳ–«»", 549: "≠≤≥",
    556: '"', 557: "Sbdhknpquùúđũ“”", 570: "~", 582: "^ỵỷỹ", 611: "P", 637: "ẹẻẽếềểễệ",
    648: "ạảấầẩẫậắằẳẵặ", 667: "BEFLTZÈÉÊơọỏốồổỗộớờởỡợ", 675: "+<=>×", 714: "ỴỶỸ",
    723: "ACDNRUVXYwÀÁÂÃÙÚÝĂĐŨỲ", 728: "ưụủứừửữự", 763: "ẸẺẼẾỀỂỄỆ", 776: "ẠẢẤẦẨẪẬẮẰẲẴẶ",
    778: "GHKOQÒÓÔÕ", 834: "&m", 872: "ƠỌỎỐỒỔỖỘỚỜỞỠỢ", 873: "ƯỤỦỨỪỬỮỰ", 931: "@", 944: "M",
    1000: "%W—…",
}
ADVANCE = {ch: width for width, chars in _GROUPS.items() for ch in chars}
EM = 1000
SLACK = 1.03   # kerning and rounding of the renderer: never short by a hair
PT_MM = 25.4 / 72


def text_mm(text: str, size_pt: float) -> float:
    """The printed width of ``text`` on one line at ``size_pt``, in mm (an upper bound)."""
    units = sum(ADVANCE.get(ch, EM) for ch in text)
    return units / EM * size_pt * PT_MM * SLACK


def tokens(text: str) -> list[str]:
    """The pieces a line may not be broken inside: the text split at white space (a
    renderer may also break after a hyphen; counting the whole is the safe side)."""
    return text.split()


def longest_token_mm(text: str, size_pt: float) -> float:
    """The width of the widest unbreakable piece of ``text`` (0 for no text)."""
    return max((text_mm(t, size_pt) for t in tokens(text)), default=0.0)


def lines_within(text: str, width_mm: float, size_pt: float) -> list[str]:
    """``text`` as the fewest lines, broken between words only, each within ``width_mm``
    when its words allow, and as even as that number of lines allows (an issuer's name on
    two lines is broken near its middle, "UBND THÀNH PHỐ / HÀ GIANG", not before its last
    word)."""
    words = text.split()
    if not words:
        return [""]
    count = len(_greedy(words, width_mm, size_pt))
    low = max(text_mm(w, size_pt) for w in words)
    high = max(width_mm, low)
    for _ in range(30):   # the narrowest width that still needs no more lines
        mid = (low + high) / 2
        if len(_greedy(words, mid, size_pt)) <= count:
            high = mid
        else:
            low = mid
    return _greedy(words, high, size_pt)


def _greedy(words: list[str], width_mm: float, size_pt: float) -> list[str]:
    lines: list[str] = []
    for word in words:
        if lines and fits(f"{lines[-1]} {word}", width_mm, size_pt):
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def fits(text: str, width_mm: float, size_pt: float) -> bool:
    """Whether ``text`` prints on one line within ``width_mm``."""
    return text_mm(text, size_pt) <= width_mm + 1e-9


def ceil_mm(value: float) -> float:
    """Up to the next tenth of a millimetre (widths are written in twentieths of a point)."""
    return math.ceil(value * 10) / 10


# Spreadsheet columns. A column's width is counted in digits of the workbook's default
# font (Calibri 11: 7 pixels a digit, plus 5 pixels of padding); a pixel is 1/96 inch.
DIGIT_PX = 7
COLUMN_PAD_PX = 5
CELL_PAD_MM = 2.0   # a cell's inner margins together (Excel ~2 px a side, LibreOffice ~1 mm)


def column_mm(width: float) -> float:
    """The printed width in mm of a column set to ``width`` (XlsxWriter's set_column units,
    turned into pixels as XlsxWriter does)."""
    if width < 1:
        return int(width * (DIGIT_PX + COLUMN_PAD_PX) + 0.5) * 25.4 / 96
    return (int(width * DIGIT_PX + 0.5) + COLUMN_PAD_PX) * 25.4 / 96


def stored_column_mm(stored: float) -> float:
    """The printed width in mm of a column whose file records ``stored`` (the ``width`` of
    its ``<col>``, padding included, as openpyxl reads it)."""
    return int(stored * DIGIT_PX + 0.5) * 25.4 / 96


def wrapped_lines(text: str, width_mm: float, size_pt: float) -> int:
    """How many lines ``text`` takes wrapped within ``width_mm`` (a cell's inner width) at
    ``size_pt``: broken between words, and inside a word wider than a line, as Excel and
    LibreOffice both do; never fewer than ceil(text width / width_mm); a line break in the
    text starts a new line."""
    if width_mm <= 0:
        raise ValueError("width_mm must be positive")
    total = 0
    for part in text.split("\n"):
        lines: list[str] = []
        for word in part.split():
            if lines and fits(f"{lines[-1]} {word}", width_mm, size_pt):
                lines[-1] = f"{lines[-1]} {word}"
                continue
            while len(word) > 1 and not fits(word, width_mm, size_pt):   # a word longer than a line
                cut = 1
                while cut < len(word) and fits(word[:cut + 1], width_mm, size_pt):
                    cut += 1
                lines.append(word[:cut])
                word = word[cut:]
            lines.append(word)
        total += max(1, len(lines), math.ceil(text_mm(part, size_pt) / width_mm))
    return total
