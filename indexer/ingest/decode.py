"""Bytes to text: UTF-8 (with or without BOM), UTF-16 and Windows-1256, never garbled.

The order is deliberate.  UTF-8 is tried strictly first because valid UTF-8 is
almost never anything else.  UTF-16 is recognised by its BOM or by the NUL
bytes that every Arabic or ASCII character carries in it.  Windows-1256 maps
nearly every byte to *some* character, so a cp1256 decoding is only accepted
when it reads as Arabic; anything else goes to charset-normalizer and, if that
is not confident either, the file is refused rather than indexed as mojibake.
"""

from __future__ import annotations

import codecs
import re

from indexer.errors import IngestError

#: Files above this size are refused: no news article is this long, and a
#: stray dump or video would otherwise be read into memory.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: How much of a file is sniffed for NUL bytes and control characters.
SNIFF_BYTES = 8192
#: Share of letters that must be Arabic for a Windows-1256 reading to be believed.
MIN_ARABIC_LETTER_SHARE = 0.5
#: Arabic prose has a space every five or six characters; binary data hardly any.
MIN_SPACE_SHARE = 0.05
#: Share of control characters above which decoded text is taken to be binary.
MAX_CONTROL_SHARE = 0.01

UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
ARABIC_LETTER_RE = re.compile("[\u0621-\u064a\u0671-\u06d3]")
LETTER_RE = re.compile(r"[^\W\d_]")
# C0 controls other than tab, newline, carriage return and form feed.
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _utf16_without_bom(sample: bytes) -> str | None:
    """``utf-16-le``/``-be`` when NULs sit on one side of most byte pairs."""
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even_nuls = sample[0 : pairs * 2 : 2].count(0)
    odd_nuls = sample[1 : pairs * 2 : 2].count(0)
    # Arabic (U+06xx) has 0x06 in the high byte, not NUL; but spaces, digits,
    # punctuation and newlines give NULs on the high side often enough.
    if odd_nuls > pairs * 0.1 and even_nuls < pairs * 0.02:
        return "utf-16-le"
    if even_nuls > pairs * 0.1 and odd_nuls < pairs * 0.02:
        return "utf-16-be"
    return None


def _reads_as_arabic(text: str) -> bool:
    """Mostly Arabic letters, and words separated by spaces: random bytes give the first, not the second."""
    sample = text[:20000]
    letters = len(LETTER_RE.findall(sample))
    if letters == 0 or sample.count(" ") < len(sample) * MIN_SPACE_SHARE:
        return False
    return len(ARABIC_LETTER_RE.findall(sample)) / letters >= MIN_ARABIC_LETTER_SHARE


def _looks_binary(text: str) -> bool:
    sample = text[:SNIFF_BYTES]
    return bool(sample) and len(CONTROL_RE.findall(sample)) / len(sample) > MAX_CONTROL_SHARE


def decode_bytes(data: bytes, path: str = "<bytes>") -> tuple[str, str]:
    """Return ``(text, encoding)``; raise ``IngestError`` for binary or undecodable data.

    The text has its BOM removed and line ends unified to ``\\n``.
    """
    text, encoding = _decode(data, path)
    if _looks_binary(text):
        raise IngestError(path, "binary content (control characters), not text")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def _decode(data: bytes, path: str) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8) :], "utf-8", path), "utf-8-sig"
    if data.startswith(UTF16_BOMS):
        return _strict(data, "utf-16", path), "utf-16"
    utf16 = _utf16_without_bom(data[:SNIFF_BYTES])
    if utf16:
        return _strict(data, utf16, path), utf16
    if b"\x00" in data[:SNIFF_BYTES]:
        raise IngestError(path, "binary content (NUL bytes), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1256")
    except UnicodeDecodeError:
        text = None
    if text is not None and _reads_as_arabic(text):
        return text, "cp1256"
    return _guess(data, path)


def _strict(data: bytes, encoding: str, path: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise IngestError(path, f"not valid {encoding} (byte {error.start})") from None


def _guess(data: bytes, path: str) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise IngestError(path, "undecodable: not UTF-8, UTF-16 or Windows-1256 text")
    return str(best), best.encoding
