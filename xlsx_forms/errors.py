"""Catalogue of the errors cchc raises for bad configuration or arguments.

Every message has one shape, as in pyxform's errors module: where, what is wrong, the
rule, the fix. Problems found in returned workbooks are not raised: the harvester
records them as data (see harvest.issues).
"""
from __future__ import annotations

import unicodedata

from oslayer.fileio import NotReadable, read_regular
from oslayer.oserrors import advice, describe

# code -> (what is wrong, the rule, the fix). "{...}" fields are filled by CchcError.
CATALOGUE: dict[str, tuple[str, str, str]] = {
    "YAML_SYNTAX": (
        "không đọc được YAML ({problem})",
        "Tệp phải là YAML hợp lệ, mã hóa UTF-8",
        "Sửa cú pháp tại dòng này rồi chạy lại",
    ),
    "FILE_MISSING": (
        "không tìm thấy tệp",
        "Đường dẫn phải trỏ tới một tệp có thật",
        "Kiểm tra lại đường dẫn",
    ),
    "REGISTRY_FIELD": (
        "trường «{field}» {problem}",
        "Mỗi đơn vị cần mã, tên, loại đơn vị, email và các phụ lục được giao hợp lệ",
        "{fix}",
    ),
    "REGISTRY_DUPLICATE": (
        "mã đơn vị «{code}» bị trùng (đã có ở dòng {first_line})",
        "Mỗi đơn vị có một mã riêng",
        "Đổi một trong hai mã",
    ),
    "REGISTRY_ROLE": (
        "đơn vị «{code}» được giao {form} nhưng không chịu trách nhiệm mục nào của {form}",
        "Một phụ lục có đơn vị chịu trách nhiệm từng mục chỉ giao cho các đơn vị có tên trong cột "
        "«{header}»: {allowed}",
        "Bỏ {form} khỏi các phụ lục được giao của đơn vị này hoặc dùng đúng mã đơn vị",
    ),
    "REGISTRY_EMPTY": (
        "không có đơn vị nào",
        "Sổ đăng ký phải có danh sách units với ít nhất một đơn vị",
        "Thêm các đơn vị vào mục units",
    ),
    "UNKNOWN_FORM": (
        "không có phụ lục «{form}»",
        "Các phụ lục hợp lệ: {known}",
        "Dùng một trong các mã trên, cách nhau bằng dấu phẩy",
    ),
    "NO_WORK": (
        "không có biểu mẫu nào để tạo",
        "Phải có ít nhất một đơn vị được giao một trong các phụ lục đã chọn ({forms})",
        "Kiểm tra --forms và mục forms của sổ đăng ký",
    ),
    "BAD_DATE": (
        "ngày «{value}» không hợp lệ{why}",
        "Ngày viết theo dạng ngày/tháng/năm, ví dụ 23/3/2020",
        "Sửa lại giá trị ngày",
    ),
    "ROLLUP_TEMPLATE": (
        "không điền được biểu mẫu cấp trên ({problem})",
        "cchc rollup chỉ điền biểu mẫu do cchc của cấp trên tạo, cùng phụ lục, cùng phiên bản và bố cục "
        "với kế hoạch đang dùng",
        "Dùng đúng tệp biểu mẫu cấp trên gửi (không sửa, không lưu lại) và đúng kế hoạch (--plan)",
    ),
    "KEY_FILE": (
        "khóa HMAC không dùng được ({problem})",
        "Tệp khóa chứa ít nhất 32 byte ngẫu nhiên và chỉ người tổng hợp được đọc",
        "Chỉ ra đúng tệp khóa đã dùng khi tạo biểu mẫu bằng --key-file (tệp khóa mặc định nằm "
        "trong thư mục cấu hình của người dùng, hoặc $CCHC_HOME)",
    ),
    "SPEC_INVALID": (
        "đặc tả biểu mẫu sai: {problem}",
        "Đặc tả phải khớp với lược đồ trong xlsx_forms/spec_loader.py",
        "Sửa tệp đặc tả",
    ),
    "OUTLINE_INVALID": (
        "đề cương báo cáo sai: {problem}",
        "Đề cương phải khớp với lược đồ ghi ở đầu tệp outline.yaml (xlsx_forms/outline.py)",
        "Sửa tệp đề cương",
    ),
    "PLAN_FORMAT": (
        "không phải kế hoạch ({problem})",
        "Kế hoạch là một sổ Excel lập theo mẫu của cchc plan new, hoặc một thư mục có catalogue.yaml, "
        "các tệp pl*.yaml và units.yaml",
        "Chỉ ra đúng tệp hoặc thư mục kế hoạch bằng --plan",
    ),
    "PLAN_NO_UNITS": (
        "kế hoạch không có danh sách đơn vị",
        "Các đơn vị và biểu được giao nằm trong kế hoạch (trang «Đơn vị», hoặc units.yaml trong thư mục "
        "kế hoạch) hoặc trong tệp chỉ ra bằng --units",
        "Thêm các đơn vị vào kế hoạch, hoặc ghi rõ --units",
    ),
    "PLAN_EXISTS": (
        "tệp đã có",
        "cchc không ghi đè tệp của người dùng",
        "Chọn một tên tệp mới, hoặc chuyển tệp cũ đi nơi khác",
    ),
    "PLAN_INVALID": (
        "kế hoạch có {count} lỗi:\n{problems}",
        "Mỗi lỗi ghi rõ nơi sai; kế hoạch chỉ dùng được khi không còn lỗi nào",
        "Sửa các chỗ trên (kiểm tra lại bằng cchc plan check) rồi chạy lại",
    ),
    "CSV_INVALID": (
        "không đọc được tệp CSV ({problem})",
        "Tệp phải là tệp CSV do cchc ghi (UTF-8, dấu phẩy)",
        "Chạy lại cchc harvest để ghi lại tệp, hoặc khi sửa bằng Excel hãy lưu dạng «CSV UTF-8»",
    ),
    "OUTPUT_DIR": (
        "không ghi được vào thư mục ({problem})",
        "Không tệp nào bị xóa; kết quả cũ, nếu có, vẫn nguyên vẹn",
        "{fix}",
    ),
    "OUTPUT_EDITED": (
        "{name} đã bị sửa sau khi tổng hợp (khác tệp cchc harvest đã ghi)",
        "Số liệu gửi cấp trên hay đưa vào báo cáo phải đúng là số liệu cchc harvest đã tổng hợp; không có gì "
        "được ghi",
        "Sửa số liệu trên tệp của đơn vị (hoặc yêu cầu đơn vị gửi lại) rồi chạy lại cchc harvest",
    ),
    "OUT_OVERLAP": (
        "thư mục ghi ({option}) {relation} {what} ({path})",
        "cchc không bao giờ ghi vào thư mục nó đọc, để không xóa hay thay các tệp trong đó; không có gì bị thay đổi",
        "Chọn {option} là một thư mục riêng, nằm ngoài {what}",
    ),
    "OUT_NOT_OURS": (
        "không dùng được làm thư mục ghi ({option}): {reason}",
        "cchc chỉ ghi vào thư mục chưa có, thư mục rỗng, hoặc thư mục do chính cchc tạo "
        "(có tệp đánh dấu .cchc-output); không có gì bị xóa hay thay đổi",
        "Chọn {option} là một thư mục mới hoặc rỗng, hoặc chuyển các tệp kia đi nơi khác",
    ),
    "OUT_LOCKED": (
        "một lần chạy cchc khác{pid} đang ghi vào thư mục này; đã chờ {seconds} giây",
        "Hai lần chạy không ghi cùng một thư mục cùng lúc; không có gì bị thay đổi",
        "Chờ lần chạy kia xong rồi chạy lại (thời gian chờ đặt bằng biến CCHC_LOCK_WAIT, tính bằng giây)",
    ),
    "BAD_SECONDS": (
        "«{value}» không phải số giây hợp lệ",
        "Thời gian chờ là một số giây không âm, ví dụ 600",
        "Sửa giá trị này",
    ),
    "WRONG_KEY": (
        "{failed} trong {checked} tệp mang thông tin nhận diện cchc có chữ ký không khớp với khóa đang "
        "dùng: có lẽ khóa này không phải khóa đã ký các biểu mẫu; dấu vân tay khóa đang dùng: {used}; "
        "khóa đã ký biểu mẫu: {expected}",
        "Khi ít nhất {minimum} tệp và quá nửa số tệp có thông tin nhận diện không khớp chữ ký, lỗi là ở "
        "khóa chứ không ở tệp: chưa ghi gì, kết quả tổng hợp cũ giữ nguyên",
        "Chạy lại với --key-file là đúng tệp khóa đã dùng khi tạo các biểu mẫu đã gửi",
    ),
    "SETTINGS": (
        "không đọc được thiết đặt ghi khi tạo biểu mẫu ({problem})",
        "Tệp này do cchc generate ghi (JSON), giữ hạn nộp, sổ đăng ký và khóa đã dùng",
        "Chạy lại cchc generate, hoặc ghi rõ --deadline, --units và --key-file",
    ),
    "INPUT_FILE": (
        "không dùng được tệp ({problem})",
        "Tệp phải là tệp thông thường, đọc được, không lớn hơn {limit}",
        "{fix}",
    ),
}


