"""Which single-byte codepage a short statement is in, when the encoding guesser is unsure.

The guesser (charset-normalizer) has little to go on in a short file, and a wrong codepage
turns header words into strangers (``Beløb`` as ``Beřb``) and names into nonsense
(``S.à r.l.`` as ``S.ŕ r.l.``). The header's known words and the letters of real words
decide between the guess and cp1252.
"""

from __future__ import annotations

from fintrack_core.imports.layout import detect_layout
from fintrack_core.imports.limits import SNIFF_CHARS
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.sniff import detect_delimiter
from fintrack_core.imports.statement import StatementError
from fintrack_core.imports.vocabulary import roles_by_name

_GUESSED_CODEPAGES = ("cp1250", "cp1251", "cp1253", "cp1254", "cp1257", "iso-8859-2",
                      "iso8859_2", "mac_roman", "cp850", "cp437")


def _header_words_known(text: str, options: Mapping) -> int:
    try:
        delimiter = options.delimiter or detect_delimiter(text)
        layout = detect_layout(text, delimiter, options.skip_rows, options.has_header)
    except StatementError:
        return -1
    return sum(1 for c in layout.columns if roles_by_name(c))


def header_decides_codepage(data: bytes, text: str, encoding: str,
                             options: Mapping) -> tuple[str, str]:
    """A short single-byte file gives the encoding guesser little to go on: a Danish cp1252
    ``Beløb`` read as cp1250 is ``Beřb``, a Swiss latin-1 ``Débit`` was once read as Korean
    (johab), and the amount column is lost. When the guess is another codepage, cp1252 is
    taken instead if then more header words are known (as many, for a guess outside the
    European single-byte codepages)."""
    name = encoding.lower().replace("_", "-")
    if name in ("utf-8", "utf-8-sig", "utf-16", "cp1252", "iso-8859-1", "latin-1", "ascii"):
        return text, encoding
    try:
        western = data.decode("cp1252")
    except UnicodeDecodeError:
        return text, encoding
    known_western = _header_words_known(western, options)
    known_guess = _header_words_known(text, options)
    if known_western > known_guess or (known_western == known_guess > 0
                                       and name not in _GUESSED_CODEPAGES):
        return western, "cp1252"
    # "S.à r.l." read as "S.ŕ r.l.", "Città" as "Cittą": a tie goes to the Western codepage
    # (the guesser's pick among single-byte codepages is weakest on short files).
    if _letters_score(western) >= _letters_score(text) and name in _GUESSED_CODEPAGES:
        return western, "cp1252"
    return text, encoding


# Letters of real words in the languages whose banks write single-byte files, and letters a
# wrong codepage produces from them (cp1250 reads à as ŕ, cp1257 reads é as é's neighbours).
_COMMON_LETTERS = frozenset("àáâäçèéêëíîïñòóôöùúûüßÀÁÂÄÇÈÉÊËÍÎÑÓÔÖÚÜåæøÅÆØąćęłńśźżĄĆĘŁŃŚŹŻ"
                            "čďěňřšťůžČĎĚŇŘŠŤŮŽőűŐŰ")
_RARE_LETTERS = frozenset("ŕĺľŔĹĽţşŢŞăĂ¹³œ¿ęėįųūĖĮŲŪ")


def _letters_score(text: str) -> int:
    sample = text[:SNIFF_CHARS]
    return sum(c in _COMMON_LETTERS for c in sample) - 2 * sum(c in _RARE_LETTERS
                                                               for c in sample)
