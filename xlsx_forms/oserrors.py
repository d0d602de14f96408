"""Operating-system errors in Vietnamese, with what to do: one table for every command.

An ``OSError`` says what the system refused (``errno``; on Windows also ``winerror``); the
user needs to know, in Vietnamese, what that means and what to do about it. The system's
own text is kept in brackets, for whoever has to look further.
"""
from __future__ import annotations

import errno

# Windows: ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION (the file is open in another program,
# which refuses to share it). Python maps both to EACCES, so they must be told apart first.
_WINDOWS_LOCKED = (32, 33)
_LOCKED = ("tệp đang được chương trình khác mở và khóa",
           "đóng tệp trong Excel, LibreOffice hay chương trình đang dùng nó rồi chạy lại")
_ACCESS = ("không có quyền đọc hoặc ghi",
           "cấp quyền cho tài khoản đang chạy cchc (hoặc chép tệp sang thư mục của mình) rồi chạy lại")
_NETWORK = ("ổ mạng hoặc ổ chia sẻ không phản hồi", "kiểm tra kết nối tới ổ mạng rồi chạy lại")

# errno -> (what happened, what to do)
_TABLE: dict[int, tuple[str, str]] = {
    errno.EACCES: _ACCESS,
    errno.EPERM: _ACCESS,
    errno.EAGAIN: _LOCKED,
    errno.EBUSY: ("tệp hoặc thiết bị đang bận", "đóng chương trình đang dùng nó rồi chạy lại"),
    errno.ENOENT: ("không còn tìm thấy (đã bị xóa, đổi tên hoặc di chuyển)", "kiểm tra lại rồi chạy lại"),
    errno.ENOTDIR: ("một phần của đường dẫn không phải thư mục", "kiểm tra lại đường dẫn"),
    errno.EISDIR: ("đây là thư mục, không phải tệp", "kiểm tra lại đường dẫn"),
    errno.EIO: ("lỗi đọc/ghi của ổ đĩa (ổ đĩa, thẻ nhớ hay ổ mạng có thể bị hỏng hoặc mất kết nối)",
                "chép tệp sang ổ đĩa khác rồi chạy lại; nếu vẫn lỗi, đề nghị gửi lại tệp"),
    errno.ENAMETOOLONG: ("tên tệp hoặc đường dẫn quá dài",
                         "đổi tên ngắn hơn hoặc chuyển thư mục lên gần gốc ổ đĩa rồi chạy lại"),
    errno.ELOOP: ("liên kết tượng trưng lặp vòng hoặc có quá nhiều tầng liên kết",
                  "thay liên kết bằng chính tệp rồi chạy lại"),
    errno.ENOSPC: ("ổ đĩa đã đầy", "giải phóng chỗ trống rồi chạy lại"),
    errno.EROFS: ("ổ đĩa chỉ cho phép đọc", "chọn thư mục trên ổ đĩa ghi được"),
    errno.EMFILE: ("đang mở quá nhiều tệp cùng lúc", "đóng bớt chương trình rồi chạy lại"),
    errno.ENFILE: ("đang mở quá nhiều tệp cùng lúc", "đóng bớt chương trình rồi chạy lại"),
    errno.ETIMEDOUT: _NETWORK,
    errno.ENOTCONN: _NETWORK,
    errno.ESTALE: _NETWORK,
}


def describe(exc: OSError) -> str:
    """What ``exc`` means and what to do, in Vietnamese: «what (system text); what to do»."""
    if getattr(exc, "winerror", None) in _WINDOWS_LOCKED:
        what, todo = _LOCKED
    else:
        what, todo = _TABLE.get(exc.errno, ("lỗi hệ điều hành", "kiểm tra tệp và ổ đĩa rồi chạy lại"))
    system = exc.strerror or type(exc).__name__
    return f"{what} ({system}); {todo}"
