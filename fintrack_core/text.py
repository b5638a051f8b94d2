"""Text that people and statements put into the ledger, and text we print back to terminals.

Control characters (ESC, BEL, the C1 range) in a payee are not data: printed raw they move
the cursor, recolour or clear a terminal, or retitle its window. Output escapes them visibly
(``\\x1b``) so whatever is already stored can never drive a terminal.
"""

from __future__ import annotations

import re

# C0 controls, DEL and C1 controls. Tab and line breaks are among them; callers that allow
# multi-line text say so.
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _visible(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def escape_controls(text: str, *, keep_newlines: bool = False) -> str:
    """``"a\\x1b[31mb"`` -> ``"a\\\\x1b[31mb"``: every control character as a visible escape
    (tab and line breaks kept when ``keep_newlines``), for printing to a terminal."""
    if keep_newlines:
        return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", _visible, text)
    return CONTROL_CHARS.sub(_visible, text)
