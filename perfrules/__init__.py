"""perfrules: budget-performance self-evaluation rules as code.

The public API is deliberately small::

    import perfrules
    report = perfrules.validate(["submission.json"])
    report.verdict          # "pass" | "blocked" | "error"
    report.exit_code        # 0 | 1 | 2
"""

from perfrules._version import __version__
from perfrules.model.report import Finding, Report
from perfrules.model.rule import Rule, Severity
from perfrules.model.submission import DocumentKind, Submission
from perfrules.pack.loader import Pack, load_pack
from perfrules.validate import validate

__all__ = [
    "DocumentKind",
    "Finding",
    "Pack",
    "Report",
    "Rule",
    "Severity",
    "Submission",
    "__version__",
    "load_pack",
    "validate",
]
