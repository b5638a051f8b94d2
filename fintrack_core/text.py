"""Text that people and statements put into the ledger, and text we print back to terminals.

Control characters (ESC, BEL, the C1 range) in a payee are not data: printed raw they move
the cursor, recolour or clear a terminal, or retitle its window. Output escapes them visibly
(``\\x1b``) so whatever is already stored can never drive a terminal.
"""

from __future__ import annotations

import re

from fintrack_core.errors import ValidationError

# C0 controls, DEL and C1 controls. Tab and line breaks are among them; callers that allow
# multi-line text say so.
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# The same without tab and line breaks, for fields that may span lines.
_MULTILINE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _visible(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def escape_controls(text: str, *, keep_newlines: bool = False) -> str:
    """``"a\\x1b[31mb"`` -> ``"a\\\\x1b[31mb"``: every control character as a visible escape
    (tab and line breaks kept when ``keep_newlines``), for printing to a terminal."""
    if keep_newlines:
        return _MULTILINE_CONTROL.sub(_visible, text)
    return CONTROL_CHARS.sub(_visible, text)


# Longest text each field keeps (characters), as the columns in ``db/models.py`` declare.
MAX_PAYEE = 200
MAX_NAME = 200           # account, book and rule names, institutions
MAX_CATEGORY_NAME = 100
MAX_TEXT = 2000          # description, notes
MAX_TAGS = 2000          # all tags of one transaction, stored as ",a,b,"
MAX_TAG = 100            # one tag

# What multi-line fields (description, notes) may hold besides printable text.


def clean_text(value: object, field: str, limit: int, *, multiline: bool = False,
               strip: bool = True) -> str:
    """The one check of text that people type into the ledger, on every write path.

    Refuses (naming ``field``) control characters and text longer than ``limit``
    characters; ``multiline`` fields may hold tabs and line breaks. Refusing rather than
    silently changing what was typed: the person sees what to fix. Statement imports,
    which cannot ask, strip control characters instead (``imports.clean``).
    """
    text = "" if value is None else str(value)
    if strip:
        text = text.strip()
    bad = (_MULTILINE_CONTROL if multiline else CONTROL_CHARS).search(text)
    if bad:
        raise ValidationError(field, f"contains the control character {_visible(bad)} at "
                                     f"position {bad.start() + 1}; remove it")
    if len(text) > limit:
        raise ValidationError(field, f"is {len(text)} characters long; the limit is {limit}")
    return text
