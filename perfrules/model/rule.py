"""The rule file format: what a rule author writes, validated strictly.

Unknown keys are errors (``extra="forbid"``) so that a misspelt ``severty`` never turns a
blocking rule into a silent one.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from perfrules.model.submission import DocumentKind

RULE_ID_PATTERN = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$"
IDENTIFIER_PATTERN = r"^[a-z][a-z0-9_]*$"
"""Every name from a rule file that reaches SQL (evidence, parameters, columns, tables, lookups)."""
_IDENTIFIER = re.compile(IDENTIFIER_PATTERN)
MAX_IDENTIFIER = 63


def check_identifier(name: str) -> str:
    """``name`` if it is a plain lower-case identifier, else ValueError with a bilingual reason.

    Names are quoted by sqlglot when emitted too; refusing anything else at load time means a
    hostile name never gets as far as the compiler."""
    if not isinstance(name, str) or len(name) > MAX_IDENTIFIER or not _IDENTIFIER.fullmatch(name):
        raise ValueError(
            f"名称 {name!r} 不合规：只能用小写字母、数字和下划线，以字母开头，最多 {MAX_IDENTIFIER} 个字符 / "
            f"name {name!r} is not an identifier: lower-case letters, digits and _, starting with a letter, "
            f"at most {MAX_IDENTIFIER} characters"
        )
    return name


Identifier = Annotated[str, AfterValidator(check_identifier)]
SEVERITIES = ("error", "warning", "info")


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


PLACEHOLDER_FORMATS = ("money", "percent")
"""``{name:money}`` (an amount in 元 shown in the submitter's unit, per evidence ``money_unit``) and
``{name:percent}`` (a fraction shown as a percentage): how a message shows a value; the JSON keeps the plain value."""


class Bilingual(_Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Basis(_Strict):
    document: str = Field(description="e.g. 财预〔2020〕10号")
    clause: str | None = Field(None, description="article or section; omit article numbers for [R] sources")
    verification: Literal["V", "C", "P", "R"] = Field(
        description="V verbatim, C corroborated, P paraphrase, R unverified recollection"
    )
    note: str | None = None

    @property
    def unverified(self) -> bool:
        return self.verification == "R"


ParamValue = Decimal | int | bool | str | list[str]


class Parameter(_Strict):
    default: ParamValue
    description: str | None = None


class Effective(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_year: int | None = Field(None, alias="from", ge=1990, le=2100)
    to_year: int | None = Field(None, alias="to", ge=1990, le=2100)

    def covers(self, year: int) -> bool:
        return (self.from_year is None or year >= self.from_year) and (self.to_year is None or year <= self.to_year)


ConditionOp = Literal[
    "eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "is_missing", "is_present", "is_blank", "matches"
]


class Condition(_Strict):
    """One comparison of a column against a value, a parameter or another column."""

    column: Identifier
    op: ConditionOp
    value: ParamValue | None = None
    other: Identifier | None = Field(None, description="another column to compare with")


GroupBy = Literal["submission", "project", "fund", "department"]
"""``department`` groups a department's documents of one fiscal year across the batch (scope: batch)."""


class RowCheck(_Strict):
    """Flags each row where the conditions hold."""

    kind: Literal["row"]
    match: Literal["all", "any"] = "all"
    fails_when: list[Condition] = Field(min_length=1)
    where: str | None = None


class SqlCheck(_Strict):
    """Flags each row where a restricted SQL boolean expression is true."""

    kind: Literal["sql"]
    fails_when: str
    where: str | None = None


class AggregateCheck(_Strict):
    """Flags each group whose aggregate expression is true."""

    kind: Literal["aggregate"]
    group_by: GroupBy
    fails_when: str
    where: str | None = None


class RatioCheck(_Strict):
    """Flags each group where the share of rows matching ``matching`` fails ``fails_when``.

    ``fails_when`` may use ``ratio`` (a DECIMAL(18,4) share), ``matched`` and ``total``.
    """

    kind: Literal["ratio"]
    group_by: GroupBy
    matching: str
    fails_when: str
    min_rows: int = Field(1, ge=1)
    where: str | None = None


class ReferenceCheck(_Strict):
    """Flags each row whose values have no entry in a reference table for its fiscal year."""

    kind: Literal["reference"]
    lookup: Identifier = Field(description="name of a CSV under rules/reference/ (without .csv)")
    keys: dict[Identifier, Identifier] = Field(min_length=1, description="table column → lookup column")
    where: str | None = None
    allowed_column: Identifier | None = Field(
        None, description="lookup column listed as `allowed` evidence (the values that would have matched)"
    )


class TextPatternCheck(_Strict):
    """Flags each row whose text column matches any of the regular expressions (RE2 syntax)."""

    kind: Literal["text_pattern"]
    column: Identifier
    patterns: list[str] = Field(min_length=1)
    where: str | None = None


Check = Annotated[
    RowCheck | SqlCheck | AggregateCheck | RatioCheck | ReferenceCheck | TextPatternCheck,
    Field(discriminator="kind"),
]
CHECK_KINDS = ("row", "sql", "aggregate", "ratio", "reference", "text_pattern")


class ExpectedFinding(_Strict):
    at: str = Field(description="JSON pointer the finding must point at, e.g. /projects/0/indicators/1/score")
    count: int = Field(1, ge=1)


class Example(_Strict):
    name: str
    expect: Literal["pass", "fail"]
    submission: dict[str, Any]
    findings: list[ExpectedFinding] = Field(default_factory=list)

    @model_validator(mode="after")
    def _findings_match_expectation(self) -> Example:
        # A must-fail example that names no finding would pass without the rule ever firing.
        if self.expect == "fail" and not self.findings:
            raise ValueError("expect: fail 的示例须列出 findings / a must-fail example must list its findings")
        if self.expect == "pass" and self.findings:
            raise ValueError("expect: pass 的示例不能有 findings / a must-pass example cannot list findings")
        return self


class Rule(_Strict):
    id: str = Field(pattern=RULE_ID_PATTERN)
    version: str = Field(pattern=r"^\d+\.\d+(\.\d+)?$")
    status: Literal["active", "draft", "deprecated"] = "active"
    enabled: bool = Field(True, description="false: shipped switched off, for an overlay to switch on")
    effective: Effective = Field(default_factory=Effective)
    severity: Severity
    title: Bilingual
    message: Bilingual
    basis: list[Basis] = Field(
        min_length=1,
        description="what binds the filer: national documents, or the overlay region's own; shown to the submitter",
    )
    provenance: list[Basis] = Field(
        default_factory=list,
        description=(
            "where the rule came from when that does not bind the filer (public source code, a document-sharing"
            " site, another region's guidance): kept in the JSON, never printed in text, HTML or annotated outputs"
        ),
    )
    parameters: dict[Identifier, Parameter] = Field(default_factory=dict)
    table: Identifier
    applies_to: list[DocumentKind] = Field(
        default_factory=lambda: [DocumentKind.PROJECT_TABLE, DocumentKind.DEPARTMENT_TABLE]
    )
    scope: Literal["submission", "batch"] = "submission"
    points_at: Identifier
    evidence: dict[Identifier, str] = Field(default_factory=dict)
    check: Check
    examples: list[Example] = Field(default_factory=list)

    @field_validator("basis", "provenance", mode="before")
    @classmethod
    def _one_basis_is_a_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value

    @property
    def major(self) -> str:
        return self.version.split(".")[0]

    @property
    def unverified(self) -> bool:
        return all(b.unverified for b in self.basis)

    @functools.cached_property
    def needs_year(self) -> bool:
        """Whether the rule cannot judge a submission without its fiscal year: it is bounded to
        years, or its check reads the year (a year's classification codes, say)."""
        bounded = self.effective.from_year is not None or self.effective.to_year is not None
        if self.id == "DATA-YEAR-MISSING":  # the one rule whose whole point is a missing year
            return bounded
        return bounded or "fiscal_year" in self.model_dump_json(include={"check", "evidence"})

    def applies(self, kind: DocumentKind, fiscal_year: int | None) -> bool:
        """Whether the rule checks a submission of this kind and year (its status aside); a
        submission without a year is checked by every rule that does not need one."""
        if kind not in self.applies_to:
            return False
        return not self.needs_year if fiscal_year is None else self.effective.covers(fiscal_year)

    def parameter_values(self, overrides: dict[str, ParamValue] | None = None) -> dict[str, ParamValue]:
        values = {name: p.default for name, p in self.parameters.items()}
        values.update(overrides or {})
        return values
