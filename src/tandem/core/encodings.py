"""Reading uploaded text files whose encoding nobody told us.

In order: a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) settles it; UTF-16 without a
mark shows itself by a NUL in every other byte; otherwise the file must be strict UTF-8. Only
when UTF-8 fails is the encoding guessed (charset-normalizer, with a preference for the
encodings spreadsheets are commonly saved in), and the guess is returned as such, so that the
person can be asked to check the result. Nothing that does not decode cleanly is read.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from tandem.core.errors import ServiceError

#: Longest marks first: the UTF-32 LE mark begins with the UTF-16 LE one.
BYTE_ORDER_MARKS = [
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
]
#: Bytes looked at to recognise UTF-16 without a mark.
SNIFF_BYTES = 4096
#: When several encodings read the file equally well, the first of these wins: the
#: encodings spreadsheet programs save "CSV" in, most common first.
PREFERRED_GUESSES = [
    "cp1252",
    "cp932",
    "gb18030",
    "cp949",
    "big5",
    "cp1251",
    "cp1250",
    "cp1253",
    "cp1254",
    "cp1257",
    "cp1255",
    "cp1256",
    "koi8_r",
    "euc_jp",
    "mac_roman",
]
#: Names people know encodings by (Python's codec names otherwise, upper-cased).
DISPLAY_NAMES = {
    "cp1252": "Windows-1252",
    "latin_1": "Latin-1",
    "iso8859_15": "Latin-9",
    "cp932": "Shift-JIS",
    "shift_jis": "Shift-JIS",
    "euc_jp": "EUC-JP",
    "gb18030": "GB18030",
    "gb2312": "GB2312",
    "big5": "Big5",
    "cp949": "EUC-KR",
    "euc_kr": "EUC-KR",
    "cp1250": "Windows-1250",
    "cp1251": "Windows-1251",
    "cp1253": "Windows-1253",
    "cp1254": "Windows-1254",
    "cp1255": "Windows-1255",
    "cp1256": "Windows-1256",
    "cp1257": "Windows-1257",
    "koi8_r": "KOI8-R",
    "mac_roman": "Mac Roman",
}


@dataclass(frozen=True)
class DecodedText:
    text: str
    #: What the file was read as, e.g. "UTF-16" or "Shift-JIS".
    encoding: str
    #: True when the encoding was guessed (the file said nothing and was not UTF-8).
    guessed: bool


def display_name(codec: str) -> str:
    name = codecs.lookup(codec).name.replace("-", "_")
    return DISPLAY_NAMES.get(name, name.replace("_", "-").upper())


def _utf16_without_mark(content: bytes) -> str | None:
    """ "utf-16-le"/"utf-16-be" when the file's NULs sit in every other byte, as mostly-ASCII
    UTF-16 text without a byte-order mark does; ``None`` otherwise (a stray NUL in a UTF-8
    file is not enough: it is reported as a NUL where it is)."""
    sample = content[:SNIFF_BYTES]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even_nuls = sample[0 : pairs * 2 : 2].count(0)
    odd_nuls = sample[1 : pairs * 2 : 2].count(0)
    if odd_nuls >= pairs * 0.3 and even_nuls <= pairs * 0.05:
        return "utf-16-le"
    if even_nuls >= pairs * 0.3 and odd_nuls <= pairs * 0.05:
        return "utf-16-be"
    return None


def _position(content: bytes, offset: int) -> str:
    return f"byte {offset + 1} (row {content[:offset].count(b'\n') + 1})"


def _strict(content: bytes, codec: str, name: str, *, guessed: bool, skip: int = 0) -> DecodedText:
    try:
        return DecodedText(content[skip:].decode(codec), name, guessed)
    except UnicodeDecodeError as error:
        raise ServiceError(
            f"This file says it is {name}, but {_position(content, skip + error.start)} is not "
            f"valid {name}: save it again as “CSV UTF-8” and upload that.",
            field="file",
        ) from None


def _guess(content: bytes) -> str | None:
    from charset_normalizer import from_bytes

    matches = list(from_bytes(content))
    if not matches:
        return None
    least_chaos = min(match.chaos for match in matches)
    readable = {
        codec
        for match in matches
        if match.chaos <= least_chaos + 0.01
        for codec in match.could_be_from_charset
    }
    return next((codec for codec in PREFERRED_GUESSES if codec in readable), matches[0].encoding)


def decode_text(content: bytes) -> DecodedText:
    """The text of ``content``; a :class:`ServiceError` naming the first bad byte (and its
    row) when no encoding reads the whole file cleanly."""
    for mark, codec, name in BYTE_ORDER_MARKS:
        if content.startswith(mark):
            return _strict(content, codec, name, guessed=False, skip=len(mark))
    utf16 = _utf16_without_mark(content)
    if utf16 is not None:
        return _strict(content, utf16, "UTF-16", guessed=False)
    try:
        return DecodedText(content.decode("utf-8"), "UTF-8", False)
    except UnicodeDecodeError as error:
        first_bad = error.start
    guess = _guess(content)
    if guess is not None:
        try:
            return DecodedText(content.decode(guess), display_name(guess), True)
        except UnicodeDecodeError:
            pass
    raise ServiceError(
        f"This file is not UTF-8 and no other encoding reads it cleanly: the first byte that is "
        f"not UTF-8 is {_position(content, first_bad)}. Save it as “CSV UTF-8” and upload that.",
        field="file",
    )
