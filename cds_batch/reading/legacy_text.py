"""Legacy Vietnamese font encodings (TCVN3/ABC and VNI-Windows) → Unicode, for the read stage.

In: the text of a cell and the name of the font it is shown in.
Out: which legacy encoding the font implies (or None), and the text converted to NFC Unicode.

Text typed in a `.VnTime` (TCVN3) or `VNI-Times` (VNI) font is stored as Latin-1 "surface"
characters that only look right in that font; the font name is the one reliable signal
(field-notes 2e: guessing from content misreads short cells). TCVN3 `ư` is U+00AD SOFT HYPHEN,
so nothing may strip invisible characters before conversion.

The two tables are taken from viparse 0.1.31 (`viparse/normalize/tcvn3.py`, `vni.py`),
MIT License, Copyright (c) 2026 minhtridinh — vendored rather than depended on because viparse
needs Python ≥ 3.11 and is a document loader of which we need only these tables. Added here:
VNI `aú`/`AÚ` → ẳ/Ẳ from the published VNI-Windows chart (viparse leaves them out as unobserved).
"""
from __future__ import annotations

import unicodedata

TCVN3, VNI = "tcvn3", "vni"

# TCVN3: one surface character per letter; 0xA1–0xA7 are the upper-case base vowels and đ.
_TCVN3 = str.maketrans(
    "¡¢£¤¥¦§¨©ª«¬\xad®µ¸¶·¹»¾¼½ÆÇÊÈÉËÌÐÎÏÑÒÕÓÔÖ×ÝØÜÞßãáâäåèæçéêíëìîïóñòôõøö÷ùúýûüþ",
    "ĂÂÊÔƠƯĐăâêôơưđàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ",
)

# VNI: a base letter followed by one mark character (a few letters are a single character);
# matched longest first, left to right.
_VNI_PAIRS = """
ñ=đ Ñ=Đ aø=à aù=á aï=ạ aû=ả aá=ấ aä=ậ aê=ă aâ=â aõ=ã aà=ầ aå=ẩ aé=ắ aü=ẵ aë=ặ AØ=À aè=ằ AÙ=Á AÂ=Â
AÛ=Ả aã=ẫ AÕ=Ã AÏ=Ạ AÊ=Ă AÁ=Ấ AÅ=Ẩ AÄ=Ậ AÀ=Ầ AÃ=Ẫ AÉ=Ắ AÈ=Ằ AÜ=Ẵ AË=Ặ eä=ệ eá=ế eà=ề eâ=ê eå=ể eù=é
EÄ=Ệ eû=ẻ eõ=ẽ EÁ=Ế EÀ=Ề eã=ễ EÂ=Ê eø=è eï=ẹ EÅ=Ể EØ=È EÙ=É EÏ=Ẹ EÛ=Ẻ EÕ=Ẽ EÃ=Ễ ò=ị æ=ỉ Ò=Ị Æ=Ỉ Ó=Ĩ
ó=ĩ IØ=Ì IÙ=Í iø=ì iù=í ô=ơ oä=ộ oâ=ô oá=ố ôï=ợ où=ó ôø=ờ ôû=ở ôù=ớ oø=ò oå=ổ oà=ồ oï=ọ OÄ=Ộ oã=ỗ
Ô=Ơ oû=ỏ oõ=õ OÂ=Ô ôõ=ỡ ÔÛ=Ở OÅ=Ổ OÁ=Ố OØ=Ò OÙ=Ó OÀ=Ồ ÔÙ=Ớ ÔØ=Ờ OÕ=Õ OÏ=Ọ OÛ=Ỏ OÃ=Ỗ ÔÕ=Ỡ ÔÏ=Ợ ö=ư
uû=ủ öï=ự uï=ụ öù=ứ öû=ử öø=ừ uù=ú öõ=ữ uø=ù Ö=Ư UÛ=Ủ uõ=ũ ÖÙ=Ứ UÕ=Ũ UÏ=Ụ ÖÛ=Ử ÖÕ=Ữ ÖÏ=Ự UØ=Ù UÙ=Ú
ÖØ=Ừ yù=ý yõ=ỹ yû=ỷ yø=ỳ YÙ=Ý YÛ=Ỷ YØ=Ỳ YÏ=Ỵ yï=ỵ YÕ=Ỹ aú=ẳ AÚ=Ẳ
"""
_VNI: dict[str, str] = dict(pair.split("=") for pair in _VNI_PAIRS.split())
_VNI_LONGEST = max(len(k) for k in _VNI)


def legacy_encoding(font: str | None) -> str | None:
    """The legacy encoding a font name implies: '.VnTime' → 'tcvn3', 'VNI-Times' → 'vni', else None."""
    if not font:
        return None
    name = font.strip()
    if name.startswith(".Vn") or (name.startswith("Vn") and name[2:3].isupper()):   # .VnTime; a copy without the dot
        return TCVN3
    if name.upper().startswith("VNI"):
        return VNI
    return None


def convert(text: str, encoding: str, font: str = "") -> str:
    """`text` typed in a legacy font, as NFC Unicode.

    :param font: the font name; TCVN3 has no upper-case accented letters and its '…H' fonts
        ('.VnTimeH') draw every letter upper case, so text in such a font is upper-cased.
    """
    if encoding == TCVN3:
        out = text.translate(_TCVN3)
        if font.strip().endswith("H"):
            out = out.upper()
    elif encoding == VNI:
        parts: list[str] = []
        i = 0
        while i < len(text):
            for size in range(min(_VNI_LONGEST, len(text) - i), 0, -1):
                hit = _VNI.get(text[i:i + size])
                if hit is not None:
                    parts.append(hit)
                    i += size
                    break
            else:
                parts.append(text[i])
                i += 1
        out = "".join(parts)
    else:
        raise ValueError(encoding)
    return unicodedata.normalize("NFC", out)
