"""Whether the harvest holds the key that signed the templates.

A returned file whose identity does not verify (``F-HMAC``) is normally one file that was
tampered with or made elsewhere: it is rejected and the harvest goes on. When *most* of
the files that carry a cchc identity fail, the files are not at fault: the key is not
the one that signed the templates (another machine, another ``--key-file``, templates
regenerated with a new key). Going on would mark every unit as having sent an unusable
file and write a summary of nothing, so the harvest stops before writing any output.

"Most", precisely: among the distinct files (by content) whose identity reached the
signature check, at least ``MIN_FAILED`` failed it and the failures are more than half.
Files without an identity (retyped, unreadable, not workbooks) do not count either way.
"""
from __future__ import annotations

from collections.abc import Iterable

from xlsx_forms.errors import CchcError
from xlsx_forms.identity import key_fingerprint

from .process import FileResult

MIN_FAILED = 3   # one or two forged or damaged files never stop a harvest


def signature_tally(results: Iterable[FileResult]) -> tuple[int, int]:
    """(distinct files that failed the signature check, distinct files checked)."""
    verdict: dict[str, bool] = {}
    for r in results:
        if r.signature_ok is not None:
            verdict[r.sha256] = r.signature_ok
    return sum(not ok for ok in verdict.values()), len(verdict)


def wrong_key(failed: int, checked: int) -> bool:
    """The stopping rule: at least MIN_FAILED failures, and more than half of those checked."""
    return failed >= MIN_FAILED and 2 * failed > checked


def check_key(results: Iterable[FileResult], key: bytes, where: str, expected: str = "",
              expected_from: str = "") -> None:
    """Raise CchcError ``WRONG_KEY`` when the rule says the key is wrong, showing the
    fingerprint of ``key`` and, when known, of the key that signed the templates
    (``expected``, recorded at ``expected_from``)."""
    failed, checked = signature_tally(results)
    if not wrong_key(failed, checked):
        return
    used = key_fingerprint(key)
    if not expected:
        known = "không rõ, vì không có thiết đặt ghi khi tạo biểu mẫu"
    elif expected == used:
        known = (f"cũng là {expected} theo {expected_from}: các biểu mẫu đã gửi có lẽ được tạo bằng một khóa "
                 "khác, trước lần tạo lại gần nhất")
    else:
        known = f"{expected}, ghi trong {expected_from}"
    raise CchcError("WRONG_KEY", where, failed=failed, checked=checked, used=used, expected=known,
                    minimum=MIN_FAILED)
