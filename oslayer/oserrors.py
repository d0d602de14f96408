"""Operating-system errors in Vietnamese: one table, used for every file cchc reads or writes.

``describe(exc, "read")`` → "không có quyền đọc", ``describe(exc, "write")`` → "không có
quyền ghi" (``"use"`` when it is not known which: "không có quyền truy cập");
``advice(exc, op)`` → what the user can do about it. The caller names the file or folder:
these texts never contain a path, so they fit any message shape.
"""
from __future__ import annotations

import errno

# Windows error codes that have no errno of their own (OSError.winerror).
_WIN_SHARING_VIOLATION = 32   # ERROR_SHARING_VIOLATION: the file is open in another program
_WIN_LOCK_VIOLATION = 33      # ERROR_LOCK_VIOLATION: a part of it is locked by another program
_WIN_DISK_FULL = 112          # ERROR_DISK_FULL

_BUSY = ("tệp đang được chương trình khác mở và khóa",
         "Đóng tệp trong Excel, LibreOffice hay chương trình đang dùng nó rồi chạy lại")
_NETWORK = ("ổ mạng hoặc ổ chia sẻ không phản hồi", "Kiểm tra kết nối tới ổ mạng rồi chạy lại")
_FULL = ("ổ đĩa đầy", "Giải phóng dung lượng ổ đĩa hoặc chọn thư mục trên ổ đĩa khác rồi chạy lại")

# errno name → (problem, advice). "{op}" is "đọc" or "ghi". Names, not numbers: the
# numbers differ between systems and a name missing on one system is simply skipped.
_TABLE: dict[str, tuple[str, str]] = {
    "EACCES": ("không có quyền {op}", "Cấp quyền {op} cho tài khoản đang chạy cchc hoặc chọn vị trí khác"),
    "EPERM": ("không có quyền {op}", "Cấp quyền {op} cho tài khoản đang chạy cchc hoặc chọn vị trí khác"),
    "ENOENT": ("không tồn tại (có thể đã bị xóa, đổi tên hoặc di chuyển)", "Kiểm tra lại đường dẫn"),
    "ENOTDIR": ("một phần của đường dẫn không phải thư mục", "Kiểm tra lại đường dẫn"),
    "EISDIR": ("là thư mục, không phải tệp", "Chỉ định một tệp, không phải thư mục"),
    "ELOOP": ("có vòng lặp liên kết tượng trưng", "Sửa hoặc bỏ liên kết tượng trưng trong đường dẫn"),
    "ENAMETOOLONG": ("tên tệp hoặc đường dẫn quá dài", "Đổi tên ngắn hơn hoặc chuyển vào thư mục gần gốc ổ đĩa hơn"),
    "EBUSY": _BUSY,
    "EAGAIN": _BUSY,
    "ETXTBSY": _BUSY,
    "ENOSPC": _FULL,
    "EDQUOT": ("vượt hạn mức dung lượng của tài khoản", "Giải phóng dung lượng hoặc xin tăng hạn mức rồi chạy lại"),
    "EFBIG": ("tệp quá lớn đối với ổ đĩa này", "Chọn thư mục trên ổ đĩa khác"),
    "EROFS": ("ổ đĩa chỉ cho phép đọc", "Chọn thư mục trên ổ đĩa ghi được"),
    "EIO": ("lỗi đọc/ghi của ổ đĩa (ổ đĩa, thẻ nhớ hay ổ mạng có thể hỏng hoặc mất kết nối)",
            "Chép tệp sang ổ đĩa khác rồi chạy lại; nếu vẫn lỗi, đề nghị gửi lại tệp"),
    "ENXIO": ("thiết bị không sẵn sàng", "Kiểm tra ổ đĩa hoặc kết nối mạng rồi chạy lại"),
    "ENODEV": ("không phải tệp thông thường (thiết bị)", "Chỉ định một tệp thông thường"),
    "EMFILE": ("quá nhiều tệp đang mở", "Đóng bớt chương trình rồi chạy lại"),
    "ENFILE": ("quá nhiều tệp đang mở trong hệ thống", "Đóng bớt chương trình rồi chạy lại"),
    "ENOTEMPTY": ("thư mục không rỗng", "Chọn thư mục khác"),
    "EEXIST": ("đã tồn tại", "Chọn tên khác"),
    "EXDEV": ("nằm trên ổ đĩa khác", "Chọn thư mục trên cùng ổ đĩa"),
    "EINVAL": ("tên hoặc đường dẫn không hợp lệ trên hệ thống này",
               "Bỏ các ký tự như : * ? \" < > | khỏi tên"),
    "ETIMEDOUT": _NETWORK,
    "ENOTCONN": _NETWORK,
    "ESTALE": _NETWORK,
}
_BY_ERRNO = {getattr(errno, name): entry for name, entry in _TABLE.items() if hasattr(errno, name)}
_BY_WINERROR = {_WIN_SHARING_VIOLATION: _BUSY, _WIN_LOCK_VIOLATION: _BUSY, _WIN_DISK_FULL: _FULL}
_OPS = {"read": "đọc", "write": "ghi", "use": "truy cập"}


def _entry(exc: BaseException) -> tuple[str, str] | None:
    winerror = getattr(exc, "winerror", None)
    if winerror in _BY_WINERROR:
        return _BY_WINERROR[winerror]
    return _BY_ERRNO.get(getattr(exc, "errno", None))


def describe(exc: BaseException, op: str = "read") -> str:
    """What went wrong, in Vietnamese, without the path: ``op`` is "read", "write" or "use".
    An error outside the table keeps the system's own text and number."""
    entry = _entry(exc)
    if entry is not None:
        return entry[0].format(op=_OPS[op])
    code = getattr(exc, "errno", None)
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"lỗi hệ điều hành: {reason}" + (f" (mã {code})" if code else "")


def advice(exc: BaseException, op: str = "read") -> str:
    """What the user can do about ``exc``, in Vietnamese (a sentence without a full stop)."""
    entry = _entry(exc)
    if entry is not None:
        return entry[1].format(op=_OPS[op])
    return "Kiểm tra đường dẫn, quyền truy cập và ổ đĩa rồi chạy lại"


def explain(exc: BaseException, op: str = "read") -> str:
    """«what (the system's own text); what to do» in one line, for a ledger or an issue."""
    system = getattr(exc, "strerror", None) or type(exc).__name__
    todo = advice(exc, op)
    return f"{describe(exc, op)} ({system}); {todo[:1].lower()}{todo[1:]}"
