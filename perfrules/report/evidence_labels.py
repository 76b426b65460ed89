"""Labels for the evidence a finding carries, so that a Chinese report reads 目标值, not ``target``.

A rule may give one value in both languages as a pair of keys: ``close`` / ``close_en`` (the
Chinese value under the plain key) or ``score_state`` / ``score_state_zh`` (the English one under
it). Each report shows the value of its language under the plain key's label and hides the other.
A key with no label here (a provincial pack's own) is shown as it is named.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]

LABELS: dict[str, tuple[str, str]] = {
    "actual": ("实际完成值", "actual"),
    "actual_text": ("实际完成值原文", "actual value as stated"),
    "adjusted": ("调整后预算数", "adjusted budget"),
    "admitted": ("自述的问题", "admitted problem"),
    "allowed": ("允许的值", "allowed"),
    "also": ("另缺", "also missing"),
    "amount": ("金额", "amount"),
    "annual": ("全年预算数", "full-year budget"),
    "answer": ("答复", "answer"),
    "benefit": ("效益指标分值", "benefit weight"),
    "benefits": ("效益指标个数", "benefit indicators"),
    "blank_cells": ("空白单元格", "blank cells"),
    "blank_indicator_count": ("空白指标行数", "blank indicator rows"),
    "budget": ("预算数", "budget"),
    "by_budget": ("结转结余占预算", "carry-over share of budget"),
    "by_executed": ("结转结余占执行数", "carry-over share of executed"),
    "carryover": ("结转结余", "carry-over"),
    "change": ("调整额", "adjustment"),
    "chars": ("字数", "characters"),
    "close": ("端点", "bound"),
    "comparator": ("比较符", "comparator"),
    "comparator_note": ("计算符号说明", "comparator note"),
    "completion": ("完成情况", "completion"),
    "computed": ("计算值", "computed"),
    "computed_rate": ("计算的执行率", "computed rate"),
    "coefficient": ("得分系数", "score coefficient"),
    "count": ("个数", "count"),
    "denominator": ("分母", "denominator"),
    "denominator_label": ("分母", "denominator"),
    "difference": ("差额", "difference"),
    "direction": ("调整方向", "direction"),
    "due": ("完成时间", "due"),
    "earlier": ("相同或相近的指标", "same or near indicator"),
    "excerpt": ("摘录", "excerpt"),
    "excess": ("超出额", "excess"),
    "exec_score": ("预算执行得分", "budget-execution score"),
    "sub_budget": ("其中各项全年预算数合计", "sub-rows' annual budget"),
    "sub_executed": ("其中各项全年执行数合计", "sub-rows' executed amount"),
    "executed": ("执行数", "executed"),
    "explanation": ("说明", "explanation"),
    "expected": ("应为", "expected"),
    "first_marker": ("首个涉密标注", "first withheld marker"),
    "full_indicator": ("满分指标", "full-score indicator"),
    "function_code": ("功能分类科目", "function code"),
    "goal": ("年度目标", "annual goal"),
    "grade": ("实际等级", "grade"),
    "high": ("上限", "high"),
    "highest": ("最高分", "highest"),
    "hint": ("填写提示", "hint"),
    "income": ("收入", "income"),
    "income_quote": ("收入原文", "income as stated"),
    "indicator_sum": ("指标得分合计", "indicator score sum"),
    "indicators": ("指标", "indicators"),
    "initial": ("年初预算数", "initial budget"),
    "item": ("资金项", "item"),
    "length": ("字数", "length"),
    "level1": ("一级指标", "level-1 indicator"),
    "level2": ("二级指标", "level-2 indicator"),
    "low": ("下限", "low"),
    "lowest": ("最低分", "lowest"),
    "matched": ("符合条件的个数", "matched"),
    "matched_text": ("命中的文字", "matched text"),
    "missed": ("未达到指标值的指标", "targets missed"),
    "missed_count": ("未达到指标值的指标数", "targets missed (count)"),
    "missing": ("缺少的内容", "missing"),
    "money_unit": ("金额单位", "money unit"),
    "next_year": ("下一年度", "next year"),
    "output": ("产出指标分值", "output weight"),
    "outputs": ("产出指标个数", "output indicators"),
    "paid_with": ("支付来源", "paid with"),
    "parts_count": ("分项个数", "parts"),
    "parts_sum": ("分项合计", "sum of parts"),
    "passages": ("涉密段数", "withheld passages"),
    "problems": ("存在问题", "problems stated"),
    "profile": ("一级指标分值构成", "level-1 weight profile"),
    "project_type": ("项目类型", "project type"),
    "purpose": ("指定用途", "earmarked purpose"),
    "quota": ("编制数", "staff quota"),
    "quota_quote": ("编制数原文", "quota as stated"),
    "quote": ("原文", "as stated"),
    "rate": ("执行率", "rate"),
    "rate_source": ("执行率来源", "rate from"),
    "ratio": ("占比", "ratio"),
    "report_score": ("报告正文所述得分", "score in the report's text"),
    "required_table": ("应附的自评表", "required table"),
    "role": ("角色", "role"),
    "rows": ("行数", "rows"),
    "satisfaction": ("满意度指标分值", "satisfaction weight"),
    "score": ("得分", "score"),
    "score_share": ("得分率（%）", "score share (%)"),
    "score_state": ("得分状态", "score state"),
    "score_sum": ("得分合计", "score sum"),
    "share": ("完成率（%）", "share (%)"),
    "spending": ("支出", "spending"),
    "spending_quote": ("支出原文", "spending as stated"),
    "spread": ("分差", "spread"),
    "staff": ("实有人数", "staff"),
    "staff_quote": ("实有人数原文", "staff as stated"),
    "state": ("状态", "state"),
    "stated": ("填报值", "stated"),
    "subtotal": ("明细合计", "subtotal"),
    "table_score": ("自评表总分", "table's total"),
    "table_value": ("自评表中的数", "table's figure"),
    "target": ("目标值", "target"),
    "target_state": ("目标值状态", "target state"),
    "template_row_count": ("模板行数", "template rows"),
    "template_rows": ("模板行", "template rows"),
    "total": ("合计", "total"),
    "uncompared_count": ("无计算符号的指标数", "indicators without comparator"),
    "uncompared_indicators": ("无计算符号的指标", "indicators without comparator"),
    "unit": ("单位", "unit"),
    "unmapped_columns": ("未识别的列", "unmapped columns"),
    "unread_rows": ("未读取的行", "unread rows"),
    "use_category": ("用途类别", "use category"),
    "use_text": ("用途", "use"),
    "weight": ("分值", "weight"),
    "weight_state": ("分值状态", "weight state"),
    "weight_sum": ("分值合计", "weight sum"),
    "what": ("指标性质", "what the name says it is"),
    "why": ("原因", "why"),
}


def _hidden(key: str, evidence: dict[str, str | None], lang: Lang) -> bool:
    """Whether ``key`` is the other language's value, or this language's value shown under its plain key."""
    own, other = ("_zh", "_en") if lang == "zh" else ("_en", "_zh")
    if key.endswith(other) and (lang == "zh" or key[:-3] in evidence):
        return True  # a Chinese report shows no English value; an English one keeps a Chinese value with no pair
    if key.endswith(own) and key[:-3] in evidence:
        return True
    # "denominator_label" (Chinese) gives way to "denominator_en" in an English report.
    return lang == "en" and any(k.endswith("_en") and key.startswith(k[:-3] + "_") for k in evidence if k != key)


def evidence_items(evidence: dict[str, str | None], lang: Lang) -> list[tuple[str, str | None]]:
    """(label, value) in the rule's order, each value in the report's language."""
    own = "_zh" if lang == "zh" else "_en"
    items: list[tuple[str, str | None]] = []
    for key, value in evidence.items():
        if _hidden(key, evidence, lang):
            continue
        shown = evidence.get(key + own, value)
        label = LABELS.get(key.removesuffix(own)) or LABELS.get(key)
        items.append((label[0 if lang == "zh" else 1] if label else key, shown))
    return items
