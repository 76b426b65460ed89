"""RE2 (DuckDB) → java.util.regex (Spark): a pattern that means the same on both, or NotPortable."""

from __future__ import annotations

import re

from perfrules.errors import RuleError


class NotPortable(RuleError):
    """Rule SQL that cannot be made to mean the same on Spark; the rule errors instead of differing."""


_WORD = "[0-9A-Za-z_]"
_RE2_SPACE = r"\t\n\f\r "  # RE2's \s; Java's \s also matches \x0B
_REPEAT = re.compile(r"\{\d+(?:,\d*)?\}")
_FLAGS = re.compile(r"\(\?([imsU-]+)[:)]")
_POSIX = {
    "alnum": "Alnum", "alpha": "Alpha", "ascii": "ASCII", "blank": "Blank", "cntrl": "Cntrl", "digit": "Digit",
    "graph": "Graph", "lower": "Lower", "print": "Print", "punct": "Punct", "space": "Space", "upper": "Upper",
    "xdigit": "XDigit",
}  # fmt: skip
_POSIX_CLASS = re.compile(r"\[:(\^?)([a-z]+):\]")
_PROPERTY = re.compile(r"\\([pP])\{(\^?)([A-Za-z_]+)\}")
# (?d): only \n ends a line, as in RE2 (Java's . and $ also stop at \r, \u0085, \u2028, \u2029).
# (?u): (?i) folds case beyond ASCII, as in RE2.
JAVA_PREFIX = "(?du)"


def _property(match: re.Match[str]) -> str:
    """RE2 names scripts bare (\\p{Han}); Java wants them prefixed (\\p{IsHan}). Categories are shared."""
    kind, negate, name = match.groups()
    if negate:
        kind = "P" if kind == "p" else "p"
    return f"\\{kind}{{{name if len(name) <= 2 else 'Is' + name}}}"


def java_regex(pattern: str) -> tuple[str, int]:
    """An RE2 pattern as a java.util.regex pattern with the same matches; also its group count.

    Handled: ``$`` (Java also matches before a final line break), ``.`` and ``^``/``$`` line
    terminators, ``\\s`` (Java adds \\x0B), ``\\b``/``\\B`` (Java 17 counts CJK characters as
    word characters), ``\\v``, ``\\p{Script}``, ``[[:alpha:]]``, a ``[`` or ``&&`` inside a
    class (Java nests and intersects), a ``{`` that is not a repetition (Java rejects it),
    ``(?P<name>``, and Unicode case folding. RE2's ungreedy flag has no Java equivalent.
    """
    flags = "".join(_FLAGS.findall(pattern))
    if "U" in flags:
        raise NotPortable(f"正则的 U 标志在 Spark 上没有对应 / the regex flag U has no Spark equivalent: {pattern}")
    multiline = "m" in flags
    out: list[str] = []
    groups = 0
    i, n = 0, len(pattern)
    in_class = False
    class_start = 0
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            text, i = _escape(pattern, i, in_class)
        elif in_class:
            text, i, in_class = _class_token(pattern, i, class_start)
        elif c == "[":
            in_class = True
            class_start = i + 2 if pattern.startswith("[^", i) else i + 1
            text, i = pattern[i:class_start], class_start
        else:
            text, i, opened = _token(pattern, i, multiline)
            groups += opened
        out.append(text)
    return JAVA_PREFIX + "".join(out), groups


def _escape(pattern: str, i: int, in_class: bool) -> tuple[str, int]:
    """The escape at ``pattern[i]`` (a backslash, not the last character) in Java; and the index after it."""
    n = len(pattern)
    nxt = pattern[i + 1]
    prop = _PROPERTY.match(pattern, i)
    if nxt == "Q":  # \Q...\E is literal text in both dialects
        end = pattern.find("\\E", i + 2)
        end = n if end < 0 else end + 2
        return pattern[i:end], end
    if prop:
        return _property(prop), prop.end()
    if nxt == "x" and pattern.startswith("{", i + 2):  # \x{8D44}: the same in both, braces included
        end = pattern.find("}", i) + 1 or n
        return pattern[i:end], end
    if nxt == "v":
        text = r"\x0B"
    elif nxt == "s":
        text = _RE2_SPACE.replace(" ", r"\x20") if in_class else f"[{_RE2_SPACE}]"
    elif nxt == "S" and not in_class:
        text = f"[^{_RE2_SPACE}]"
    elif nxt == "b" and not in_class:
        text = f"(?:(?<={_WORD})(?!{_WORD})|(?<!{_WORD})(?={_WORD}))"
    elif nxt == "B" and not in_class:
        text = f"(?:(?<={_WORD})(?={_WORD})|(?<!{_WORD})(?!{_WORD}))"
    else:
        text = pattern[i : i + 2]
    return text, i + 2


def _class_token(pattern: str, i: int, class_start: int) -> tuple[str, int, bool]:
    """The token at ``pattern[i]`` inside a character class (not an escape) in Java; the index after it;
    and whether the class goes on (False once it closes). ``class_start`` is the index of its first member."""
    posix = _POSIX_CLASS.match(pattern, i)
    if posix and posix.group(2) in _POSIX:
        return f"\\{'P' if posix.group(1) else 'p'}{{{_POSIX[posix.group(2)]}}}", posix.end(), True
    c = pattern[i]
    if c == "]" and i == class_start:
        return r"\]", i + 1, True  # a ] first in a class is a literal in RE2
    if c == "]":
        return c, i + 1, False
    if c in "[&":
        return "\\" + c, i + 1, True
    return c, i + 1, True


def _token(pattern: str, i: int, multiline: bool) -> tuple[str, int, int]:
    """The token at ``pattern[i]`` outside a class (not an escape, not a ``[``) in Java; the index after it;
    and the number of capturing groups it opens (0 or 1)."""
    c = pattern[i]
    if c == "(":
        if pattern.startswith("(?P<", i):
            return "(?<", i + 4, 1
        named = pattern.startswith("(?<", i) and pattern[i + 3 : i + 4] not in "=!"  # not a lookbehind
        capturing = not pattern.startswith("(?", i) or named
        return c, i + 1, int(capturing)
    if c == "$" and not multiline:
        return r"\z", i + 1, 0  # RE2's $ is the end of the text; Java's also matches before a final \n
    if c == "{":
        repeat = _REPEAT.match(pattern, i)
        if repeat:
            return repeat.group(), repeat.end(), 0
        return r"\{", i + 1, 0  # RE2 reads a { that starts no repetition as a literal
    return c, i + 1, 0
