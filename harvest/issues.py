"""Problems found while harvesting, as data (never exceptions): a code, a severity and a
position, with a Vietnamese message of one shape: what is wrong, the rule, the fix.

Rule codes (``PL2-R01`` …) come from the form specs; ``Code`` below is the catalogue of the
harvester's own, each listed in README's "Issue codes" table (a test keeps the three in step).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from xlsx_forms.inert import inert

ERROR, WARNING = "error", "warning"
SEVERITY_VI = {ERROR: "Lỗi", WARNING: "Cảnh báo"}


def _error(code: str, template: str, *, left_out: str = "") -> tuple:
    return code, ERROR, template, False, left_out, left_out


def _warning(code: str, template: str, *, confirm: bool = False, short: str = "") -> tuple:
    return code, WARNING, template, confirm, "", short


class Code(StrEnum):
    """The harvester's issue codes, the one home of each: its severity, its message
    template (fields in braces, filled by ``issue()``), whether the unit is asked to
    confirm the value rather than correct it (a correction workbook marks those cells
    "xin xác nhận": the plausibility warnings), and, for an error on one cell, why its
    value is left out of the city totals in a few words (the summary's city cells; the
    full message is on the issues sheet), and, for every problem a value can be marked
    with, what it is in a few words (``short``: an error's reason to leave the value out,
    a warning's remark), for the tables where a code would mean nothing to the reader
    (the city's official appendices). A member is its code: ``Code.F_HMAC == "F-HMAC"``.
    """

    severity: str
    template: str
    confirm: bool
    left_out: str
    short: str

    def __new__(cls, code: str, severity: str, template: str, confirm: bool, left_out: str, short: str):
        member = str.__new__(cls, code)
        member._value_ = code
        member.severity, member.template = severity, template
        member.confirm, member.left_out, member.short = confirm, left_out, short
        return member

    # The file as a whole
    F_UNREADABLE = _error("F-UNREADABLE", "Không đọc được tệp ({detail}). Tệp phải là sổ tính (.xlsx, .xls "
        "hoặc .ods) lưu từ biểu mẫu đã gửi. Đề nghị đơn vị mở lại biểu mẫu, lưu lại và gửi lại.")
    F_NOT_READ = _error("F-NOT-READ", "Mục này trong thư mục nhận không được đọc: {detail}. {advice}")
    F_SYSTEM_FILE = _warning("F-SYSTEM-FILE", "Đây là {detail}, không phải tệp đơn vị gửi, nên không được "
        "đọc. {advice}")
    F_ENCRYPTED = _error("F-ENCRYPTED", "Tệp có mật khẩu mở nên không đọc được. Biểu mẫu gửi lại không "
        "được đặt mật khẩu mở tệp. Đề nghị đơn vị gỡ mật khẩu mở (Tệp > Thông tin > Bảo vệ sổ làm việc > "
        "Mã hóa bằng mật khẩu: để trống) rồi gửi lại.")
    F_NO_IDENTITY = _error("F-NO-IDENTITY", "Tệp không có thông tin nhận diện của biểu mẫu "
        "đã gửi cho đơn vị{form_hint}. Chỉ nhận số liệu nhập trên biểu mẫu đã gửi cho đơn vị. Đề nghị đơn vị nhập lại "
        "trên đúng tệp biểu mẫu được gửi và gửi lại.")
    F_HMAC = _error("F-HMAC", "Chữ ký nhận diện của tệp không khớp (mẫu {form}, đơn vị {claimed}): thông "
        "tin nhận diện đã bị sửa hoặc biểu mẫu do nơi khác tạo. Chỉ nhận biểu mẫu do cơ quan tổng hợp phát "
        "hành. Đề nghị đơn vị dùng đúng tệp biểu mẫu đã nhận.")
    F_IDENTITY_MISMATCH = _error("F-IDENTITY-MISMATCH", "Thông tin nhận diện trong trang ẩn và trong thuộc "
        "tính tệp không giống nhau ({detail}). Tệp phải giữ nguyên thông tin nhận diện. Đề nghị đơn vị "
        "dùng đúng tệp biểu mẫu đã nhận.")
    F_SPEC_VERSION = _error("F-SPEC-VERSION", "Biểu mẫu {form} phiên bản {version} không phải phiên bản "
        "hiện hành ({current}). Chỉ nhận biểu mẫu phiên bản hiện hành. Đề nghị đơn vị điền lại trên biểu "
        "mẫu mới.")
    F_UNKNOWN_UNIT = _error("F-UNKNOWN-UNIT", "Mã đơn vị «{unit}» trong tệp không có trong sổ đăng ký đơn "
        "vị. Chỉ nhận tệp của các đơn vị có trong sổ đăng ký. Kiểm tra sổ đăng ký (--units).")
    F_LAYOUT = _error("F-LAYOUT", "Bố cục biểu mẫu đã bị thay đổi: ô {cell} phải là «{expected}» nhưng là "
        "«{found}». Không được thêm, xóa dòng, cột hay sửa tiêu đề. Đề nghị đơn vị nhập lại trên đúng tệp "
        "biểu mẫu đã nhận.")
    F_UNIT_NAME = _error("F-UNIT-NAME", "Tên đơn vị trên biểu (ô {cell}) là «{found}» nhưng thông tin nhận "
        "diện là của «{expected}»: có thể đã chép thông tin nhận diện từ tệp của đơn vị khác. Mỗi đơn vị "
        "nộp trên biểu mẫu mang tên mình. Đề nghị đơn vị dùng đúng tệp đã nhận.")
    F_SHIFTED = _warning("F-SHIFTED", "Các dòng của biểu đã bị dịch chuyển (từ ô {cell}: {detail}); số "
        "liệu đã được đọc theo nhãn từng dòng. Không được thêm, xóa dòng. Kiểm tra lại số liệu của tệp này.")
    F_UNPROTECTED = _warning("F-UNPROTECTED", "Trang biểu mẫu đã bị gỡ bảo vệ. Không được gỡ bảo vệ trang "
        "tính. Số liệu vẫn được đọc theo vị trí đã kiểm tra.")
    F_EXTRA_SHEET = _warning("F-EXTRA-SHEET", "Tệp có thêm trang tính lạ: {names}. Các trang này không "
        "được đọc. Không cần sửa.")
    F_NO_SHEET = _error("F-NO-SHEET", "Không có trang «{sheet}». Không được đổi tên hay xóa trang tính. Đề "
        "nghị đơn vị dùng đúng tệp biểu mẫu đã nhận.")
    F_SAVED_TIME = _warning("F-SAVED-TIME", "Thời điểm lưu ghi trong tệp («{raw}») không dùng được "
        "({why}); coi như không rõ, thứ tự nộp tính theo lúc tệp đến hộp thư. Kiểm tra đồng hồ máy tính "
        "của đơn vị.")
    F_MACRO = _warning("F-MACRO", "Tệp có macro (.xlsm); chỉ đọc giá trị, macro không bao giờ được chạy. "
        "Biểu mẫu không cần macro. Nên lưu lại dạng .xlsx.")
    # One cell
    V_TEXT_NUMBER = _warning("V-TEXT-NUMBER", "Số được nhập dạng chữ «{raw}», đã đọc thành {value}. Nên "
        "nhập số, không nhập chữ. Kiểm tra lại giá trị này.",
        short="số nhập dạng chữ")
    V_AMBIGUOUS = _error("V-AMBIGUOUS", "Không rõ giá trị «{raw}» (dấu phẩy hay dấu chấm là phân cách hàng "
        "nghìn hay thập phân?). Nhập số không có dấu phân cách hàng nghìn. Đề nghị đơn vị ghi lại số này.",
        left_out="không rõ là số nào")
    V_NOT_NUMBER = _error("V-NOT-NUMBER", "«{raw}» không phải là số. Ô này chỉ nhận {accepts}. Đề nghị đơn "
        "vị sửa lại.",
        left_out="không phải là số")
    V_MAGNITUDE = _error("V-MAGNITUDE", "Giá trị «{raw}» quá lớn, không thể là số liệu thật (tối đa "
        "{max}). Ô này chỉ nhận {accepts}. Đề nghị đơn vị kiểm tra và sửa lại.",
        left_out="số quá lớn")
    V_NEGATIVE = _error("V-NEGATIVE", "Giá trị {value} là số âm. Ô này chỉ nhận {accepts}. Đề nghị đơn vị "
        "sửa lại.",
        left_out="số âm")
    V_BELOW_MIN = _error("V-BELOW-MIN", "Giá trị {value} nhỏ hơn mức tối thiểu {min}. Ô này chỉ nhận {accepts}. "
        "Đề nghị đơn vị sửa lại.",
        left_out="nhỏ hơn mức tối thiểu")
    V_NOT_INTEGER = _error("V-NOT-INTEGER", "Giá trị {value} không phải số nguyên. Ô này chỉ nhận "
        "{accepts}. Đề nghị đơn vị sửa lại.",
        left_out="không phải số nguyên")
    V_FLAG = _error("V-FLAG", "Giá trị {value} không hợp lệ. Ô này chỉ nhận 1 (Có) hoặc 0 (Không). Đề nghị "
        "đơn vị sửa lại.",
        left_out="không phải 1 hoặc 0")
    V_PERCENT_RANGE = _error("V-PERCENT-RANGE", "Tỷ lệ {value} nằm ngoài khoảng 0–100. Tỷ lệ nhập từ 0 đến "
        "100 (85 là 85%). Đề nghị đơn vị sửa lại.",
        left_out="tỷ lệ ngoài 0–100")
    V_DATE_NUMBER = _warning("V-DATE-NUMBER", "Ô hiển thị dạng ngày giờ ({raw}); đã đọc số {value} mà ô "
        "lưu. Ô này chỉ nhận số, không nhận ngày tháng. Kiểm tra lại giá trị này.",
        short="số hiển thị dạng ngày giờ")
    V_ERROR_VALUE = _error("V-ERROR-VALUE", "Ô chứa giá trị lỗi {raw} (thường do công thức bị lỗi), không "
        "phải số liệu. Ô nhập liệu chỉ nhận số. Đề nghị đơn vị nhập số liệu vào ô này.",
        left_out="ô chứa giá trị lỗi")
    V_DAMAGED = _error("V-DAMAGED", "Nội dung ô bị hỏng, không đọc được ({detail}). Ô nhập liệu chỉ nhận "
        "số liệu lưu đúng định dạng. Đề nghị đơn vị nhập lại giá trị ô này rồi lưu lại tệp.",
        left_out="ô bị hỏng")
    V_PERCENT_FRACTION = _warning("V-PERCENT-FRACTION", "Ô định dạng phần trăm lưu số {raw} (hiện "
        "{value}%), đã hiểu là {value}%. Tỷ lệ nhập số từ 0 đến 100 (gõ 85 cho 85%, không gõ dấu %). Kiểm "
        "tra lại giá trị này.",
        short="tỷ lệ lưu dạng phân số")
    # Percent cells (issue 10, part "pct"): what a value in (0, 1] means, one rule
    # (harvest/cellvalues.py: percent_meant).
    V_PERCENT_ASSUMED = _warning("V-PERCENT-ASSUMED", "Ô tỷ lệ % đọc được {raw}, đã hiểu là {value}% (số "
        "lẻ nhỏ hơn 1 được coi là phân số). Tỷ lệ nhập số từ 0 đến 100 (gõ 85 cho 85%; gõ 0,85 hay «85%» "
        "đều lưu thành 0,85). Kiểm tra lại: nếu đúng là {raw}% thì đề nghị đơn vị báo lại.",
        short="tỷ lệ nhỏ hơn 1 được hiểu là phân số")
    V_PERCENT_ONE = _error("V-PERCENT-ONE", "Ô tỷ lệ % đọc được {raw}: không rõ là {raw}% hay 100% (phân "
        "số 1), nên chưa được tính. Tỷ lệ nhập số từ 0 đến 100 (85 là 85%). Đề nghị đơn vị xác nhận: nhập "
        "100 nếu là 100%, gõ «1%» nếu là 1%.",
        left_out="1 có thể là 1% hay 100%")
    V_PERCENT_FORMAT = _error("V-PERCENT-FORMAT", "Ô định dạng phần trăm lưu số {raw}, tức là {value}%, "
        "vượt quá 100% (có thể đã gõ {raw} vào ô bị đổi sang định dạng phần trăm). Tỷ lệ nhập số từ 0 đến "
        "100 (85 là 85%). Đề nghị đơn vị nhập lại tỷ lệ này trên biểu mẫu gốc.",
        left_out="định dạng % cho tỷ lệ trên 100%")
    V_RATING = _error("V-RATING", "«{raw}» không hợp lệ. Ô này chỉ nhận {accepts}. Đề nghị đơn vị chọn lại "
        "trong danh sách.",
        left_out="không có trong danh sách chọn")
    V_RATING_CASE = _warning("V-RATING-CASE", "«{raw}» được hiểu là «{value}». Nên chọn trong danh sách "
        "thả xuống. Kiểm tra lại giá trị này.",
        short="lựa chọn viết khác danh sách")
    V_INCOMPLETE = _warning("V-INCOMPLETE", "Số liệu tổng hợp của đơn vị cấp dưới chưa đủ: {note}. Giá trị "
        "vẫn được tính. Kiểm tra lại với đơn vị khi cần.",
        short="số liệu của cấp dưới chưa đủ")
    V_FORMULA = _warning("V-FORMULA", "Ô nhập liệu chứa công thức, đã dùng giá trị {value}. Ô nhập liệu "
        "chỉ nên chứa số. Kiểm tra lại giá trị này.",
        short="ô chứa công thức")
    V_FORMULA_NO_VALUE = _error("V-FORMULA-NO-VALUE", "Ô nhập liệu chứa công thức chưa có giá trị. Ô nhập "
        "liệu chỉ nhận số. Đề nghị đơn vị nhập số thay cho công thức.",
        left_out="công thức chưa có giá trị")
    V_TEXT_LONG = _warning("V-TEXT-LONG", "{what} dài {length} ký tự, vượt giới hạn {limit} ký tự của biểu "
        "mẫu; chỉ giữ {limit} ký tự đầu. Đề nghị đơn vị viết ngắn gọn hơn.",
        short="quá dài, đã cắt bớt")
    V_TEXT_HIDDEN = _warning("V-TEXT-HIDDEN", "{what} có {count} ký tự điều khiển hoặc ký tự ẩn (ví dụ ký "
        "tự đảo chiều văn bản, ký tự độ rộng 0), đã bỏ đi. Chỉ nhập chữ thường. Kiểm tra lại nội dung ô "
        "này.",
        short="có ký tự ẩn, đã bỏ")
    V_RULE_LINKED = _error("V-RULE-LINKED", "Giá trị {value} không được tính vào số liệu tổng hợp vì giá "
        "trị của {row} cùng quy tắc {rule} không được tính: số liệu tổng hợp phải giữ đúng các quy tắc của "
        "biểu. Đề nghị đơn vị sửa {row}.",
        left_out="dòng khác cùng quy tắc không được tính")
    V_REQUIRED = _warning("V-REQUIRED", "Ô bắt buộc còn trống ({label}, {period}). Mọi chỉ tiêu bắt buộc "
        "phải có số liệu, không phát sinh thì ghi 0. Đề nghị đơn vị bổ sung.",
        short="ô bắt buộc còn trống")
    V_NOT_RESPONSIBLE = _warning("V-NOT-RESPONSIBLE", "Đơn vị đã nhập «{raw}» vào mục tiêu {row} của đơn "
        "vị khác ({owner}); giá trị này không được dùng. Mỗi mục tiêu chỉ do đơn vị chịu trách nhiệm "
        "đánh giá. Không cần sửa.",
        short="không phải đơn vị chịu trách nhiệm")
    # Reconciliation
    R_DUPLICATE = _warning("R-DUPLICATE", "Tệp giống hệt tệp {other} đã nhận; chỉ tính một lần. Không cần "
        "gửi lại.")
    R_SUPERSEDED = _warning("R-SUPERSEDED", "Đã có bản nộp mới hơn ({other}); tệp này không được dùng. Các "
        "ô thay đổi: {changes}.")
    R_UNASSIGNED = _warning("R-UNASSIGNED", "{name} không được giao phụ lục {form}; số liệu không "
        "được tính. Mỗi đơn vị chỉ báo cáo các phụ lục được giao. Không cần gửi.")
    R_CLOCK = _warning("R-CLOCK", "Tệp ghi thời điểm lưu {saved}, {why} (tệp đến hộp thư lúc {arrived}, "
        "tổng hợp lúc {now}). Thời điểm lưu do máy người gửi ghi, không thể sau lúc tệp đến; thứ tự nộp "
        "lại của tệp này tính theo lúc tệp đến hộp thư. Kiểm tra đồng hồ máy tính của đơn vị.")
    R_LATE = _warning("R-LATE", "Tệp {how} lúc {saved}, quá hạn nộp. Báo cáo phải gửi chậm nhất ngày "
        "{deadline}. Ghi nhận nộp muộn.")
    R_MISSING = _error("R-MISSING", "Đơn vị chưa nộp phụ lục {form}. Mỗi đơn vị phải nộp đủ các phụ lục "
        "được giao. Đề nghị đơn vị gửi chậm nhất ngày {deadline}.")
    # Narrative reports (issue 12: harvest/narrative.py, harvest/sections.py): the unit's
    # text under each heading of the Đề cương báo cáo.
    N_NOT_READ = _warning("N-NOT-READ", "Đã nhận {what} nhưng nội dung loại tệp này không đọc được khi tổng hợp, nên "
        "chưa tính là báo cáo của đơn vị nào. Báo cáo theo Đề cương được đọc từ mẫu Word đã gửi "
        "(lưu dạng .docx hoặc .odt). Nếu đây là báo cáo, đề nghị đơn vị gửi kèm bản "
        ".docx viết trên mẫu bao-cao_<mã đơn vị>.docx; bản PDF có chữ ký vẫn được lưu.")
    N_UNREADABLE = _error("N-UNREADABLE", "Không đọc được văn bản ({detail}). Báo cáo phải là tệp .docx hoặc .odt lưu "
        "từ mẫu đã gửi. Đề nghị đơn vị mở lại mẫu báo cáo, lưu lại và gửi lại.")
    N_NO_IDENTITY = _error("N-NO-IDENTITY", "Văn bản không có thông tin nhận diện của mẫu báo cáo đã gửi cho "
        "đơn vị, nên không tính là báo cáo của đơn vị nào. Chỉ nhận báo cáo viết trên mẫu bao-cao_<mã đơn "
        "vị>.docx đã gửi cho đơn vị. Đề nghị đơn vị chép nội dung vào đúng mẫu và gửi lại.")
    N_OUTLINE = _error("N-OUTLINE", "Mẫu báo cáo được tạo theo đề cương phiên bản {version}, không phải đề cương hiện "
        "hành (phiên bản {current}). Báo cáo phải viết trên mẫu theo đề cương hiện hành. "
        "Đề nghị đơn vị chép nội dung vào mẫu mới và gửi lại.")
    N_UNIT_NAME = _error("N-UNIT-NAME", "Đầu văn bản ghi «{found}» nhưng thông tin nhận diện là của «{expected}»: "
        "có thể đã dùng mẫu báo cáo của đơn vị khác. Mỗi đơn vị báo cáo trên mẫu mang tên "
        "mình. Đề nghị đơn vị dùng đúng mẫu đã nhận.")
    N_HEADING = _warning("N-HEADING", "Không tìm thấy {count} đề mục của Đề cương trong văn bản: {headings}. "
        "Không được xóa hay sửa các đề mục; nội dung dưới đề mục bị mất được tính vào mục trước nó. "
        "Kiểm tra lại văn bản này.")
    N_EMPTY = _warning("N-EMPTY", "Mục {section} còn trống. Mỗi mục của Đề cương cần có nội dung báo cáo, không có "
        "thì ghi rõ «Không phát sinh». Đề nghị đơn vị bổ sung.")
    N_GUIDANCE = _warning("N-GUIDANCE", "Mục {section} mới chỉ có lời hướng dẫn của mẫu, chưa có nội dung của đơn vị. "
        "Viết nội dung báo cáo dưới lời hướng dẫn (có thể xóa lời hướng dẫn). Đề nghị "
        "đơn vị bổ sung.")
    N_MISSING = _warning("N-MISSING", "Đơn vị chưa nộp báo cáo theo Đề cương (mẫu bao-cao_{unit}.docx). Mỗi đơn vị "
        "gửi báo cáo cùng các phụ lục. Đề nghị đơn vị gửi chậm nhất ngày {deadline}.")
    # Plausibility (issue 10, items 4 and 5: harvest/plausibility.py, harvest/evidence.py).
    # Warnings on values that are used: the unit is asked to confirm them ("xin xác nhận").
    P_YEAR_JUMP = _warning("P-YEAR-JUMP", "{label}, {period}: {value} {comparison} trung vị {median} của "
        "các năm khác của đơn vị ({others}). Số liệu một năm hiếm khi gấp {rise} lần hoặc chỉ bằng "
        "1/{drop} các năm khác. Xin đơn vị xác nhận số liệu này, hoặc sửa lại nếu nhập nhầm.",
        confirm=True,
        short="khác xa các năm khác của đơn vị")
    P_UNIT_OUTLIER = _warning("P-UNIT-OUTLIER", "{label}, {period}: {value}, khác xa {count} {group} khác "
        "đã báo cáo (trung vị {median}; một nửa số đơn vị trong khoảng {low}–{high}). Số liệu cùng chỉ "
        "tiêu của các đơn vị cùng cấp thường gần nhau. Xin đơn vị xác nhận số liệu này, hoặc sửa lại nếu "
        "nhập nhầm.",
        confirm=True,
        short="khác xa các đơn vị cùng cấp")
    P_MAGNITUDE = _warning("P-MAGNITUDE", "{label}, {period}: {value} lớn hơn mức một đơn vị thường có thể "
        "báo cáo ({bound}). Xin đơn vị xác nhận số liệu này, hoặc sửa lại nếu nhập nhầm (thừa chữ số, nhập "
        "cộng dồn).",
        confirm=True,
        short="lớn bất thường")
    P_PL8_CONTRADICTED = _warning("P-PL8-CONTRADICTED", "Mục tiêu {target} được đánh giá «Đạt», nhưng số "
        "liệu tổng hợp: {figure}, chưa đạt «{requirement}» ({needed}). Đánh giá phải khớp "
        "với số liệu các phụ lục. Xin đơn vị xác nhận lại đánh giá, hoặc giải thích ở cột ghi chú.",
        confirm=True,
        short="đánh giá «Đạt» chưa khớp số liệu")
    P_PL8_UNDERRATED = _warning("P-PL8-UNDERRATED", "Mục tiêu {target} được đánh giá «Không đạt», nhưng số "
        "liệu tổng hợp: {figure}, đạt «{requirement}» ({needed}). Đánh giá phải khớp với số "
        "liệu các phụ lục. Xin đơn vị xác nhận lại đánh giá, hoặc giải thích ở cột ghi chú.",
        confirm=True,
        short="đánh giá «Không đạt» chưa khớp số liệu")


# Views of the catalogue, for the modules that read codes back from the CSV files.
CONFIRM_CODES = frozenset(c.value for c in Code if c.confirm)
LEFT_OUT_VI: dict[str, str] = {c.value: c.left_out for c in Code if c.left_out}
SHORT_VI: dict[str, str] = {c.value: c.short for c in Code if c.short}


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem, where it is and what to do (the columns of issues.csv)."""

    severity: str
    code: str
    unit_code: str
    form: str
    file: str
    sheet: str
    cell: str
    message: str

    def sort_key(self) -> tuple:
        """Stable order: by file, sheet, cell position, code."""
        return (self.file, self.unit_code, self.form, self.sheet, _cell_key(self.cell), self.code)


def _cell_key(cell: str) -> tuple[int, str]:
    digits = "".join(ch for ch in cell if "0" <= ch <= "9")
    letters = "".join(ch for ch in cell if ch.isalpha())
    return (int(digits) if digits else 0, letters.rjust(3))


# Fields quoted into a message may come from the file (a cell's text, a sheet name, an
# unverified identity): each is made inert and kept short, so one file can neither break
# an output nor flood it. Fields that cchc composes from many quotes get more room.
QUOTE_LIMIT = 120
FIELD_LIMITS = {"changes": 1500, "headings": 1500, "detail": 600, "names": 600, "requirement": 300,
                "others": 300, "label": 400,
                "figure": 300}


def unit_called(registry, code: str) -> str:
    """A unit as a message names it: «its name» when ``registry`` knows the code, else
    «mã …» (an identity's unverified claim): people read names, not codes."""
    try:
        return f"«{registry.unit(code).name}»"
    except (KeyError, TypeError, AttributeError):
        return f"mã «{code}»"


def _field(name: str, value: object) -> str:
    return inert(value, single_line=True, limit=FIELD_LIMITS.get(name, QUOTE_LIMIT))


def issue(code: Code | str, *, unit: str = "", form: str = "", file: str = "", sheet: str = "",
          cell: str = "", severity: str | None = None, text: str | None = None, **fields) -> Issue:
    """Build an Issue of a catalogue ``Code`` (or, for spec rules, of a rule's code string,
    from ``text`` and ``severity``).

    The message starts with where the problem is, then the catalogue's what/rule/fix.
    Every field is made inert (``xlsx_forms.inert``) first: some come from the file.
    The file name is the inbox's, kept as the ledger has it.
    """
    unit, form, sheet, cell = (_field("", v) for v in (unit, form, sheet, cell))
    if text is None:
        known = Code(code)
        text = known.template.format(**{"unit": unit, "form": form, "sheet": sheet, "cell": cell,
                                        **{k: _field(k, v) for k, v in fields.items()}})
        severity = severity or known.severity
    where = ", ".join(p for p in (file, f"trang «{sheet}»" if sheet else "", f"ô {cell}" if cell else "") if p)
    message = f"{where}: {text}" if where else text
    return Issue(severity, str(code), unit, form, file, sheet, cell, unicodedata.normalize("NFC", message))
