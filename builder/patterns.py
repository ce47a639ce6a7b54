"""Staff-written patterns (regular expressions), matched in linear time with RE2.

A pattern written in the designer is run against every citizen's input, so it must not
be able to make the server work for seconds (catastrophic backtracking, as ``(a+)+b``
does with Python's ``re``). RE2 matches in time linear in the input, and refuses the
constructs that need backtracking (back-references, look-around).
"""

from __future__ import annotations

from functools import lru_cache

import re2

#: longest pattern the designer accepts
MAX_PATTERN_LENGTH = 500
#: memory RE2 may use for one compiled pattern (its default is 8 MiB)
_MAX_MEMORY = 1 << 22


class PatternError(ValueError):
    """A pattern RE2 cannot use; the message says why (RE2's own words)."""


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = _MAX_MEMORY
    return options


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str):
    """The compiled RE2 pattern; raise PatternError when RE2 refuses it."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"longer than {MAX_PATTERN_LENGTH} characters")
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else ""
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(str(reason)) from None


def matches_whole(pattern: str, text: str) -> bool:
    """Whether *text* as a whole matches *pattern* (which must compile)."""
    return compile_pattern(pattern).fullmatch(text) is not None
