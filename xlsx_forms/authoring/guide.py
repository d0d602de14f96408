"""The "Hướng dẫn" sheet of the authoring workbook: how to fill it in, sheet by sheet,
with the columns and an example of each, all taken from the sheet table."""
from __future__ import annotations

from ..model import dmy
from .sheets import EXAMPLE_DUE, NO, SHEETS, YES, Sheet

TITLE = "HƯỚNG DẪN LẬP KẾ HOẠCH BÁO CÁO"

INTRO = (
    ("Sổ này mô tả một kế hoạch báo cáo: các biểu (phụ lục) đơn vị phải điền, các chỉ tiêu của từng biểu, "
     "các kỳ báo cáo, các quy tắc kiểm tra số liệu và các đơn vị được giao biểu. Phần mềm cchc đọc sổ này để "
     "tạo cho từng đơn vị các biểu mẫu Excel đã khóa, rồi kiểm tra và tổng hợp các biểu đơn vị gửi lại."),
)

STEPS = (
    ("Bước 1. Trang «Kế hoạch»: ghi số, ký hiệu, tên ngắn và căn cứ của kế hoạch, hạn nộp, cơ quan ban hành, "
     "cơ quan tổng hợp."),
    "Bước 2. Trang «Loại đơn vị»: các loại đơn vị báo cáo (ví dụ phường, xã, cơ quan chuyên môn), mỗi loại một mã.",
    ("Bước 3. Trang «Kỳ báo cáo»: khai báo các bộ kỳ (các năm, các quý, các tháng, các giai đoạn, hoặc một cột "
     "duy nhất); mỗi kỳ là một cột số liệu của biểu."),
    ("Bước 4. Trang «Loại ô»: các loại ô nhập liệu, mỗi loại một kiểu (số nguyên, số thập phân như số tiền "
     "triệu đồng, tỷ lệ %, Có/Không, chọn trong danh sách do kế hoạch ghi, chữ), với lời gợi ý và lời báo lỗi "
     "hiện khi đơn vị nhập. Phải có loại «note» kiểu Chữ (ô ghi chú của mỗi biểu)."),
    ("Bước 5. Trang «Biểu»: mỗi biểu một dòng. Trang «Chỉ tiêu»: các chỉ tiêu của từng biểu, theo thứ tự in. "
     "Biểu có nhiều bảng thì khai báo các bảng ở trang «Bảng»."),
    ("Bước 6. Trang «Quy tắc» (nếu cần): các kiểm tra giữa các chỉ tiêu, theo từng kỳ; các loại quy tắc "
     "và cột cần điền của mỗi loại ghi ở phần về trang «Quy tắc» dưới đây."),
    "Bước 7. Trang «Đơn vị»: các đơn vị báo cáo, loại, email và các biểu được giao.",
    ("Bước 8. Trang «Đề cương» (nếu kế hoạch yêu cầu báo cáo bằng văn bản): các đề mục theo thứ tự in, và các "
     "dòng «Đề cương: …» ở trang «Kế hoạch». Để trống thì không có mẫu báo cáo."),
    ("Bước 9. Kiểm tra sổ bằng lệnh: cchc plan check TỆP. Lệnh nêu từng chỗ sai (trang, dòng, cột); sửa đến "
     "khi lệnh báo «Kế hoạch hợp lệ». Sau đó: cchc generate --plan TỆP, và khi nhận được báo cáo: cchc "
     "harvest THƯ_MỤC_NHẬN."),
)

RULES = (
    "Cách ghi:",
    ("– Mỗi dòng là một mục (một đơn vị, một kỳ, một chỉ tiêu …). Dòng 1 của mỗi trang là tên trang, dòng 2 "
     "là tiêu đề cột: không sửa tiêu đề cột (có thể đổi thứ tự cột hoặc thêm cột ghi chú riêng ở bên phải)."),
    "– Ô có mũi tên thả xuống: chọn trong danh sách. Cột Có/Không: ghi «" + YES + "» hoặc «" + NO + "».",
    "– Nhiều giá trị trong một ô (danh sách): cách nhau bằng dấu phẩy, ví dụ «PL1, PL3».",
    f"– Ngày: ngày/tháng/năm, ví dụ {dmy(EXAMPLE_DUE)}. Số thập phân: dấu phẩy hoặc dấu chấm đều được.",
    "– Mã (mã biểu, mã chỉ tiêu, mã đơn vị …) không trùng nhau và không đổi sau khi đã gửi biểu đi.",
    ("– Các trang «Bảng», «Đơn vị phụ trách», «Quy tắc», «Đối chiếu», «Kiểm tra hợp lý», «Nhóm so sánh», "
     "«Đề cương» có thể để trống."),
)


def sheet_lines(sheet: Sheet) -> list[tuple[str, str, str]]:
    """(column, what it holds, example) for each column of ``sheet``."""
    lines = []
    for c in sheet.columns:
        what = c.note or ""
        if c.required:
            what = f"(bắt buộc) {what}".strip()
        lines.append((c.header, what, c.example))
    return lines


def guide_rows() -> list[tuple[str, ...]]:
    """The sheet's content, one tuple per row: ("title"|"text"|"heading"|"column", …)."""
    rows: list[tuple[str, ...]] = [("title", TITLE)]
    rows += [("text", t) for t in INTRO + STEPS + RULES]
    for sheet in SHEETS:
        rows.append(("heading", f"Trang «{sheet.name}»: {sheet.about}"))
        rows.append(("header", "Thông tin" if sheet.facts else "Cột", "Nội dung", "Ví dụ"))
        rows += [("column", *line) for line in sheet_lines(sheet)]
    return rows
