"""Problems found while harvesting, as data (never exceptions): a code, a severity and a
position, with a Vietnamese message of one shape: what is wrong, the rule, the fix.

Rule codes (``PL2-R01`` …) come from the form specs; the codes below are the harvester's own.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from xlsx_forms.inert import inert

ERROR, WARNING = "error", "warning"
SEVERITY_VI = {ERROR: "Lỗi", WARNING: "Cảnh báo"}

# code -> (severity, message template). Fields in braces are filled by ``issue()``.
CATALOGUE: dict[str, tuple[str, str]] = {
    # The file as a whole
    "F-UNREADABLE": (ERROR, "Không đọc được tệp ({detail}). Tệp phải là sổ tính (.xlsx, .xls hoặc .ods) "
                            "lưu từ biểu mẫu đã gửi. Đề nghị đơn vị mở lại biểu mẫu, lưu lại và gửi lại."),
    "F-NOT-READ": (ERROR, "Mục này trong thư mục nhận không được đọc: {detail}. {advice}"),
    "F-SYSTEM-FILE": (WARNING, "Đây là {detail}, không phải tệp đơn vị gửi, nên không được đọc. {advice}"),
    "F-ENCRYPTED": (ERROR, "Tệp có mật khẩu mở nên không đọc được. Biểu mẫu gửi lại không được đặt "
                           "mật khẩu mở tệp. Đề nghị đơn vị gỡ mật khẩu mở (Tệp > Thông tin > Bảo vệ "
                           "sổ làm việc > Mã hóa bằng mật khẩu: để trống) rồi gửi lại."),
    "F-NO-IDENTITY": (ERROR, "Tệp không có thông tin nhận diện của biểu mẫu cchc{form_hint}. Chỉ nhận số "
                             "liệu nhập trên biểu mẫu đã gửi cho đơn vị. Đề nghị đơn vị nhập lại trên "
                             "đúng tệp biểu mẫu được gửi và gửi lại."),
    "F-HMAC": (ERROR, "Chữ ký nhận diện của tệp không khớp (mẫu {form}, đơn vị «{unit}»): thông tin "
                      "nhận diện đã bị sửa hoặc biểu mẫu do nơi khác tạo. Chỉ nhận biểu mẫu do Ban tổng "
                      "hợp phát hành. Đề nghị đơn vị dùng đúng tệp biểu mẫu đã nhận."),
    "F-IDENTITY-MISMATCH": (ERROR, "Thông tin nhận diện trong trang ẩn và trong thuộc tính tệp không "
                                   "giống nhau ({detail}). Tệp phải giữ nguyên thông tin nhận diện. "
                                   "Đề nghị đơn vị dùng đúng tệp biểu mẫu đã nhận."),
    "F-SPEC-VERSION": (ERROR, "Biểu mẫu {form} phiên bản {version} không phải phiên bản hiện hành "
                              "({current}). Chỉ nhận biểu mẫu phiên bản hiện hành. Đề nghị đơn vị điền "
                              "lại trên biểu mẫu mới."),
    "F-UNKNOWN-UNIT": (ERROR, "Mã đơn vị «{unit}» trong tệp không có trong sổ đăng ký đơn vị. Chỉ nhận "
                              "tệp của các đơn vị có trong sổ đăng ký. Kiểm tra sổ đăng ký (--units)."),
    "F-LAYOUT": (ERROR, "Bố cục biểu mẫu đã bị thay đổi: ô {cell} phải là «{expected}» nhưng là "
                        "«{found}». Không được thêm, xóa dòng, cột hay sửa tiêu đề. Đề nghị đơn vị "
                        "nhập lại trên đúng tệp biểu mẫu đã nhận."),
    "F-UNIT-NAME": (ERROR, "Tên đơn vị trên biểu (ô {cell}) là «{found}» nhưng thông tin nhận diện là của "
                           "«{expected}»: có thể đã chép thông tin nhận diện từ tệp của đơn vị khác. Mỗi "
                           "đơn vị nộp trên biểu mẫu mang tên mình. Đề nghị đơn vị dùng đúng tệp đã nhận."),
    "F-SHIFTED": (WARNING, "Các dòng của biểu đã bị dịch chuyển (từ ô {cell}: {detail}); số liệu đã được "
                           "đọc theo nhãn từng dòng. Không được thêm, xóa dòng. Kiểm tra lại số liệu của "
                           "tệp này."),
    "F-UNPROTECTED": (WARNING, "Trang biểu mẫu đã bị gỡ bảo vệ. Không được gỡ bảo vệ trang tính. Số liệu "
                               "vẫn được đọc theo vị trí đã kiểm tra."),
    "F-EXTRA-SHEET": (WARNING, "Tệp có thêm trang tính lạ: {names}. Các trang này không được đọc. Không "
                               "cần sửa."),
    "F-NO-SHEET": (ERROR, "Không có trang «{sheet}». Không được đổi tên hay xóa trang tính. Đề nghị đơn "
                          "vị dùng đúng tệp biểu mẫu đã nhận."),
    "F-SAVED-TIME": (WARNING, "Thời điểm lưu ghi trong tệp («{raw}») không dùng được ({why}); coi như "
                              "không rõ, thứ tự nộp tính theo lúc tệp đến hộp thư. Kiểm tra đồng hồ "
                              "máy tính của đơn vị."),
    "F-MACRO": (WARNING, "Tệp có macro (.xlsm); chỉ đọc giá trị, macro không bao giờ được chạy. Biểu "
                         "mẫu không cần macro. Nên lưu lại dạng .xlsx."),
    # One cell
    "V-TEXT-NUMBER": (WARNING, "Số được nhập dạng chữ «{raw}», đã đọc thành {value}. Nên nhập số, "
                               "không nhập chữ. Kiểm tra lại giá trị này."),
    "V-AMBIGUOUS": (ERROR, "Không rõ giá trị «{raw}» (dấu phẩy hay dấu chấm là phân cách hàng nghìn "
                           "hay thập phân?). Nhập số không có dấu phân cách hàng nghìn. Đề nghị đơn vị "
                           "ghi lại số này."),
    "V-NOT-NUMBER": (ERROR, "«{raw}» không phải là số. Ô này chỉ nhận {accepts}. Đề nghị đơn vị sửa lại."),
    "V-MAGNITUDE": (ERROR, "Giá trị «{raw}» quá lớn, không thể là số liệu thật (tối đa {max}). Ô này "
                           "chỉ nhận {accepts}. Đề nghị đơn vị kiểm tra và sửa lại."),
    "V-NEGATIVE": (ERROR, "Giá trị {value} là số âm. Ô này chỉ nhận {accepts}. Đề nghị đơn vị sửa lại."),
    "V-NOT-INTEGER": (ERROR, "Giá trị {value} không phải số nguyên. Ô này chỉ nhận {accepts}. Đề nghị "
                             "đơn vị sửa lại."),
    "V-FLAG": (ERROR, "Giá trị {value} không hợp lệ. Ô này chỉ nhận 1 (Có) hoặc 0 (Không). Đề nghị đơn "
                      "vị sửa lại."),
    "V-PERCENT-RANGE": (ERROR, "Tỷ lệ {value} nằm ngoài khoảng 0–100. Tỷ lệ nhập từ 0 đến 100 (85 là "
                               "85%). Đề nghị đơn vị sửa lại."),
    "V-DATE-NUMBER": (WARNING, "Ô hiển thị dạng ngày giờ ({raw}); đã đọc số {value} mà ô lưu. Ô này chỉ "
                               "nhận số, không nhận ngày tháng. Kiểm tra lại giá trị này."),
    "V-ERROR-VALUE": (ERROR, "Ô chứa giá trị lỗi {raw} (thường do công thức bị lỗi), không phải số liệu. "
                             "Ô nhập liệu chỉ nhận số. Đề nghị đơn vị nhập số liệu vào ô này."),
    "V-DAMAGED": (ERROR, "Nội dung ô bị hỏng, không đọc được ({detail}). Ô nhập liệu chỉ nhận số liệu "
                         "lưu đúng định dạng. Đề nghị đơn vị nhập lại giá trị ô này rồi lưu lại tệp."),
    "V-PERCENT-FRACTION": (WARNING, "Ô định dạng phần trăm lưu số {raw} (hiện {value}%), đã hiểu là "
                                    "{value}%. Tỷ lệ nhập số từ 0 đến 100 (gõ 85 cho 85%, không gõ "
                                    "dấu %). Kiểm tra lại giá trị này."),
    # Percent cells (issue 10, part "pct"): what a value in (0, 1] means, one rule
    # (harvest/cellvalues.py: percent_meant).
    "V-PERCENT-ASSUMED": (WARNING, "Ô tỷ lệ % đọc được {raw}, đã hiểu là {value}% (số lẻ nhỏ hơn 1 được "
                                   "coi là phân số). Tỷ lệ nhập số từ 0 đến 100 (gõ 85 cho 85%; gõ 0,85 "
                                   "hay «85%» đều lưu thành 0,85). Kiểm tra lại: nếu đúng là {raw}% thì "
                                   "đề nghị đơn vị báo lại."),
    "V-PERCENT-ONE": (ERROR, "Ô tỷ lệ % đọc được {raw}: không rõ là {raw}% hay 100% (phân số 1), nên "
                             "chưa được tính. Tỷ lệ nhập số từ 0 đến 100 (85 là 85%). Đề nghị đơn vị "
                             "xác nhận: nhập 100 nếu là 100%, gõ «1%» nếu là 1%."),
    "V-PERCENT-FORMAT": (ERROR, "Ô định dạng phần trăm lưu số {raw}, tức là {value}%, vượt quá 100% "
                                "(có thể đã gõ {raw} vào ô bị đổi sang định dạng phần trăm). Tỷ lệ "
                                "nhập số từ 0 đến 100 (85 là 85%). Đề nghị đơn vị nhập lại tỷ lệ này "
                                "trên biểu mẫu gốc."),
    "V-RATING": (ERROR, "«{raw}» không hợp lệ. Ô này chỉ nhận «Đạt» hoặc «Không đạt». Đề nghị đơn vị "
                        "chọn lại trong danh sách."),
    "V-RATING-CASE": (WARNING, "«{raw}» được hiểu là «{value}». Nên chọn trong danh sách thả xuống. "
                               "Kiểm tra lại giá trị này."),
    "V-FORMULA": (WARNING, "Ô nhập liệu chứa công thức, đã dùng giá trị {value}. Ô nhập liệu chỉ nên "
                           "chứa số. Kiểm tra lại giá trị này."),
    "V-FORMULA-NO-VALUE": (ERROR, "Ô nhập liệu chứa công thức chưa có giá trị. Ô nhập liệu chỉ nhận số. "
                                  "Đề nghị đơn vị nhập số thay cho công thức."),
    "V-TEXT-LONG": (WARNING, "{what} dài {length} ký tự, vượt giới hạn {limit} ký tự của biểu mẫu; chỉ "
                             "giữ {limit} ký tự đầu. Đề nghị đơn vị viết ngắn gọn hơn."),
    "V-TEXT-HIDDEN": (WARNING, "{what} có {count} ký tự điều khiển hoặc ký tự ẩn (ví dụ ký tự đảo chiều "
                               "văn bản, ký tự độ rộng 0), đã bỏ đi. Chỉ nhập chữ thường. Kiểm tra "
                               "lại nội dung ô này."),
    "V-REQUIRED": (WARNING, "Ô bắt buộc còn trống ({label}, {period}). Mọi chỉ tiêu bắt buộc phải có "
                            "số liệu, không phát sinh thì ghi 0. Đề nghị đơn vị bổ sung."),
    "V-NOT-RESPONSIBLE": (WARNING, "Đơn vị đã nhập «{raw}» vào mục tiêu {row} của đơn vị khác ({owner}); "
                                  "giá trị này không được dùng. Mỗi mục tiêu PL8 chỉ do đơn vị chịu "
                                  "trách nhiệm đánh giá. Không cần sửa."),
    # Reconciliation
    "R-DUPLICATE": (WARNING, "Tệp giống hệt tệp {other} đã nhận; chỉ tính một lần. Không cần gửi lại."),
    "R-SUPERSEDED": (WARNING, "Đã có bản nộp mới hơn ({other}); tệp này không được dùng. Các ô thay đổi: "
                              "{changes}."),
    "R-UNASSIGNED": (WARNING, "Đơn vị «{unit}» không được giao phụ lục {form}; số liệu không được tính. "
                              "Mỗi đơn vị chỉ báo cáo các phụ lục được giao. Không cần gửi."),
    "R-CLOCK": (WARNING, "Tệp ghi thời điểm lưu {saved}, {why} (tệp đến hộp thư lúc {arrived}, tổng "
                         "hợp lúc {now}). Thời điểm lưu do máy người gửi ghi, không thể sau lúc tệp "
                         "đến; thứ tự nộp lại của tệp này tính theo lúc tệp đến hộp thư. Kiểm tra "
                         "đồng hồ máy tính của đơn vị."),
    "R-LATE": (WARNING, "Tệp {how} lúc {saved}, sau hạn {deadline}. Báo cáo phải gửi trước hạn. Ghi nhận "
                        "nộp muộn."),
    "R-MISSING": (ERROR, "Đơn vị chưa nộp phụ lục {form}. Mỗi đơn vị phải nộp đủ các phụ lục được giao. "
                         "Đề nghị đơn vị gửi trước hạn {deadline}."),
    # Narrative reports (issue 12: harvest/narrative.py, harvest/sections.py): the unit's
    # text under each heading of the Đề cương báo cáo.
    "N-NOT-READ": (WARNING, "Đã nhận {what} nhưng cchc không đọc nội dung loại tệp này, nên chưa tính là "
                            "báo cáo của đơn vị nào. Báo cáo theo Đề cương được đọc từ mẫu Word đã gửi "
                            "(lưu dạng .docx hoặc .odt). Nếu đây là báo cáo, đề nghị đơn vị gửi kèm bản "
                            ".docx viết trên mẫu bao-cao_<mã đơn vị>.docx; bản PDF có chữ ký vẫn được lưu."),
    "N-UNREADABLE": (ERROR, "Không đọc được văn bản ({detail}). Báo cáo phải là tệp .docx hoặc .odt lưu "
                            "từ mẫu đã gửi. Đề nghị đơn vị mở lại mẫu báo cáo, lưu lại và gửi lại."),
    "N-NO-IDENTITY": (ERROR, "Văn bản không có thông tin nhận diện của mẫu báo cáo cchc, nên không tính là "
                             "báo cáo của đơn vị nào. Chỉ nhận báo cáo viết trên mẫu bao-cao_<mã đơn "
                             "vị>.docx đã gửi cho đơn vị. Đề nghị đơn vị chép nội dung vào đúng mẫu và gửi lại."),
    "N-OUTLINE": (ERROR, "Mẫu báo cáo được tạo theo đề cương phiên bản {version}, không phải đề cương hiện "
                         "hành (phiên bản {current}). Báo cáo phải viết trên mẫu theo đề cương hiện hành. "
                         "Đề nghị đơn vị chép nội dung vào mẫu mới và gửi lại."),
    "N-UNIT-NAME": (ERROR, "Đầu văn bản ghi «{found}» nhưng thông tin nhận diện là của «{expected}»: có thể "
                           "đã dùng mẫu báo cáo của đơn vị khác. Mỗi đơn vị báo cáo trên mẫu mang tên "
                           "mình. Đề nghị đơn vị dùng đúng mẫu đã nhận."),
    "N-HEADING": (WARNING, "Không tìm thấy {count} đề mục của Đề cương trong văn bản: {headings}. Không được "
                           "xóa hay sửa các đề mục; nội dung dưới đề mục bị mất được tính vào mục trước nó. "
                           "Kiểm tra lại văn bản này."),
    "N-EMPTY": (WARNING, "Mục {section} còn trống. Mỗi mục của Đề cương cần có nội dung báo cáo, không có "
                         "thì ghi rõ «Không phát sinh». Đề nghị đơn vị bổ sung."),
    "N-GUIDANCE": (WARNING, "Mục {section} mới chỉ có lời hướng dẫn của mẫu, chưa có nội dung của đơn vị. "
                            "Viết nội dung báo cáo dưới lời hướng dẫn (có thể xóa lời hướng dẫn). Đề nghị "
                            "đơn vị bổ sung."),
    "N-MISSING": (WARNING, "Đơn vị chưa nộp báo cáo theo Đề cương (mẫu bao-cao_{unit}.docx). Mỗi đơn vị "
                           "gửi báo cáo cùng các phụ lục. Đề nghị đơn vị gửi trước hạn {deadline}."),
    # Plausibility (issue 10, items 4 and 5: harvest/plausibility.py, harvest/evidence.py).
    # Warnings on values that are used: the unit is asked to confirm them ("xin xác nhận").
    "P-YEAR-JUMP": (WARNING, "{label}, {period}: {value} {comparison} trung vị {median} của các năm khác "
                             "của đơn vị ({others}). Số liệu một năm hiếm khi gấp {rise} lần hoặc chỉ bằng "
                             "1/{drop} các năm khác. Xin đơn vị xác nhận số liệu này, hoặc sửa lại nếu nhập "
                             "nhầm."),
    "P-UNIT-OUTLIER": (WARNING, "{label}, {period}: {value}, khác xa {count} {group} khác đã báo cáo (trung "
                                "vị {median}; một nửa số đơn vị trong khoảng {low}–{high}). Số liệu cùng chỉ "
                                "tiêu của các đơn vị cùng cấp thường gần nhau. Xin đơn vị xác nhận số liệu "
                                "này, hoặc sửa lại nếu nhập nhầm."),
    "P-MAGNITUDE": (WARNING, "{label}, {period}: {value} lớn hơn mức một đơn vị thường có thể báo cáo "
                             "({bound}). Xin đơn vị xác nhận số liệu này, hoặc sửa lại nếu nhập nhầm (thừa "
                             "chữ số, nhập cộng dồn)."),
    "P-PL8-CONTRADICTED": (WARNING, "Mục tiêu {target} được đánh giá «Đạt», nhưng số liệu tổng hợp của thành "
                                    "phố: {figure}, chưa đạt «{requirement}» ({needed}). Đánh giá phải khớp "
                                    "với số liệu các phụ lục. Xin đơn vị xác nhận lại đánh giá, hoặc giải "
                                    "thích ở cột ghi chú."),
    "P-PL8-UNDERRATED": (WARNING, "Mục tiêu {target} được đánh giá «Không đạt», nhưng số liệu tổng hợp của "
                                  "thành phố: {figure}, đạt «{requirement}» ({needed}). Đánh giá phải khớp "
                                  "với số liệu các phụ lục. Xin đơn vị xác nhận lại đánh giá, hoặc giải "
                                  "thích ở cột ghi chú."),
}
# Codes whose cells a correction workbook marks "xin xác nhận" (please confirm), not as errors.
CONFIRM_CODES = frozenset(code for code in CATALOGUE if code.startswith("P-"))

# Issue 10, quality flags: why a value is left out of the city totals, in a few words, for
# the summary's city cells (the code's full message is on the issues sheet). Every
# error-severity code of one cell needs one; a spec rule's reason is its ``short`` text.
LEFT_OUT_VI: dict[str, str] = {
    "V-AMBIGUOUS": "không rõ là số nào",
    "V-NOT-NUMBER": "không phải là số",
    "V-MAGNITUDE": "số quá lớn",
    "V-NEGATIVE": "số âm",
    "V-NOT-INTEGER": "không phải số nguyên",
    "V-FLAG": "không phải 1 hoặc 0",
    "V-PERCENT-RANGE": "tỷ lệ ngoài 0–100",
    "V-ERROR-VALUE": "ô chứa giá trị lỗi",
    "V-DAMAGED": "ô bị hỏng",
    "V-RATING": "không phải Đạt / Không đạt",
    "V-FORMULA-NO-VALUE": "công thức chưa có giá trị",
    "V-PERCENT-ONE": "1 có thể là 1% hay 100%",
    "V-PERCENT-FORMAT": "định dạng % cho tỷ lệ trên 100%",
}


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
    digits = "".join(ch for ch in cell if ch.isdigit())
    letters = "".join(ch for ch in cell if ch.isalpha())
    return (int(digits) if digits else 0, letters.rjust(3))


# Fields quoted into a message may come from the file (a cell's text, a sheet name, an
# unverified identity): each is made inert and kept short, so one file can neither break
# an output nor flood it. Fields that cchc composes from many quotes get more room.
QUOTE_LIMIT = 120
FIELD_LIMITS = {"changes": 1500, "headings": 1500, "detail": 600, "names": 600, "requirement": 300,
                "others": 300,
                "figure": 300}


def _field(name: str, value: object) -> str:
    return inert(value, single_line=True, limit=FIELD_LIMITS.get(name, QUOTE_LIMIT))


def issue(code: str, *, unit: str = "", form: str = "", file: str = "", sheet: str = "",
          cell: str = "", severity: str | None = None, text: str | None = None, **fields) -> Issue:
    """Build an Issue from the catalogue (or, for spec rules, from ``text`` and ``severity``).

    The message starts with where the problem is, then the catalogue's what/rule/fix.
    Every field is made inert (``xlsx_forms.inert``) first: some come from the file.
    The file name is the inbox's, kept as the ledger has it.
    """
    unit, form, sheet, cell = (_field("", v) for v in (unit, form, sheet, cell))
    if text is None:
        default, template = CATALOGUE[code]
        text = template.format(**{"unit": unit, "form": form, "sheet": sheet, "cell": cell,
                                  **{k: _field(k, v) for k, v in fields.items()}})
        severity = severity or default
    where = ", ".join(p for p in (file, f"trang «{sheet}»" if sheet else "", f"ô {cell}" if cell else "") if p)
    message = f"{where}: {text}" if where else text
    return Issue(severity, code, unit, form, file, sheet, cell, unicodedata.normalize("NFC", message))
