"""The second sample plan: a quarterly CCHC report of a town (thị xã), nothing of plan 372.

Run ``python -m samples.plans.bao_cao_quy`` to write ``samples/plans/bao-cao-quy.xlsx``
through the authoring workbook's own writer (``cchc plan export`` writes the same way):
the workbook is the plan, this file only how the sample was made. A person would write it
in Excel from ``cchc plan new``. ``tests/test_second_plan.py`` checks that the committed
workbook is what this description gives, then generates, fills, harvests and consolidates it.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from xlsx_forms.authoring.assemble import flatten
from xlsx_forms.authoring.writer import write_workbook

WORKBOOK = Path(__file__).with_name("bao-cao-quy.xlsx")
CREATED = datetime(2024, 1, 15, tzinfo=timezone.utc)

TEXTS = ("label", "description", "input_title", "input_message", "error_title", "error_message")


def _kind(base: str, texts: tuple[str, ...], **fields) -> dict:
    return {"base": base, **dict(zip(TEXTS, texts, strict=True)), **fields}


BASE = {
    "plan": {
        "code": "45/KH-UBND",
        "short": "CCHC quý 2024",
        "summary_title": "TỔNG HỢP BÁO CÁO CẢI CÁCH HÀNH CHÍNH THEO QUÝ NĂM 2024",
        "reference": "Kế hoạch số 45/KH-UBND ngày 15/01/2024 của UBND thị xã Tân Châu",
        "attachment_line": "(Kèm theo Kế hoạch số 45/KH-UBND ngày 15/01/2024 của UBND thị xã)",
        "default_deadline": date(2025, 1, 10),
        "data_range": "Số liệu từng quý của năm 2024, tính đến ngày cuối quý.",
    },
    "period_sets": {
        "quy_2024": [{"id": f"Q{i}", "label": f"Quý {roman}/2024"}
                     for i, roman in enumerate(("I", "II", "III", "IV"), start=1)],
    },
    "kinds": {
        "so_luong": _kind("integer", ("Số lượng", "Số nguyên không âm", "Nhập số nguyên ≥ 0",
                                      "Nhập số nguyên không âm, ví dụ 25.", "Số không hợp lệ",
                                      "Ô này chỉ nhận số nguyên không âm."),
                          max=1000000, plausible_max=20000),
        "kinh_phi": _kind("decimal", ("Số tiền", "Số tiền, triệu đồng, một chữ số thập phân",
                                      "Nhập số tiền (triệu đồng)", "Nhập số tiền bằng triệu đồng, ví dụ 12,5.",
                                      "Số tiền không hợp lệ", "Ô này chỉ nhận số tiền không âm (triệu đồng)."),
                          decimals=1, max=1000000, plausible_max=5000),
        "xep_loai": _kind("choice", ("Xếp loại", "Chọn: Tốt, Khá, Trung bình hoặc Yếu", "Chọn mức xếp loại",
                                     "Chọn trong danh sách: Tốt, Khá, Trung bình, Yếu.", "Không có trong danh sách",
                                     "Ô này chỉ nhận Tốt, Khá, Trung bình hoặc Yếu."),
                          choices=["Tốt", "Khá", "Trung bình", "Yếu"]),
        "van_ban_ngan": _kind("text", ("Văn bản ngắn", "Một câu, tối đa 200 ký tự", "Ghi ngắn gọn",
                                       "Ghi ngắn gọn, tối đa 200 ký tự.", "Quá dài",
                                       "Tối đa 200 ký tự."), max_length=200),
        "note": _kind("text", ("Ghi chú", "Ghi chú tự do, tối đa 500 ký tự", "Ghi chú (không bắt buộc)",
                               "Ghi chú, giải thích số liệu nếu cần.", "Ghi chú quá dài",
                               "Ghi chú tối đa 500 ký tự."), max_length=500),
    },
    "unit_kinds": {"phuong": "UBND phường", "co-quan": "Cơ quan chuyên môn thị xã"},
    "preparer_fields": [
        {"id": "name", "label": "Người lập:", "input_title": "Họ và tên người lập",
         "input_message": "Nhập họ và tên người lập biểu.", "max_length": 80},
        {"id": "phone", "label": "Điện thoại:", "input_title": "Số điện thoại",
         "input_message": "Nhập số điện thoại liên hệ.", "max_length": 30},
        {"id": "email", "label": "Thư điện tử:", "input_title": "Địa chỉ thư điện tử",
         "input_message": "Nhập địa chỉ thư điện tử liên hệ.", "max_length": 80},
    ],
}

FORMS = [
    {"id": "KQ", "number": 1, "version": 1, "title": "Kết quả thực hiện công tác cải cách hành chính",
     "periods": "quy_2024", "label_header": "Nội dung", "rows": [
         {"id": "KQ.1", "stt": "I", "label": "Giải quyết thủ tục hành chính"},
         {"id": "KQ.1.a", "stt": "1", "label": "Tổng số hồ sơ đã giải quyết", "kind": "so_luong", "unit": "Hồ sơ"},
         {"id": "KQ.1.b", "stt": "1.1", "label": "Giải quyết đúng hạn", "kind": "so_luong", "unit": "Hồ sơ"},
         {"id": "KQ.1.c", "stt": "1.2", "label": "Giải quyết quá hạn", "kind": "so_luong", "unit": "Hồ sơ"},
         {"id": "KQ.2", "stt": "II", "label": "Kinh phí chi cho công tác cải cách hành chính",
          "kind": "kinh_phi", "unit": "Triệu đồng"},
         {"id": "KQ.3", "stt": "III", "label": "Mô hình, sáng kiến cải cách hành chính nổi bật",
          "kind": "van_ban_ngan", "required": False},
         {"id": "KQ.4", "stt": "IV", "label": "Tự đánh giá kết quả thực hiện trong quý", "kind": "xep_loai"},
     ],
     "rules": [
         {"code": "KQ-R01", "type": "sum", "severity": "error", "short": "Tổng ≠ đúng hạn + quá hạn",
          "message": "Tổng số hồ sơ đã giải quyết phải bằng số giải quyết đúng hạn cộng số quá hạn.",
          "total": "KQ.1.a", "parts": ["KQ.1.b", "KQ.1.c"]},
     ]},
    {"id": "DV", "number": 2, "version": 1, "title": "Dịch vụ công trực tuyến của cơ quan chuyên môn",
     "periods": "quy_2024", "rows": [
         {"id": "DV.1", "stt": "1", "label": "Số hồ sơ tiếp nhận trực tuyến", "kind": "so_luong", "unit": "Hồ sơ"},
         {"id": "DV.2", "stt": "2", "label": "Số hồ sơ trả kết quả trực tuyến", "kind": "so_luong", "unit": "Hồ sơ"},
     ],
     "rules": [
         {"code": "DV-R01", "type": "le", "severity": "warning", "short": "Trả kết quả > tiếp nhận",
          "message": "Số hồ sơ trả kết quả trực tuyến thường không lớn hơn số hồ sơ tiếp nhận trực tuyến.",
          "left": "DV.2", "right": "DV.1"},
     ]},
]

WARDS = (("long-thanh", "Long Thạnh"), ("long-hung", "Long Hưng"), ("long-chau", "Long Châu"),
         ("long-phu", "Long Phú"), ("long-son", "Long Sơn"))
REGISTRY = {
    "issuer": "UBND THỊ XÃ TÂN CHÂU",
    "place": "Thị xã Tân Châu",
    "consolidator": {"name": "Phòng Nội vụ thị xã Tân Châu", "contact": "Trần Văn Bình – Trưởng phòng",
                     "email": "noivu@tanchau.example"},
    "units": [
        *({"code": f"p-{code}", "name": f"UBND phường {name}", "kind": "phuong",
           "email": f"{code}@tanchau.example", "forms": ["KQ"]} for code, name in WARDS),
        {"code": "tu-phap-tc", "name": "Phòng Tư pháp thị xã", "kind": "co-quan",
         "email": "tuphap@tanchau.example", "forms": ["KQ", "DV"]},
        {"code": "vhxh-tc", "name": "Phòng Văn hóa - Xã hội thị xã", "kind": "co-quan",
         "email": "vhxh@tanchau.example", "forms": ["KQ", "DV"]},
    ],
}

OUTLINE = {
    "id": "BCQ", "version": 1, "name": "ĐỀ CƯƠNG BÁO CÁO QUÝ", "kind": "BÁO CÁO",
    "title": "Kết quả thực hiện công tác cải cách hành chính quý",
    "attachment": "(Kèm theo Kế hoạch số 45/KH-UBND ngày 15/01/2024 của UBND thị xã)",
    "sections": [
        {"id": "I", "number": "I.", "heading": "KẾT QUẢ THỰC HIỆN TRONG QUÝ", "level": 1},
        {"id": "I.1", "number": "1.", "heading": "Công tác chỉ đạo, điều hành", "level": 2,
         "guidance": "Các văn bản chỉ đạo đã ban hành; việc kiểm tra, đôn đốc."},
        {"id": "I.2", "number": "2.", "heading": "Cải cách thủ tục hành chính", "level": 2,
         "guidance": "Kết quả giải quyết hồ sơ; dịch vụ công trực tuyến.\nNhững vướng mắc phát sinh."},
        {"id": "II", "number": "II.", "heading": "PHƯƠNG HƯỚNG QUÝ TỚI VÀ KIẾN NGHỊ", "level": 1},
    ],
}


def workbook_bytes() -> bytes:
    """The sample plan as an authoring workbook."""
    return write_workbook(flatten(BASE, FORMS, REGISTRY, OUTLINE), CREATED)


if __name__ == "__main__":
    WORKBOOK.write_bytes(workbook_bytes())
    print(f"Đã ghi {WORKBOOK}")
