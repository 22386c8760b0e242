"""How deeply a JSON text nests, measured without parsing it.

Python's JSON decoder recurses once per level: a few thousand levels raise ``RecursionError``
(a 500 with a traceback), far more can exhaust the C stack. Every JSON body and WebSocket frame
is measured here first, and refused past :data:`MAX_JSON_DEPTH` levels; no DomTok payload
comes near it.
"""

from __future__ import annotations

import re

MAX_JSON_DEPTH = 64

# A bracket, or a JSON string (escapes included, so brackets inside are skipped). An unclosed
# string runs to the end: the possessive quantifiers never backtrack, so one pass is linear.
_TOKEN = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+(?:"|\\?\Z)|[\[\]{}]', re.DOTALL)
_QUOTE, _OPENERS = ord('"'), frozenset(b"[{")


def too_deep(text: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when ``text`` opens more than ``limit`` arrays or objects inside one another."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if data.count(b"[") + data.count(b"{") <= limit:
        # Too few brackets to nest that deep: the common case costs two C-speed counts.
        return False
    depth = 0
    for match in _TOKEN.finditer(data):
        first = data[match.start()]
        if first == _QUOTE:
            continue
        if first in _OPENERS:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False
