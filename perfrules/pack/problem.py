"""A problem with a rule file (a rule, a reference table, an overlay, a waivers file), located for an editor."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rule file, located for an editor."""

    file: str
    line: int | None
    column: int | None
    message: str
    rule_id: str | None = None
    code: str = "rule.load"
    """The report's stable problem code (model.report.PROBLEM_CODES) when this reaches a report."""

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "") + (f":{self.column}" if self.column else "")
        return f"{where}: {'[' + self.rule_id + '] ' if self.rule_id else ''}{self.message}"
