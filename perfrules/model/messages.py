"""pydantic's validation messages in Chinese first, English after: no bare "Field required" in a report.

``chinese(error)`` gives "<中文> / <pydantic's English>" for the error types a submission, a
waivers file or a rule file can produce; an unknown type keeps pydantic's text after a generic
Chinese lead, so nothing is ever lost.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import ErrorDetails

_PLAIN: dict[str, str] = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不允许的字段",
    "string_type": "应为文字",
    "string_too_short": "文字过短",
    "string_too_long": "文字过长",
    "string_pattern_mismatch": "格式不符",
    "int_type": "应为整数",
    "int_parsing": "应为整数，无法识别",
    "int_from_float": "应为整数，不能有小数",
    "float_type": "应为数字",
    "float_parsing": "应为数字，无法识别",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字，无法识别",
    "bool_type": "应为是/否（true/false）",
    "bool_parsing": "应为是/否（true/false），无法识别",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD），无法识别",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD），无法识别",
    "date_from_datetime_inexact": "应为日期，不能带时刻",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "dict_type": "应为对象（键: 值）",
    "model_type": "应为对象（键: 值）",
    "model_attributes_type": "应为对象（键: 值）",
    "too_short": "条目过少",
    "too_long": "条目过多",
    "none_required": "应为空",
    "frozen_instance": "不可修改",
    "json_invalid": "JSON 无效",
    "json_type": "JSON 无效",
    "assertion_error": "校验未通过",
}
_BOUNDS: dict[str, str] = {
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "literal_error": "应为以下之一：{expected}",
    "enum": "应为以下之一：{expected}",
    "decimal_max_digits": "数字位数过多（最多 {max_digits} 位）",
    "decimal_max_places": "小数位数过多（最多 {decimal_places} 位）",
    "decimal_whole_digits": "整数部分位数过多（最多 {whole_digits} 位）",
    "union_tag_invalid": "类型 {tag} 未知，应为以下之一：{expected_tags}",
    "union_tag_not_found": "缺少类型字段 {discriminator}",
}


def _filled(template: str, ctx: dict[str, Any]) -> str:
    try:
        return template.format(**{k: str(v) for k, v in ctx.items()})
    except (KeyError, IndexError, ValueError):
        return template.split("{", 1)[0].rstrip("：，; ")


def chinese(error: ErrorDetails) -> str:
    """One pydantic error as "中文 / English"."""
    kind = error["type"]
    english = error["msg"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == "value_error":
        # Our own validators already say it in both languages ("不能为空白 / must not be blank").
        return str(ctx.get("error", english.removeprefix("Value error, ")))
    if kind in _PLAIN:
        return f"{_PLAIN[kind]} / {english}"
    if kind in _BOUNDS:
        return f"{_filled(_BOUNDS[kind], ctx)} / {english}"
    return f"无效的值 / {english}"
