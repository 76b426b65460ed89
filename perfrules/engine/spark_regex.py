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


def java_regex(pattern: str) -> tuple[str, int]:  # noqa: C901
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
            nxt = pattern[i + 1]
            prop = _PROPERTY.match(pattern, i)
            if nxt == "Q":  # \Q...\E is literal text in both dialects
                end = pattern.find("\\E", i + 2)
                end = n if end < 0 else end + 2
                out.append(pattern[i:end])
                i = end
                continue
            if prop:
                out.append(_property(prop))
                i = prop.end()
                continue
            if nxt == "x" and pattern.startswith("{", i + 2):  # \x{8D44}: the same in both, braces included
                end = pattern.find("}", i) + 1 or n
                out.append(pattern[i:end])
                i = end
                continue
            if nxt == "v":
                out.append(r"\x0B")
            elif nxt == "s":
                out.append(_RE2_SPACE.replace(" ", r"\x20") if in_class else f"[{_RE2_SPACE}]")
            elif nxt == "S" and not in_class:
                out.append(f"[^{_RE2_SPACE}]")
            elif nxt == "b" and not in_class:
                out.append(f"(?:(?<={_WORD})(?!{_WORD})|(?<!{_WORD})(?={_WORD}))")
            elif nxt == "B" and not in_class:
                out.append(f"(?:(?<={_WORD})(?={_WORD})|(?<!{_WORD})(?!{_WORD}))")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            posix = _POSIX_CLASS.match(pattern, i)
            if posix and posix.group(2) in _POSIX:
                out.append(f"\\{'P' if posix.group(1) else 'p'}{{{_POSIX[posix.group(2)]}}}")
                i = posix.end()
                continue
            if c == "]" and i == class_start:
                out.append(r"\]")  # a ] first in a class is a literal in RE2
            elif c == "]":
                in_class = False
                out.append(c)
            elif c in "[&":
                out.append("\\" + c)
            else:
                out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            class_start = i + 2 if pattern.startswith("[^", i) else i + 1
            out.append(pattern[i:class_start])
            i = class_start
            continue
        if c == "(":
            if pattern.startswith("(?P<", i):
                out.append("(?<")
                groups += 1
                i += 4
                continue
            named = pattern.startswith("(?<", i) and pattern[i + 3 : i + 4] not in "=!"  # not a lookbehind
            if not pattern.startswith("(?", i) or named:
                groups += 1
        elif c == "$" and not multiline:
            out.append(r"\z")  # RE2's $ is the end of the text; Java's also matches before a final \n
            i += 1
            continue
        elif c == "{":
            repeat = _REPEAT.match(pattern, i)
            if repeat:
                out.append(repeat.group())
                i = repeat.end()
                continue
            out.append(r"\{")  # RE2 reads a { that starts no repetition as a literal
            i += 1
            continue
        out.append(c)
        i += 1
    return JAVA_PREFIX + "".join(out), groups
