"""The committed sample inbox is what samples/build_samples.py makes."""
from __future__ import annotations

from samples.build_samples import DEMO_KEY, INBOX, build


def test_samples_are_reproducible(tmp_path, catalogue, registry):
    key = bytes.fromhex(DEMO_KEY.read_text().strip())
    files = build(tmp_path, catalogue, registry, key, libreoffice=False)
    rebuilt = {p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    committed = {p.relative_to(INBOX).as_posix(): p.read_bytes() for p in INBOX.rglob("*") if p.is_file()}
    libreoffice_only = {k for k in committed if "(LibreOffice)" in k}
    assert set(committed) - set(rebuilt) == libreoffice_only and len(libreoffice_only) == 1
    for name, data in rebuilt.items():
        assert committed[name] == data, name
    assert len(files) >= 25
