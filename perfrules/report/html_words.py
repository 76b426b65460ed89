"""The HTML report's words (Chinese, English) and its stylesheet."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "title": ("预算绩效自评审核报告", "Budget-performance self-evaluation review"),
    "error": ("错误", "error"),
    "warning": ("警告", "warning"),
    "info": ("提示", "info"),
    "pass": ("通过", "PASS"),
    "blocked": ("不通过", "BLOCKED"),
    "verdict_error": ("出错", "ERROR"),
    "verdict": ("结论", "verdict"),
    "pack": ("规则包", "rule pack"),
    "content_hash": ("内容哈希", "content hash"),
    "overlays": ("叠加", "overlays"),
    "rules": ("规则数", "rules"),
    "threshold": ("阻断阈值", "fail on"),
    "version": ("perfrules 版本", "perfrules version"),
    "none": ("无", "none"),
    "summary": ("汇总", "Summary"),
    "submissions": ("份数", "submissions"),
    "checked": ("已检查", "checked"),
    "unreadable": ("无法读取", "unreadable"),
    "findings": ("问题", "findings"),
    "per_severity": ("按严重程度", "By severity"),
    "per_rule": ("按规则", "By rule"),
    "per_department": ("按部门", "By department"),
    "submission_list": ("自评材料", "Submissions"),
    "problems": ("无法处理的输入或规则", "Inputs or rules that could not be processed"),
    "rule": ("规则", "rule"),
    "rule_title": ("规则名称", "title"),
    "severity": ("严重程度", "severity"),
    "blocking": ("阻断", "blocking"),
    "with_findings": ("有问题的材料", "submissions with findings"),
    "evaluated": ("已评估", "evaluated"),
    "not_applicable": ("不适用", "not applicable"),
    "errored": ("出错", "errored"),
    "disabled": ("已停用", "disabled"),
    "department": ("部门", "department"),
    "source": ("材料", "source"),
    "fiscal_year": ("年度", "fiscal year"),
    "year_missing": ("年度未填写", "year not stated"),
    "department_missing": ("主管部门未填写", "department not stated"),
    "document_kind": ("文档类型", "document kind"),
    "scheme": ("计分方案", "scoring scheme"),
    "location": ("位置", "location"),
    "project": ("项目 / 指标 / 资金", "project / indicator / fund"),
    "message": ("审核意见", "message"),
    "basis": ("依据", "basis"),
    "evidence": ("取值", "values"),
    "ledger": ("规则执行情况", "Rules run"),
    "status": ("状态", "status"),
    "no_findings": ("未发现问题。", "No findings."),
    "no_submissions": ("没有可检查的材料。", "No submissions were checked."),
    "back": ("返回总览", "Back to overview"),
    "page": ("页", "page"),
    "prev": ("上一页", "previous"),
    "next": ("下一页", "next"),
    "kind": ("类别", "kind"),
    "input": ("输入", "input"),
    "sha256": ("SHA-256", "SHA-256"),
    "index_no": ("序号", "#"),
    "justified": ("已说明", "justified"),
    "waived": ("已豁免", "waived"),
    "new": ("新增", "new"),
    "still_open": ("仍未改正", "still open"),
    "fixed": ("已改正", "fixed"),
    "fixed_title": ("上次报告中有、本次已改正", "Fixed since the previous report"),
    "expired_waivers": ("已过期的豁免（不再生效）", "Expired waivers (no longer applied)"),
    "approver": ("审批人", "approver"),
    "reason": ("理由", "reason"),
    "expires": ("有效期至", "expires"),
    "fingerprint": ("指纹", "fingerprint"),
    "as_of": ("豁免判定日期", "waivers judged on"),
    "waivers": ("豁免清单", "waivers file"),
    "previous": ("对比的上次报告", "previous report"),
    "copies": ("份", "submissions"),
    "findings_title": ("问题", "Findings"),
    "overlay_changes": ("叠加规则对规则包的修改", "What the overlays changed"),
    "changes": ("修改", "changes"),
    "comma": ("，", ", "),
    "semicolon": ("；", "; "),
    "items": ("条", "findings"),
    "all_rules": ("全部规则", "All rules"),
}
KIND: dict[str, tuple[str, str]] = {
    "project_table": ("项目支出绩效自评表", "project self-evaluation table"),
    "department_table": ("部门整体支出绩效自评表", "department-wide self-evaluation table"),
    "department_scorecard": ("部门整体支出绩效评分表", "department-wide scorecard"),
    "narrative_report": ("自评报告", "narrative report"),
}

# Reviewers print these pages; colours are backed by text labels so greyscale printouts still read.
CSS = """
body{font-family:"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC",
"WenQuanYi Micro Hei","SimSun",system-ui,sans-serif;
margin:1.5rem auto;max-width:1200px;padding:0 1rem;color:#1f2328;line-height:1.5}
h1{font-size:1.5rem;margin:0 0 .5rem}h2{font-size:1.15rem;margin:1.75rem 0 .5rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
code{font-family:ui-monospace,Consolas,monospace;font-size:.85em;overflow-wrap:anywhere}
.headline{font-size:1.1rem;margin:.25rem 0 .5rem}nav.toc{margin:.25rem 0 .75rem;font-size:.9rem}
#first-look{margin-top:.25rem}details{margin:.5rem 0}details summary{cursor:pointer;color:#0969da}
#findings th:nth-child(1),#findings td:nth-child(1){white-space:nowrap}
#findings td:nth-child(2){min-width:9em}#findings td:nth-child(3){min-width:10em}
#findings td:nth-child(4){min-width:7em}#findings td:nth-child(5){min-width:16em}#findings td:nth-child(6){min-width:10em}
.wide{overflow-x:auto}
.verdict{display:inline-block;padding:.15rem .6rem;border-radius:4px;font-weight:bold;color:#fff}
.v-pass{background:#1a7f37}.v-blocked{background:#cf222e}.v-error{background:#9a6700}
.sev{display:inline-block;padding:0 .4rem;border-radius:3px;font-size:.8rem;white-space:nowrap}
.sev-error .sev{background:#ffebe9;color:#a40e26;border:1px solid #ff8182}
.sev-warning .sev{background:#fff8c5;color:#7d4e00;border:1px solid #d4a72c}
.sev-info .sev{background:#ddf4ff;color:#0a3069;border:1px solid #54aeff}
tr.blocking td:first-child{border-left:4px solid #cf222e}
.muted{color:#656d76;font-size:.85em}.note{color:#0a3069;font-size:.85em}
code.rid{white-space:nowrap;word-break:normal}.tag{font-size:.75rem;color:#cf222e;margin-left:.3rem}
dl.stamp{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.5rem 0}
dl.stamp dt{color:#656d76}dl.stamp dd{margin:0}
nav.pager a,nav.pager span{margin-right:.4rem}nav.pager span.current{font-weight:bold}
@media print{nav.pager{display:none}a{color:inherit;text-decoration:none}}
"""
