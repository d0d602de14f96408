"""A minimal Compound File (OLE2, version 3) holding one stream, written from scratch.

python-calamine parses the container of an .xls itself, and trusts its header: a damaged
header has made it ask for hundreds of gigabytes and abort the process. So calamine is
never given the file as received: olefile (pure Python, bounded by the file's size)
extracts the workbook stream, and calamine reads a container that cchc wrote around it,
whose every field is sane by construction.
"""
from __future__ import annotations

import struct

SECTOR = 512
PER_FAT = SECTOR // 4
MAX_FAT_SECTORS = 109          # all listed in the header: no DIFAT sectors needed
MINI_CUTOFF = 4096
FREE, END, FAT_SECT, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
MAX_STREAM = (MAX_FAT_SECTORS * PER_FAT - MAX_FAT_SECTORS - 1) * SECTOR


def _entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
    raw = (name.encode("utf-16-le") + b"\0\0") if name else b""
    return struct.pack("<64sHBBIII16sIQQIQ", raw.ljust(64, b"\0"), len(raw), kind, 1,
                       NO_STREAM, NO_STREAM, child, b"\0" * 16, 0, 0, 0, start, size)


def single_stream(name: str, stream: bytes) -> bytes:
    """A compound file whose root holds one stream, ``name``, with ``stream`` as content.
    A stream shorter than the mini-stream cutoff is padded with zeros (empty records to
    a BIFF reader) so that it lives in regular sectors."""
    if len(stream) > MAX_STREAM:
        raise ValueError("stream too large for a single-FAT compound file")
    stream = stream.ljust(MINI_CUTOFF, b"\0")
    data_sectors = -(-len(stream) // SECTOR)
    fat_sectors = 1
    while data_sectors + 1 + fat_sectors > fat_sectors * PER_FAT:
        fat_sectors += 1
    dir_sector = data_sectors
    fat = [i + 1 for i in range(data_sectors - 1)] + [END, END] + [FAT_SECT] * fat_sectors
    fat += [FREE] * (fat_sectors * PER_FAT - len(fat))
    difat = [dir_sector + 1 + i for i in range(fat_sectors)] + [FREE] * (MAX_FAT_SECTORS - fat_sectors)
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\0" * 16,
                         0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6, 0, fat_sectors, dir_sector, 0, MINI_CUTOFF,
                         END, 0, END, 0) + struct.pack(f"<{MAX_FAT_SECTORS}I", *difat)
    directory = (_entry("Root Entry", 5, 1, END, 0) + _entry(name, 2, NO_STREAM, 0, len(stream))
                 + _entry("", 0, NO_STREAM, 0, 0) * 2)
    return b"".join([header, stream.ljust(data_sectors * SECTOR, b"\0"), directory,
                     struct.pack(f"<{len(fat)}I", *fat)])


HEADER = 512


def open_ole(data: bytes):
    """``data`` opened by olefile, its header checked first: olefile trusts the sector
    sizes a header gives and fails on a damaged one with errors that are not its own
    (a ValueError from a 1-byte "sector", or from formatting a sector size of 2^65535),
    which would pass for a bug of ours, and some damage with a plain IOError. A header
    whose sizes are not the two MS-CFB allows (512 or 4096-byte sectors, 64-byte mini
    sectors) is refused as olefile refuses damage, with ``OleFileError``, and so is
    every OSError of the opening (the bytes are in memory: no I/O can fail)."""
    import io

    import olefile
    from olefile.olefile import OleFileError
    if len(data) < HEADER:
        raise OleFileError("incomplete OLE header")
    shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
    if shift not in (9, 12) or mini_shift != 6:
        raise OleFileError("incorrect sector sizes in OLE header")
    try:
        return olefile.OleFileIO(io.BytesIO(data))
    except OleFileError:
        raise
    except OSError as exc:   # in memory, no I/O can fail: olefile's plain IOError ("incorrect DIFAT") is damage
        raise OleFileError(str(exc)) from None


def chain_sound(ole, name: str) -> bool:
    """Whether the stream ``name`` of the root storage of ``ole`` (an olefile.OleFileIO)
    runs through distinct sectors of the file, as many as its size needs: olefile reads
    a chain that loops (a zeroed FAT sends every sector to sector 0) without a word, and
    returns bytes that are not the stream. A stream kept in the mini stream is not walked."""
    entry = next((kid for kid in ole.root.kids if kid.name == name), None)
    if entry is None:
        return False
    if entry.size < ole.minisectorcutoff:
        return True
    fat, sector, seen = ole.fat, entry.isectStart, set()
    for _ in range(-(-entry.size // ole.sectorsize)):
        if sector >= len(fat) or sector in seen:
            return False
        seen.add(sector)
        sector = fat[sector]
    return True