class CchcError(Exception):
    """A configuration or usage error with a catalogued Vietnamese message.

    ``where`` names the place (file, line, option); ``code`` picks the catalogue entry.
    """

    def __init__(self, code: str, where: str, /, **fields: object) -> None:
        what, rule, fix = CATALOGUE[code]
        self.code = code
        self.where = where
        self.fields = fields
        text = f"{where}: {what.format(**fields)}. {rule.format(**fields)}. {fix.format(**fields)}."
        super().__init__(unicodedata.normalize("NFC", text))


def read_input(path, limit: int, fix: str) -> bytes:
    """The bytes of a file the user names (a plan, a registry), read with a bound of
    ``limit`` bytes; a missing, unreadable, irregular or too large file is a CchcError
    naming it, with ``fix`` saying what to give instead."""
    shown = f"{limit >> 20} MB"
    try:
        return read_regular(path, limit)
    except FileNotFoundError:
        raise CchcError("FILE_MISSING", str(path)) from None
    except NotReadable as exc:
        raise CchcError("INPUT_FILE", str(path), problem=str(exc), limit=shown, fix=fix) from None
    except OSError as exc:
        raise CchcError("INPUT_FILE", str(path), problem=describe(exc, "read"), limit=shown,
                        fix=advice(exc, "read")) from None
