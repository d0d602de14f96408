"""The drafted report's layout and wording as classes: the glyph widths against the fonts
that print them, columns sized from generated contents, period headers, the closing
list's count on the console."""
from __future__ import annotations

import glob
import random

import docx
import pytest

from harvest.report_gaps import APPENDIX, FIGURES, REPORT, Gap, summary
from harvest.report_table import SIZES, Column, add_table, layout, period_headers, widths
from tests.docx_fit import broken_words
from xlsx_forms.report_doc import TEXT_WIDTH_MM
from xlsx_forms.textwidth import ADVANCE, EM, lines_within, longest_token_mm, text_mm

FONTS = {"Liberation Serif": "/usr/share/fonts/truetype/liberation/LiberationSerif-*.ttf",
         "DejaVu Serif": "/usr/share/fonts/truetype/dejavu/DejaVuSerif*.ttf"}


def _advances(pattern: str) -> dict[str, float]:
    """The widest advance of each character over the font files found (thousandths of an em)."""
    from fontTools.ttLib import TTFont
    widest: dict[str, float] = {}
    for path in glob.glob(pattern):
        if "Condensed" in path:
            continue
        font = TTFont(path)
        scale = 1000 / font["head"].unitsPerEm
        for code, glyph in font.getBestCmap().items():
            ch = chr(code)
            if ch in ADVANCE:
                widest[ch] = max(widest.get(ch, 0), font["hmtx"][glyph][0] * scale)
    return widest


def test_glyph_widths_bound_the_fonts_that_print_them():
    """Each width of the table is at least the font's advance: Liberation Serif where it has
    the glyph, else DejaVu Serif (LibreOffice's fallback here); Times New Roman draws the
    Vietnamese letters as wide as their base letters, which the table bounds too."""
    pytest.importorskip("fontTools")
    liberation, dejavu = _advances(FONTS["Liberation Serif"]), _advances(FONTS["DejaVu Serif"])
    if not liberation:
        pytest.skip("Liberation Serif not installed")
    for ch, width in ADVANCE.items():
        real = liberation.get(ch, dejavu.get(ch))
        assert real is None or width + 1 >= real, (ch, width, real)
    assert set("0123456789.,%") <= set(ADVANCE) and ADVANCE["W"] == EM


WORDS = ["Số", "lượng", "2.051*", "87,88", "V-RULE-LINKED:", "UBND", "phường", "Ngọc", "Hà", "(2015);", "—",
         "Trang/Cổng", "TTĐT", "Khuyếnnôngkhuyếnlâm", "1.234.567*", "Đạt", "Không", "đạt"]


def _random_columns(rnd: random.Random, periods: int, rows: int) -> list[Column]:
    def text(n):
        return " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(0, n)))
    columns = [Column("STT", [(str(i), False) for i in range(rows)], narrow=True),
               Column("Chỉ tiêu", [(text(20), rnd.random() < .2) for _ in range(rows)], label=True),
               Column("Đơn vị tính", [(text(3), False) for _ in range(rows)])]
    columns += [Column(str(2015 + k), [(f"{rnd.randint(0, 10 ** rnd.randint(0, 7)):,}".replace(",", ".")
                                        + rnd.choice(["", "*"]), False) for _ in range(rows)], narrow=True)
                for k in range(periods)]
    return columns + [Column("Ghi chú", [(text(12), False) for _ in range(rows)])]


@pytest.mark.parametrize("seed", range(16))
def test_columns_are_sized_from_their_contents(seed):
    """Generated tables: the widths fill the text width, no column is narrower than its
    widest word at the size chosen, narrow columns get their figures on one line when
    there is room; rendered, no cell has a word wider than its column."""
    rnd = random.Random(seed)
    columns = _random_columns(rnd, rnd.randint(1, 8), rnd.randint(1, 15))
    size, mm = layout(columns)
    if widths(columns, SIZES[-1]) is None:   # no size fits every word: the smallest, words whole
        assert (size, mm) == (SIZES[-1], [c.least(size) for c in columns])
    else:
        assert widths(columns, size) == mm
        assert abs(sum(mm) - TEXT_WIDTH_MM) < 0.05
    for column, width in zip(columns, mm, strict=True):
        assert width + 1e-6 >= column.least(size), column.header
    doc = docx.Document()
    add_table(doc, columns)
    assert not broken_words(doc, size)


