"""``perfrules test``: a rule pack's examples, property tests, and optionally coverage and mutation.

Exit codes, as for ``perfrules check``: 0 everything passed, 1 an example or property failed,
2 the pack itself has problems (a rule that does not load is not tested at all).
Coverage and mutation results inform; they do not change the exit code.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from perfrules.pack.loader import REFERENCE_DIR, Pack, Problem, load_pack
from perfrules.testing import coverage as coverage_mod
from perfrules.testing import mutation as mutation_mod
from perfrules.testing import properties
from perfrules.testing.examples import ExamplesRun, forget_lines, format_failure, run_examples
from perfrules.testing.strategies import Vocabulary

EXIT_OK, EXIT_FAILED, EXIT_PACK = 0, 1, 2


def default_examples() -> int:
    """Hypothesis examples per property: fewer on CI, where every run of every branch pays."""
    return 25 if os.environ.get("CI") else 50


def _pack_root(path: Path) -> Path:
    """The folder holding a rule file's pack: the nearest one with reference tables or a pack.yaml."""
    for parent in path.resolve().parents:
        if (parent / REFERENCE_DIR).is_dir() or (parent / "pack.yaml").is_file():
            return parent
    return path.parent


def load_target(path: Path) -> Pack:
    """A folder is a pack; a single rule file is tested with its pack's reference tables."""
    if path.is_dir():
        return load_pack(path)
    if not path.is_file():
        pack = Pack(name=str(path), root=str(path))
        pack.problems.append(Problem(str(path), None, None, "找不到规则文件或目录 / no such rule file or folder"))
        return pack
    pack = load_pack(_pack_root(path))
    same = path.resolve()
    pack.rules = [r for r in pack.rules if Path(r.file).resolve() == same]
    pack.problems = [p for p in pack.problems if Path(p.file).resolve() == same]
    if not pack.rules and not pack.problems:
        pack.problems.append(Problem(str(path), None, None, "不是规则包中的规则文件 / not a rule file of a pack"))
    return pack


class _Section:
    """Prints a heading and, when done, how long the section took."""

    def __init__(self, out: TextIO, title: str) -> None:
        self.out = out
        self.start = time.perf_counter()
        out.write(f"\n{title}\n")

    def done(self, line: str) -> None:
        self.out.write(f"  {line}（{time.perf_counter() - self.start:.1f} 秒 / s）\n")


def _test_pack(path: Path, *, coverage: bool, mutate: bool, examples: int, out: TextIO) -> int:
    forget_lines()
    pack = load_target(path)
    out.write(f"== perfrules test {path} — {pack.name}: {len(pack.rules)} 条规则 / rules ==\n")
    code = _report_problems(pack, out)
    run, failed = _examples_section(pack, out)
    bounds, bounds_failed = _boundaries_section(pack, out)
    failed |= bounds_failed
    failed |= _properties_section(pack, run, examples, out)
    if coverage:
        _coverage_section(pack, out)
    if mutate:
        _mutation_section(pack, bounds, out)
    if code == EXIT_OK and failed:
        code = EXIT_FAILED
    _write_verdict(path, pack, code, out)
    return code


def _report_problems(pack: Pack, out: TextIO) -> int:
    """Lists the pack's problems; EXIT_PACK if there are any."""
    if not pack.problems:
        return EXIT_OK
    out.write(f"\n规则包问题 / pack problems ({len(pack.problems)})\n")
    for problem in pack.problems:
        out.write(f"✗ {problem}\n")
    return EXIT_PACK


def _examples_section(pack: Pack, out: TextIO) -> tuple[ExamplesRun, bool]:
    """Runs the examples; the run (its clean submissions seed the properties) and whether any failed."""
    section = _Section(out, "示例 / examples")
    run = run_examples(pack)
    for failure in run.failures:
        out.write(format_failure(failure) + "\n")
    passed = len(run.results) - len(run.failures)
    section.done(f"{'✓' if not run.failures else '✗'} {passed}/{len(run.results)} 个示例通过 / examples passed")
    return run, bool(run.failures)


