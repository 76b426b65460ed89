"""The pages' words: Chinese first, English with ``?lang=en``."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "title": ("预算绩效自评校验", "Performance self-evaluation checks"),
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "login_failed": ("用户名或密码错误", "Wrong user name or password"),
    "login_limited": ("登录失败次数过多，请稍后再试", "Too many failed logins; try again later"),
    "csrf": (
        "表单已过期或来源不明，请重新打开页面再提交",
        "The form expired or did not come from this site; reload it",
    ),
    "upload": ("上传材料", "Upload"),
    "upload_hint": (
        "可一次选择多个文件：.json .yaml .xlsx .xls .txt .docx .pdf .html",
        "One or several files: .json .yaml .xlsx .xls .txt .docx .pdf .html",
    ),
    "choose": ("选择文件", "Files"),
    "submit": ("提交校验", "Check"),
    "mine": ("我的提交", "My submissions"),
    "file": ("文件", "File"),
    "department": ("部门", "Department"),
    "year": ("年度", "Year"),
    "verdict": ("结论", "Verdict"),
    "uploaded": ("上传时间", "Uploaded"),
    "none": ("暂无", "None yet"),
    "pass": ("通过", "pass"),
    "blocked": ("不通过", "blocked"),
    "error": ("无法校验", "error"),
    "findings": ("问题清单", "Findings"),
    "problems": ("无法读取的内容", "Problems"),
    "by_project": ("按项目", "By project"),
    "whole": ("文档整体", "Whole document"),
    "rule": ("规则", "Rule"),
    "severity": ("级别", "Severity"),
    "where": ("位置", "Where"),
    "message": ("说明", "Message"),
    "state": ("状态", "State"),
    "annotated": ("下载批注副本", "Download the annotated copy"),
    "resubmit": ("重新提交（改正后）", "Resubmit (after fixing)"),
    "diff": ("与上次提交相比", "Against the last upload"),
    "new": ("新增", "new"),
    "still_open": ("仍未改正", "still open"),
    "fixed": ("已改正", "fixed"),
    "justify": ("说明理由", "Justify"),
    "waive": ("豁免", "Waive"),
    "reason": ("理由", "Reason"),
    "expires": ("有效期至", "Expires"),
    "justified": ("已说明", "justified"),
    "waived": ("已豁免", "waived"),
    "open": ("待处理", "open"),
    "year_view": ("年度总览", "The year at a glance"),
    "per_rule": ("各规则问题数", "Findings per rule"),
    "count": ("数量", "Count"),
    "show": ("查看", "Show"),
    "back": ("返回", "Back"),
    "lang_other": ("English", "中文"),
}


def text(key: str, lang: str) -> str:
    zh, en = TEXTS.get(key, (key, key))
    return en if lang == "en" else zh
