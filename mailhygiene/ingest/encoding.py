"""A contact file's text encoding: detected (UTF-8 checked over the whole file, cp1252 and
latin-1, UTF-16 with or without a BOM, UTF-8 mixed with cp1252) and the Python codec and error
handler that read it."""

from __future__ import annotations

import codecs
from pathlib import Path


def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    """Error handler for files that are mostly UTF-8 with some cp1252 bytes (mixed exports):
    the offending bytes are read as cp1252 (latin-1 for its five undefined bytes)."""
    assert isinstance(err, UnicodeDecodeError)
    bad = err.object[err.start : err.end]
    return bad.decode("cp1252", errors="replace").replace("\ufffd", "") or bad.decode(
        "latin-1"
    ), err.end


codecs.register_error("mh_cp1252", _cp1252_fallback)


def detect_encoding(path: Path) -> tuple[str, bool]:
    """Returns (encoding, has_bom). UTF-8 is checked over the whole file (an invalid byte deep
    in a file is common in Excel exports); cp1252 is the Windows/Excel fallback in France and
    Morocco; a file with valid UTF-8 sequences *and* invalid bytes is mixed."""
    with path.open("rb") as f:
        head = f.read(4096)
    if head.startswith(codecs.BOM_UTF8):
        bom, skip = True, 3
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", True
    elif (order := _utf16_without_bom(head)) is not None:
        return order, False
    else:
        bom, skip = False, 0
    dec = codecs.getincrementaldecoder("utf-8")()
    valid_multibyte = False
    with path.open("rb") as f:
        f.seek(skip)
        while chunk := f.read(8 * 1024 * 1024):
            try:
                text = dec.decode(chunk)
            except UnicodeDecodeError:
                return ("utf-8+cp1252" if valid_multibyte or _has_utf8_multibyte(path)
                        else _single_byte(path)), bom
            if not valid_multibyte and not text.isascii():
                valid_multibyte = True
        try:
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            return ("utf-8+cp1252" if valid_multibyte else _single_byte(path)), bom
    return "utf-8", bom


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 written without a byte-order mark (some Windows exports): a text in which at
    least every other character's high byte is NUL, always on the same side. None for
    anything else (a NUL here and there is a broken cell, not an encoding)."""
    pairs = len(sample) // 2
    if pairs < 8:
        return None
    even = sample[0:2 * pairs:2].count(0)
    odd = sample[1:2 * pairs:2].count(0)
    # Addresses, digits and delimiters are ASCII (a NUL high byte); names in other scripts
    # are not, hence "half", while the low byte of a character is almost never NUL.
    if odd >= 0.5 * pairs and even <= 0.05 * pairs:
        return "utf-16-le"
    if even >= 0.5 * pairs and odd <= 0.05 * pairs:
        return "utf-16-be"
    return None


def _has_utf8_multibyte(path: Path) -> bool:
    data = path.read_bytes()
    text = data.decode("utf-8", errors="replace")
    return any(ord(c) > 127 and c != "\ufffd" for c in text)


def _single_byte(path: Path) -> str:
    data = path.read_bytes()
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def python_decoding(encoding: str) -> tuple[str, str]:
    if encoding == "utf-8+cp1252":
        return "utf-8", "mh_cp1252"
    if encoding == "utf-8":
        return "utf-8-sig", "strict"
    if encoding in ("utf-16", "utf-16-le", "utf-16-be"):
        return encoding, "replace"  # an odd trailing byte must not lose the whole file
    return encoding, "strict"
