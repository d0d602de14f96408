"""Read the appendix tables of the seed document (Kế hoạch 372/KH-UBND), for comparison."""
from __future__ import annotations

import re
from pathlib import Path

# The plan as received (shared/seed beside the checkout), kept in docs/ so that the tests
# never depend on a sibling folder; test_specs checks the two are identical.
SEED = Path(__file__).resolve().parents[1] / "docs" / "ke-hoach-372-KH-UBND.txt"
SHARED_SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_b20ccc7107ca5774.txt"
_TAG = re.compile(r"</?[a-z]+>")


def clean(text: str) -> str:
    """Drop the seed's HTML tags and outer spaces."""
    return _TAG.sub("", text).strip()


def appendix_sections() -> dict[int, str]:
    """Appendix number → its text, from its heading to the next appendix."""
    text = SEED.read_text(encoding="utf-8")
    marks = [(int(m[1]), m.start()) for m in re.finditer(r"Phụ lục (\d)\**\s*\n", text)]
    return {n: text[start:(marks[i + 1][1] if i + 1 < len(marks) else len(text))]
            for i, (n, start) in enumerate(marks)}


def table_lines(section: str) -> list[list[str]]:
    """Tab-separated lines of a section, cells cleaned."""
    return [[clean(c) for c in line.split("\t")] for line in section.splitlines() if "\t" in line]


def rows_of(number: int) -> list[tuple[str, str]]:
    """(STT, label) of every body row of a rows-layout appendix, in order."""
    lines = table_lines(appendix_sections()[number])
    return [(cells[0], cells[1]) for cells in lines
            if cells[1] not in ("Chỉ tiêu", "Nhiệm vụ/tiêu chí", "Các mục tiêu cải cách")]


def header_of(number: int) -> list[list[str]]:
    """Header lines (first cell STT-like) of an appendix."""
    return [cells for cells in table_lines(appendix_sections()[number])
            if cells[0] in ("STT", "ST T", "Tỉnh, thành phố")]
