"""perfrules: budget-performance self-evaluation rules as code.

The public API is deliberately small; everything here is documented in docs/api.md::

    import perfrules
    report = perfrules.validate(["submission.json"])
    report.verdict          # "pass" | "blocked" | "error"
    report.exit_code        # 0 | 1 | 2
    print(perfrules.render_text(report))

Names not listed in ``__all__`` (including every subpackage) are internal and may change.
"""

from perfrules._version import __version__
from perfrules.engine.base import Engine, EngineResult
from perfrules.engine.duckdb_engine import DuckDBEngine, EngineSettings
from perfrules.engine.registry import register_engine
from perfrules.errors import MissingDependency, PerfrulesError
from perfrules.findings.review import Review
from perfrules.model.report import Finding, Problem, Report
from perfrules.model.rule import Rule, Severity
from perfrules.model.submission import DocumentKind, Submission
from perfrules.pack.loader import Pack, load_pack
from perfrules.pack.location import default_rules_dir
from perfrules.plugins import load_plugins
from perfrules.read.documents import ReadResult
from perfrules.read.inputs import Reader, iter_inputs, read_inputs, register_reader
from perfrules.report.html import write_html
from perfrules.report.json import load_report, render_json
from perfrules.report.junit import render_junit
from perfrules.report.text import render_text
from perfrules.report.writers import Writer, register_writer
from perfrules.run import RunSettings, run_pack, validate

__all__ = [
    "DocumentKind",
    "DuckDBEngine",
    "Engine",
    "EngineResult",
    "EngineSettings",
    "Finding",
    "MissingDependency",
    "Pack",
    "PerfrulesError",
    "Problem",
    "ReadResult",
    "Reader",
    "Report",
    "Review",
    "Rule",
    "RunSettings",
    "Severity",
    "Submission",
    "Writer",
    "__version__",
    "default_rules_dir",
    "iter_inputs",
    "load_pack",
    "load_plugins",
    "load_report",
    "read_inputs",
    "register_engine",
    "register_reader",
    "register_writer",
    "render_json",
    "render_junit",
    "render_text",
    "run_pack",
    "validate",
    "write_html",
]
