"""JSON Schemas published for editors and integrators, generated from the models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from perfrules.model.report import Report
from perfrules.model.rule import Rule
from perfrules.model.submission import Submission

SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "report.schema.json": (Report, "perfrules report"),
    "submission.schema.json": (Submission, "perfrules submission (预算绩效自评 提交材料)"),
    "rule.schema.json": (Rule, "perfrules rule file"),
}


def schema_text(model: type[BaseModel], title: str) -> str:
    schema: dict[str, Any] = model.model_json_schema(mode="validation" if model is not Report else "serialization")
    schema = {**schema, "$schema": "https://json-schema.org/draft/2020-12/schema", "title": title}
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schemas(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (model, title) in SCHEMAS.items():
        path = out_dir / name
        path.write_text(schema_text(model, title), encoding="utf-8")
        written.append(path)
    return written


def stale_schemas(out_dir: Path) -> list[str]:
    """Names of committed schema files that differ from what the models generate."""
    stale = []
    for name, (model, title) in SCHEMAS.items():
        path = out_dir / name
        if not path.is_file() or path.read_text(encoding="utf-8") != schema_text(model, title):
            stale.append(name)
    return stale