def test_a_font_shrinks_only_when_the_words_do_not_fit():
    wide = [Column("Ghi chú", [("Khuyếnnôngkhuyếnlâmkhuyếnngưkhuyếncông " * 2, False)]),
            Column("Chỉ tiêu", [("Số lượng văn bản", False)], label=True)]
    size, mm = layout(wide)
    assert size < 10 and mm[0] >= longest_token_mm("Khuyếnnôngkhuyếnlâmkhuyếnngưkhuyếncông", size)
    assert layout([Column("Chỉ tiêu", [("Số lượng", False)], label=True)])[0] == 10


@pytest.mark.parametrize(("labels", "want"), [
    (["Năm 2015", "Năm 2016", "Năm 2020 (Tính đến 23/3)"], ("Năm", ["2015", "2016", "2020 (Tính đến 23/3)"])),
    (["Giai đoạn 2001-2010 (Tính đến 12/2010)", "Giai đoạn 2011-2020"],
     ("Giai đoạn", ["2001-2010 (Tính đến 12/2010)", "2011-2020"])),
    (["Đánh giá kết quả đạt được (Đạt/Không đạt)"], ("", ["Đánh giá kết quả đạt được (Đạt/Không đạt)"])),
    (["Năm 2015", "Quý I 2016"], ("", ["Năm 2015", "Quý I 2016"])),
    (["Năm", "Năm 2016"], ("", ["Năm", "Năm 2016"])),   # a label is never left empty
])
def test_period_headers_share_their_first_words(labels, want):
    assert period_headers(labels) == want


@pytest.mark.parametrize("width", [20, 40, 60, 100])
@pytest.mark.parametrize("text", ["UBND THÀNH PHỐ HÀ GIANG", "TRUNG TÂM VĂN HÓA - THÔNG TIN VÀ DU LỊCH",
                                  "BAN QUẢN LÝ CÁC DỰ ÁN ĐẦU TƯ XÂY DỰNG VÀ PHÁT TRIỂN QUỸ ĐẤT THÀNH PHỐ"])
def test_lines_are_whole_words_within_the_width(text, width):
    lines = lines_within(text, width, 12)
    assert " ".join(lines) == text
    assert all(text_mm(line, 12) <= width + 1e-9 or " " not in line for line in lines)
    if text_mm(text, 12) <= width:
        assert lines == [text]
    # Balanced: no line could take the next line's first word and still fit, unless that
    # would leave the lines less even (then each line is at most the widest's width).
    widest = max(text_mm(line, 12) for line in lines)
    assert all(text_mm(line, 12) <= widest for line in lines)


@pytest.mark.parametrize(("appendix", "figures", "report"), [(0, 0, 0), (3, 0, 12), (0, 2, 0), (1, 1, 1), (5, 4, 15)])
def test_the_console_counts_appendices_figures_and_reports_apart(appendix, figures, report):
    gaps = ([Gap("u", "U", "PL1", "chưa nộp", APPENDIX, True)] * appendix + [Gap("u", "U", "PL2", "thiếu 1/6 số liệu",
                                                                                   FIGURES)] * figures
            + [Gap("u", "U", "", "chưa gửi", REPORT)] * report)
    text = summary(gaps)
    assert (f"{appendix} phụ lục chưa nộp, không dùng được hoặc có lỗi" in text) == bool(appendix)
    assert (f"{figures} phụ lục đã nộp nhưng thiếu số liệu" in text) == bool(figures)
    assert (f"{report} đơn vị chưa gửi báo cáo theo Đề cương" in text) == bool(report)
    assert ("đã nộp đủ" in text) == (not gaps)
    assert f"{appendix + report} phụ lục" not in text or not (appendix and report)
