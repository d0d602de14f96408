"""The one table of the authoring workbook: every sheet, every column, what it holds.

The writer (blank workbook, export), the reader (workbook → the dicts of the YAML files)
and the "Hướng dẫn" sheet all read this table; nothing else names a sheet or a header.
A new kind field or rule operand is one ``Column`` line here (rule operands are derived
from the rule types). Vietnamese headers; ``key`` is the key in the plan's dicts, dotted
for a nested one (``year_jump.rise``); keys starting with ``^`` name the parent a
row belongs to (the form of an indicator, the set of a period), not a field.

A "facts" sheet has one row per field (Thông tin | Giá trị | Giải thích) and keys rooted
at ``catalogue.``, ``registry.`` or ``outline.``; every other sheet has one row per thing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..kinds import BASES
from ..layout import PREPARER_IDS
from ..model import AGGREGATES, COMPARISONS, EVIDENCE_DECIDES, SEVERITIES, dmy
from ..outline import MAX_LEVEL, Section
from ..rules import RULE_TYPES
from .names import quoted

TITLE_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3   # 1-based rows: sheet title, headers, first data row
YES, NO = "Có", "Không"
FACT_HEADERS = ("Thông tin", "Giá trị", "Giải thích")
LISTS_SHEET = "Danh mục"   # hidden: the labels of the drop-downs of fixed lists
GUIDE_SHEET = "Hướng dẫn"
# The dates of the examples (plan 372), written as every text of cchc writes a date (dmy).
EXAMPLE_SIGNED, EXAMPLE_DUE, EXAMPLE_DATA_FROM = date(2020, 3, 12), date(2020, 3, 23), date(2011, 1, 1)

# Fixed lists: the label the workbook shows → the code the plan's dicts hold.
ENUMS: dict[str, dict[str, str]] = {
    "severity": dict(zip(("Lỗi", "Cảnh báo"), SEVERITIES, strict=True)),
    "layout": {"Chỉ tiêu theo dòng": "rows", "Chỉ tiêu theo cột": "transposed"},
    # The labels of the kinds' bases and of the aggregations are their tables' own.
    "base": {b.title: name for name, b in BASES.items()},
    "aggregate": {label: code for code, label in AGGREGATES.items()},
    "rule_type": {t.label: t.id for t in RULE_TYPES.values()},
    "compare": {symbol: code for code, symbol in COMPARISONS.items()},
    "decides": dict(zip(("Chỉ bác bỏ «Đạt»", "Cả hai chiều"), EVIDENCE_DECIDES, strict=True)),
    "yesno": {YES: True, NO: False},
}
assert all(len(v) == len(set(v.values())) for v in ENUMS.values())


@dataclass(frozen=True)
class Column:
    """One column (one row of a facts sheet). ``type``: text, integer, number, yesno, list,
    date, fixes ("sai → đúng; …"), map ("khóa: số; …"), or enum (``choices`` names an ENUMS
    list). ``source``: a drop-down of the ids in another sheet (its name)."""

    header: str
    key: str
    type: str = "text"
    note: str = ""
    example: str = ""
    choices: str = ""
    source: str = ""
    width: int = 18
    required: bool = False


@dataclass(frozen=True)
class Sheet:
    """One sheet: its name, what a row is (``target``), its columns, and what it is for."""

    name: str
    target: str
    about: str
    columns: tuple[Column, ...]
    id_key: str = "id"   # the column other sheets' drop-downs list (``Column.source``)
    needs: str = ""      # said after "trang chưa có dòng nào" when the sheet must have rows

    @property
    def facts(self) -> bool:
        """Whether the sheet is one row per field (plan facts) rather than per thing."""
        return self.target == "facts"

    def column(self, key: str) -> Column:
        """The column holding ``key``."""
        return next(c for c in self.columns if c.key == key)


C = Column
FORM = C("Biểu", "^form", source="Biểu", width=10, required=True, note="Mã biểu (trang «Biểu») chứa dòng này.",
         example="PL1")

PLAN = Sheet("Kế hoạch", "facts", "Thông tin chung của kế hoạch, cơ quan ban hành và cơ quan tổng hợp.", (
    C("Số, ký hiệu", "catalogue.plan.code", note="Số, ký hiệu của kế hoạch, dùng để gọi tên kế hoạch.",
      example="372/KH-UBND"),
    C("Tên ngắn", "catalogue.plan.short", example="CCHC 2011-2020",
      note="Tên ngắn của đợt báo cáo, ghi ở đầu tiêu đề thư gửi đơn vị: «[CCHC 2011-2020] …»."),
    C("Tiêu đề bảng tổng hợp", "catalogue.plan.summary_title",
      example="TỔNG HỢP PHỤ LỤC THỐNG KÊ TỔNG KẾT CCHC 2011-2020",
      note="Dòng đầu của bảng tổng hợp; để trống: «TỔNG HỢP BÁO CÁO» và tên ngắn."),
    C("Căn cứ", "catalogue.plan.reference", required=True,
      example=f"Kế hoạch số 372/KH-UBND ngày {dmy(EXAMPLE_SIGNED)} của UBND thành phố",
      note="Tên đầy đủ của văn bản, ghi trong hướng dẫn và thư gửi đơn vị."),
    C("Dòng «Kèm theo»", "catalogue.plan.attachment_line", required=True,
      example=f"(Kèm theo Kế hoạch số 372/KH-UBND ngày {dmy(EXAMPLE_SIGNED)} của UBND thành phố)",
      note="Dòng in dưới tên mỗi biểu."),
    C("Hạn nộp", "catalogue.plan.default_deadline", "date", required=True, example=dmy(EXAMPLE_DUE),
      note="Hạn nộp theo kế hoạch (ngày/tháng/năm); cchc generate --deadline thay được."),
    C("Phạm vi số liệu", "catalogue.plan.data_range", required=True,
      example=f"Số liệu báo cáo tính từ ngày {dmy(EXAMPLE_DATA_FROM)} đến ngày {dmy(EXAMPLE_DUE)}.",
      note="Câu nêu thời gian số liệu."),
    C("Cơ quan ban hành", "registry.issuer", required=True, example="UBND THÀNH PHỐ HÀ GIANG",
      note="In hoa, như ở đầu văn bản."),
    C("Địa phương", "registry.place", required=True, example="Thành phố Hà Giang", note="Nơi ban hành."),
    C("Cơ quan tổng hợp", "registry.consolidator.name", required=True, example="Ban Tổ chức - Nội vụ thành phố",
      note="Cơ quan nhận và tổng hợp báo cáo."),
    C("Người liên hệ", "registry.consolidator.contact", example="Phan Thị Thanh Tâm – Phó Trưởng Ban",
      note="Họ tên, chức vụ người đơn vị hỏi khi cần."),
    C("Email nhận báo cáo", "registry.consolidator.email", required=True, example="bantcnv@tp-hagiang.example",
      note="Địa chỉ đơn vị gửi báo cáo về."),
    C("Kênh gửi khác", "registry.consolidator.channel", example="Vnptioffice",
      note="Kênh gửi văn bản khác, nếu có."),
    # The Đề cương's own lines (its sections: the «Đề cương» sheet). All empty, with that
    # sheet: the plan asks for no narrative report.
    C("Đề cương: mã", "outline.id", example="BC",
      note="Chỉ khi kế hoạch yêu cầu báo cáo bằng văn bản theo Đề cương (trang «Đề cương»): mã của báo cáo "
           "trong danh sách tệp và kết quả tổng hợp."),
    C("Đề cương: phiên bản", "outline.version", "integer", example="1",
      note="Tăng lên 1 khi sửa các mục của Đề cương sau khi đã gửi mẫu báo cáo."),
    C("Đề cương: tên", "outline.name", example="ĐỀ CƯƠNG BÁO CÁO", note="Tên Đề cương như in trong kế hoạch."),
    C("Đề cương: loại văn bản", "outline.kind", example="BÁO CÁO", note="In làm tiêu đề của mẫu báo cáo."),
    C("Đề cương: trích yếu", "outline.title", example="Kết quả công tác cải cách hành chính quý",
      note="Nội dung báo cáo, in dưới loại văn bản."),
    C("Đề cương: dòng «Kèm theo»", "outline.attachment", example="(Kèm theo Kế hoạch số …)"),
    C("Đề cương: ghi chú cuối", "outline.note", example="", note="In ở cuối mẫu báo cáo, như hướng dẫn."),
))

UNITS = Sheet("Đơn vị", "units", "Mỗi dòng một đơn vị báo cáo và các biểu đơn vị đó phải nộp.", (
    C("Mã đơn vị", "code", required=True, width=16, example="p-tran-phu",
      note="Chữ thường không dấu, số, dấu gạch ngang; tối đa 40 ký tự; không trùng."),
    C("Tên đơn vị", "name", required=True, width=36, example="UBND phường Trần Phú"),
    C("Loại đơn vị", "kind", source="Loại đơn vị", required=True, example="ward",
      note="Mã một loại của trang «Loại đơn vị»; dùng để so sánh đơn vị cùng loại."),
    C("Email", "email", required=True, width=30, example="tranphu@tp-hagiang.example"),
    C("Biểu được giao", "forms", "list", required=True, width=22, example="PL1, PL3",
      note="Mã các biểu (trang «Biểu»), cách nhau bằng dấu phẩy."),
), id_key="code")

PERIODS = Sheet("Kỳ báo cáo", "periods", "Các bộ kỳ báo cáo: mỗi dòng một kỳ (một cột số liệu của biểu); "
                "các kỳ cùng bộ ghi liền nhau, theo thứ tự in.", (
    C("Bộ kỳ", "^set", required=True, width=20, example="nam_2015_2019",
      note="Tên bộ kỳ (chữ không dấu, không khoảng trắng); biểu chọn bộ kỳ ở trang «Biểu»."),
    C("Mã kỳ", "id", required=True, width=12, example="2019", note="Mã kỳ trong kết quả tổng hợp, ví dụ 2019, Q1."),
    C("Tên kỳ trên biểu", "label", required=True, width=36, example="Năm 2019"),
    C("Chưa trọn kỳ", "partial", "yesno", width=12, example="Không",
      note="Có: kỳ chỉ tính đến một ngày giữa kỳ (so sánh năm chỉ theo chiều tăng)."),
), id_key="^set")

UNIT_KINDS = Sheet("Loại đơn vị", "unit_kinds", "Các loại đơn vị báo cáo (ví dụ cơ quan cấp thành phố, phường, "
                   "xã); trang «Đơn vị» và «Nhóm so sánh» dùng mã loại.", (
    C("Mã loại", "id", required=True, width=12, example="ward", note="Tên ngắn, chữ không dấu."),
    C("Tên loại", "name", required=True, width=36, example="UBND phường", note="Tên tiếng Việt, dùng trong thông báo."),
))

_BASES = "; ".join(f"{b.title}: {b.about}" for b in BASES.values())
KINDS = Sheet("Loại ô", "kinds", "Mỗi dòng một loại ô nhập liệu: ô nhận gì, thông báo khi nhập, cách tổng hợp. "
              "Phải có loại «note» (ghi chú, kiểu Chữ): cột ghi chú của mọi biểu.", (
    C("Mã loại", "id", required=True, width=12, example="count",
      note="Tên ngắn, chữ không dấu; trang «Chỉ tiêu» dùng tên này."),
    C("Kiểu", "base", "enum", choices="base", required=True, width=16, example=BASES["integer"].title,
      note="Chọn trong danh sách. " + _BASES),
    C("Tên loại", "label", required=True, width=16, example="Số lượng", note="Tên loại ô in trong hướng dẫn của biểu."),
    C("Mô tả", "description", required=True, width=30, example="Số nguyên không âm (0, 1, 2, …)"),
    C("Tiêu đề gợi ý", "input_title", required=True, example="Nhập số nguyên ≥ 0",
      note="Tiêu đề khung gợi ý hiện khi chọn ô (tối đa 32 ký tự)."),
    C("Gợi ý khi nhập", "input_message", required=True, width=30, example="Nhập một số nguyên không âm, ví dụ 12.",
      note="Tối đa 255 ký tự."),
    C("Tiêu đề báo lỗi", "error_title", required=True, example="Giá trị không hợp lệ", note="Tối đa 32 ký tự."),
    C("Nội dung báo lỗi", "error_message", required=True, width=30, example="Ô này chỉ nhận số nguyên không âm.",
      note="Tối đa 255 ký tự."),
    C("Nhỏ nhất", "min", "number", width=10, example="0", note="Kiểu số: giá trị nhỏ nhất được nhận (để trống: 0)."),
    C("Lớn nhất", "max", "number", width=12, example="1000000000",
      note="Kiểu số (bắt buộc với Số nguyên, Số thập phân): lớn hơn số này thì khi tổng hợp bị coi là sai."),
    C("Ngưỡng hợp lý", "plausible_max", "number", width=12, example="100000",
      note="Kiểu số: lớn hơn số này thì đơn vị được đề nghị xác nhận lại."),
    C("Số chữ số thập phân", "decimals", "integer", width=10, example="",
      note="Số thập phân: số chữ số sau dấu phẩy hiện trên biểu (để trống: 2)."),
    C("Danh sách chọn", "choices", "list", width=24, example="Tốt, Khá, Trung bình, Yếu",
      note="Chọn trong danh sách: các lựa chọn, cách nhau bằng dấu phẩy (lựa chọn đầu là «đạt» khi đối chiếu)."),
    C("Độ dài tối đa", "max_length", "integer", width=10, example="", note="Chữ (bắt buộc): số ký tự tối đa."),
    C("Cách tổng hợp", "aggregate", "enum", choices="aggregate", width=18, example="",
      note="Để trống: theo kiểu (số nguyên, số thập phân thì cộng, tỷ lệ thì trung bình, chọn thì đếm "
           "theo từng lựa chọn, chữ thì không tổng hợp)."),
    C("Định dạng số", "number_format", width=12, example="", note="Định dạng số của Excel; để trống: theo kiểu."),
    C("Hướng dẫn điền", "instruction", width=30, example="", note="Một bước trong «Cách điền» của biểu có loại ô này."),
))

FORMS = Sheet("Biểu", "forms", "Mỗi dòng một biểu (phụ lục) của kế hoạch.", (
    C("Mã biểu", "id", required=True, width=10, example="PL1", note="Mã ngắn, ví dụ PL1; không trùng."),
    C("Số phụ lục", "number", "integer", required=True, width=8, example="1", note="Số thứ tự in «Phụ lục 1»."),
    C("Phiên bản", "version", "integer", required=True, width=8, example="1",
      note="Tăng lên 1 khi sửa biểu đã gửi đi."),
    C("Tên biểu", "title", required=True, width=40, example="Thống kê các chỉ tiêu tại lĩnh vực chỉ đạo, điều hành"),
    C("Dòng dưới tên biểu", "subtitle", width=24, example="(Tính đến ngày 31 tháng 12 năm 2019)"),
    C("Ghi chú cuối biểu", "footnote", width=30, example="Ghi chú: Biểu dành cho các cơ quan, đơn vị"),
    C("Tiêu đề cột chỉ tiêu", "label_header", width=16, example="Chỉ tiêu"),
    C("Bộ kỳ", "periods", source="Kỳ báo cáo", required=True, width=16, example="nam_2015_2019",
      note="Một bộ kỳ của trang «Kỳ báo cáo»."),
    C("Các cột", "columns", "list", width=22, example="stt, label, periods, responsible, note",
      note="Để trống: stt, label, unit, periods, note (STT, chỉ tiêu, đơn vị tính, các kỳ, ghi chú)."),
    C("Tiêu đề cột đơn vị phụ trách", "responsible_header", width=16, example="Đơn vị báo cáo"),
    C("Sửa lỗi tên biểu", "title_fixes", "fixes", width=16, example="thuế chẽ → thể chế",
      note="Lỗi chính tả đã sửa so với văn bản gốc: «sai → đúng», cách nhau bằng dấu chấm phẩy."),
    C("Sửa lỗi ghi chú", "footnote_fixes", "fixes", width=16, example=""),
    C("Sửa lỗi tiêu đề STT", "stt_header_fixes", "fixes", width=16, example=""),
))

TABLES = Sheet("Bảng", "tables", "Chỉ cần khi một biểu có nhiều bảng: mỗi dòng một bảng, theo thứ tự in.", (
    FORM,
    C("Mã bảng", "id", required=True, width=8, example="I"),
    C("Tên bảng", "title", width=40, example="I. Số lượng, cơ cấu tổ chức"),
    C("Bố cục", "layout", "enum", choices="layout", width=18, example="Chỉ tiêu theo cột",
      note="Chỉ tiêu theo dòng (mặc định) hoặc theo cột (các kỳ theo dòng)."),
    C("Tiêu đề cột địa phương", "place_header", width=16, example="Tỉnh, thành phố"),
    C("Tiêu đề cột kỳ", "period_header", width=14, example="Giai đoạn"),
))

ROWS = Sheet("Chỉ tiêu", "rows", "Mỗi dòng một chỉ tiêu (hoặc một dòng đề mục) của một biểu, theo thứ tự in.", (
    FORM,
    C("Bảng", "^table", width=8, example="", note="Mã bảng (trang «Bảng»); để trống nếu biểu chỉ có một bảng."),
    C("Mã chỉ tiêu", "id", required=True, width=12, example="PL1.1",
      note="Mã không trùng trong biểu; quy tắc và kết quả tổng hợp dùng mã này."),
    C("STT", "stt", width=6, example="1"),
    C("Tên chỉ tiêu", "label", required=True, width=50, example="Số lượng văn bản chỉ đạo, điều hành"),
    C("Loại ô", "kind", source="Loại ô", width=10, example="count",
      note="Một loại của trang «Loại ô»; để trống cho dòng đề mục (không nhập số liệu)."),
    C("Đơn vị tính", "unit", width=12, example="Văn bản"),
    C("Bắt buộc", "required", "yesno", width=9, example="Có", note="Không: được để trống. Để trống là Có."),
    C("Cách tổng hợp", "aggregate", "enum", choices="aggregate", width=18, example="",
      note="Để trống: theo loại ô (số đếm thì cộng, tỷ lệ thì trung bình, …)."),
    C("Trọng số theo", "weight", source="Chỉ tiêu", width=12, example="PL1.6.b",
      note="Với «Trung bình có trọng số»: mã chỉ tiêu dùng làm trọng số."),
    C("Đơn vị phụ trách", "responsible", width=12, example="",
      note="Mã đơn vị (trang «Đơn vị phụ trách») duy nhất được điền chỉ tiêu này."),
    C("Ngưỡng hợp lý", "plausible_max", "number", width=10, example="",
      note="Ngưỡng riêng của chỉ tiêu (nhỏ hơn ngưỡng của loại ô)."),
    C("Sửa lỗi chính tả", "fixes", "fixes", width=16, example=""),
))

RESPONSIBLE = Sheet("Đơn vị phụ trách", "responsible", "Biểu có cột «đơn vị phụ trách»: mỗi dòng một đơn vị "
                    "và tên in trên biểu; chỉ các đơn vị này được giao biểu đó.", (
    FORM,
    C("Mã đơn vị", "code", source="Đơn vị", required=True, width=14, example="vp"),
    C("Tên in trên biểu", "name", required=True, width=30, example="Văn phòng HĐND-UBND TP"),
))

def _operands() -> tuple[Column, ...]:
    """One column per operand name of the rule types (rules.RULE_TYPES), in their order;
    a name shared by several types (left, right) is one column, headed by their labels."""
    named: dict[str, list] = {}
    for rtype in RULE_TYPES.values():
        for f in rtype.fields:
            named.setdefault(f.name, []).append(f)
    columns = []
    for name, fields in named.items():
        many = any(f.many for f in fields)
        header = " / ".join(dict.fromkeys(f.label for f in fields))
        note = ("Mã các chỉ tiêu, cách nhau bằng dấu phẩy." if many else "Mã chỉ tiêu.") + \
            " Chỉ điền các cột của loại quy tắc đã chọn (" + ", ".join(
                t.label for t in RULE_TYPES.values() if any(f.name == name for f in t.fields)) + ")."
        columns.append(C(header, name, "list" if many else "text", source="" if many else "Chỉ tiêu", width=14,
                         example={"total": "PL2.0", "parts": "PL2.1.a, PL2.1.b"}.get(name, ""), note=note))
    return tuple(columns)


RULES = Sheet("Quy tắc", "rules", "Mỗi dòng một quy tắc kiểm tra giữa các chỉ tiêu của một biểu, theo từng kỳ.", (
    FORM,
    C("Mã quy tắc", "code", required=True, width=10, example="PL2-R01"),
    C("Loại quy tắc", "type", "enum", choices="rule_type", required=True, width=20,
      example=next(iter(RULE_TYPES.values())).label,
      note="; ".join(f"{t.label}: {t.description}" for t in RULE_TYPES.values())),
    C("Mức độ", "severity", "enum", choices="severity", required=True, width=10, example="Lỗi",
      note="Lỗi: số liệu không được dùng; Cảnh báo: đơn vị được đề nghị xem lại."),
    C("Thông báo ngắn", "short", required=True, width=24, example="Tổng ≠ tổng các dòng con",
      note="Hiện ngay trên biểu cạnh dòng khi quy tắc bị vi phạm."),
    C("Nội dung", "message", required=True, width=40, example="Tổng số phải bằng tổng các dòng con"),
    *_operands(),
))

EVIDENCE = Sheet("Đối chiếu", "evidence", "Mục tiêu đánh giá Đạt/Không đạt đối chiếu với số liệu tổng hợp của "
                 "biểu khác.", (
    C("Biểu", "^form", source="Biểu", required=True, width=8, example="PL8", note="Biểu có mục tiêu được đánh giá."),
    C("Mục tiêu", "target", source="Chỉ tiêu", required=True, width=10, example="PL8.5"),
    C("Biểu số liệu", "form", source="Biểu", required=True, width=10, example="PL1"),
    C("Chỉ tiêu số liệu", "row", source="Chỉ tiêu", required=True, width=12, example="PL1.6.c"),
    C("Các kỳ", "periods", "list", required=True, width=12, example="2020, 2019",
      note="Kỳ ưu tiên trước: dùng kỳ đầu tiên có số liệu."),
    C("So sánh", "compare", "enum", choices="compare", required=True, width=8, example=">"),
    C("Ngưỡng", "threshold", "number", required=True, width=8, example="80"),
    C("Cách kết luận", "decides", "enum", choices="decides", required=True, width=18, example="Cả hai chiều",
      note="Chỉ bác bỏ «Đạt»: số liệu chỉ đo một phần mục tiêu; Cả hai chiều: đo toàn bộ."),
    C("Yêu cầu", "requirement", required=True, width=40, example="sự hài lòng … đạt mức trên 80% vào năm 2020"),
))

# A section's ``figures`` (the forms whose figures it sets out) is a column once the outline has it.
_FIGURES = (C("Phụ lục số liệu", "figures", "list", width=14, example="PL1",
              note="Mã các biểu có số liệu thuộc mục này, cách nhau bằng dấu phẩy."),) \
    if "figures" in Section.__dataclass_fields__ else ()
OUTLINE = Sheet("Đề cương", "sections", "Đề cương báo cáo bằng văn bản: mỗi dòng một đề mục, theo thứ tự in. "
                "Để trống cả trang nếu kế hoạch không yêu cầu báo cáo bằng văn bản.", (
    C("Mã mục", "id", required=True, width=10, example="I.1", note="Mã không trùng; kết quả tổng hợp dùng mã này."),
    C("Số thứ tự", "number", required=True, width=12, example="1.", note="Như in: «Phần thứ nhất», «I.», «1.», «a)»."),
    C("Đề mục", "heading", required=True, width=50, example="Công tác chỉ đạo, điều hành"),
    C("Cấp", "level", "integer", required=True, width=6, example="2",
      note=f"1 đến {MAX_LEVEL}; mục đầu là cấp 1; mỗi mục sâu hơn mục trước nhiều nhất một cấp."),
    C("Gợi ý nội dung", "guidance", width=60, example="- Việc ban hành kế hoạch CCHC của đơn vị.",
      note="Nội dung cần báo cáo ở mục này, mỗi dòng một đoạn (Alt+Enter để xuống dòng); in mờ dưới đề mục."),
    C("Sửa lỗi chính tả", "fixes", "fixes", width=16, example=""),
    *_FIGURES,
))

_PLAUS = "catalogue.plausibility."
PLAUSIBILITY = Sheet("Kiểm tra hợp lý", "facts", "Ngưỡng của các cảnh báo số liệu bất thường khi tổng hợp "
                     "(chỉ cảnh báo, không loại số liệu). Để trống cả trang: không kiểm tra.", (
    C("Năm: tăng gấp", _PLAUS + "year_jump.rise", "number", example="10",
      note="Một kỳ lớn hơn trung vị các năm khác của đơn vị từng này lần thì được hỏi lại."),
    C("Năm: giảm còn 1 phần", _PLAUS + "year_jump.drop", "number", example="20"),
    C("Năm: chênh lệch tối thiểu", _PLAUS + "year_jump.floor", "map", example="count: 50; percent: 60",
      note="Theo loại ô: «loại: số», cách nhau bằng dấu chấm phẩy."),
    C("Năm: số độ lệch", _PLAUS + "year_jump.score", "number", example="5"),
    C("Năm: số năm tối thiểu", _PLAUS + "year_jump.min_years", "integer", example="3"),
    C("Năm: loại ô là tỷ lệ", _PLAUS + "year_jump.rates", "list", example="percent"),
    C("Đơn vị: số độ lệch", _PLAUS + "unit_outlier.score", "number", example="5"),
    C("Đơn vị: chênh lệch tối thiểu", _PLAUS + "unit_outlier.floor", "map", example="count: 50; percent: 30"),
    C("Đơn vị: chênh lệch gấp", _PLAUS + "unit_outlier.factor", "map", example="count: 10"),
    C("Đơn vị: số đơn vị tối thiểu", _PLAUS + "unit_outlier.min_units", "integer", example="5"),
))

GROUPS = Sheet("Nhóm so sánh", "groups", "Các nhóm đơn vị được so sánh với nhau khi kiểm tra hợp lý.", (
    C("Mã nhóm", "id", required=True, width=10, example="local"),
    C("Tên nhóm", "name", required=True, width=30, example="UBND phường, xã"),
    C("Loại đơn vị", "kinds", "list", required=True, width=20, example="ward, commune",
      note="Mã các loại đơn vị (trang «Loại đơn vị»), cách nhau bằng dấu phẩy."),
))

PREPARER = Sheet("Người lập biểu", "preparer", "Các ô người lập biểu điền ở cuối mỗi biểu.", (
    C("Mã", "id", required=True, width=10, example="phone"),
    C("Nhãn trên biểu", "label", required=True, width=16, example="Điện thoại:"),
    C("Tiêu đề gợi ý", "input_title", required=True, width=24, example="Số điện thoại liên hệ"),
    C("Gợi ý khi nhập", "input_message", required=True, width=36, example="Nhập số điện thoại liên hệ."),
    C("Độ dài tối đa", "max_length", "integer", required=True, width=10, example="30"),
), needs=f"; cần đúng ba dòng, «Mã» lần lượt là {quoted(PREPARER_IDS)} (họ tên, điện thoại, email)")

# The order of the workbook (after "Hướng dẫn"), which is also the order of reading.
SHEETS: tuple[Sheet, ...] = (PLAN, UNIT_KINDS, UNITS, PERIODS, KINDS, FORMS, TABLES, ROWS, RESPONSIBLE, RULES,
                             EVIDENCE, PLAUSIBILITY, GROUPS, PREPARER, OUTLINE)
BY_NAME = {s.name: s for s in SHEETS}
assert len(BY_NAME) == len(SHEETS) and GUIDE_SHEET not in BY_NAME and LISTS_SHEET not in BY_NAME