def _boundaries_section(pack: Pack, out: TextIO) -> tuple[properties.BoundaryResult, bool]:
    """Runs the boundary pairs; the result (mutation reuses its suites) and whether any failed."""
    section = _Section(out, "边界值 / boundary pairs")
    bounds = properties.run_boundaries(pack)
    for b in bounds.failures:
        out.write(properties.format_boundary_failure(b) + "\n")
    mark = "✓" if not bounds.failures else "✗"
    section.done(
        f"{mark} {len(bounds.suites)} 条规则 {bounds.comparisons} 处比较，检验 {bounds.values} 个取值，"
        f"{bounds.hits} 处正好落在边界上 / {len(bounds.suites)} rules, {bounds.comparisons} comparisons, "
        f"{bounds.values} values checked, {bounds.hits} hit exactly on the bound"
    )
    return bounds, bool(bounds.failures)


def _properties_section(pack: Pack, run: ExamplesRun, examples: int, out: TextIO) -> bool:
    """Runs the metamorphic properties; whether any broke."""
    seed_value = properties.default_seed(pack)
    section = _Section(
        out,
        f"性质测试 / properties（每轮最多 {examples} 个生成样本 / up to {examples} generated examples a round, seed {seed_value}）",
    )
    results = properties.run_metamorphic(
        pack, vocabulary=Vocabulary.from_pack(pack), clean_pool=run.clean_submissions(), max_examples=examples,
        seed_value=seed_value,
    )  # fmt: skip
    for result in results:
        out.write(
            f"  {'✗' if result.failures else '✓'} {result.label}" + (f"（{result.note}）" if result.note else "") + "\n"
        )
        for broken_property in result.failures:
            out.write(properties.format_property_failure(broken_property) + "\n")
    broken = sum(1 for r in results if r.failures)
    checked = max((r.checked for r in results), default=0)
    section.done(
        f"{'✓' if not broken else '✗'} {len(results) - broken}/{len(results)} 项性质成立，共 {checked} 个样本 / properties hold over {checked} examples"
    )
    return bool(broken)


def _coverage_section(pack: Pack, out: TextIO) -> None:
    """What the examples cover; it informs, and does not change the exit code."""
    section = _Section(out, "覆盖 / coverage")
    items = coverage_mod.analyse(pack)
    out.write(coverage_mod.format_coverage(items) + "\n")
    section.done("完成 / done")


def _mutation_section(pack: Pack, bounds: properties.BoundaryResult, out: TextIO) -> None:
    """Mutants of each rule, judged by the examples and the boundary suites; informs, like coverage."""
    section = _Section(out, "变异测试 / mutation")
    mutants = mutation_mod.run_mutation(pack, {s.rule.rule.id: s for s in bounds.suites})
    out.write(mutation_mod.format_mutation(mutants) + "\n")
    section.done(f"杀死率 / kill ratio {mutants.ratio:.1%}")


def _write_verdict(path: Path, pack: Pack, code: int, out: TextIO) -> None:
    """The last line: passed, failed, or the pack has problems (and how many rule files did not load)."""
    verdict = {
        EXIT_OK: "通过 / passed",
        EXIT_FAILED: "未通过 / failed",
        EXIT_PACK: "规则包有问题 / the pack has problems",
    }[code]
    if pack.problems:
        not_run = len({problem.file for problem in pack.problems})
        verdict += f"：{not_run} 个规则文件未能加载，未运行 / {not_run} rule files failed to load and were not run"
    out.write(f"\n{'✓' if code == EXIT_OK else '✗'} {path}: {verdict}\n")


def run(
    paths: Sequence[str | Path],
    *,
    coverage: bool = False,
    mutate: bool = False,
    examples_per_property: int | None = None,
    out: TextIO,
) -> int:
    """Test each rule pack (folder) or rule file; return 0 all pass, 1 failures, 2 pack problems."""
    examples = examples_per_property or default_examples()
    codes = [_test_pack(Path(p), coverage=coverage, mutate=mutate, examples=examples, out=out) for p in paths]
    return max(codes, default=EXIT_OK)
