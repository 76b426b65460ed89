"""The HTML batch index opens with the verdict and the submissions to look at first (issue 14 §4)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from perfrules import validate
from perfrules.model.report import Report
from perfrules.pack.loader import Pack
from perfrules.report.html import render_html
from perfrules.report.html_index import FIRST_LOOK, first_positions
from tests.conftest import FIXTURES, SEED

CLEAN = FIXTURES / "clean" / "project-table-training.yaml"
BROKEN = FIXTURES / "broken" / "project-table-errors.yaml"


@pytest.fixture(scope="module")
def batch(pack: Pack, tmp_path_factory: pytest.TempPathFactory) -> Report:
    folder = tmp_path_factory.mktemp("batch")
    for n in range(12):
        shutil.copy(CLEAN, folder / f"a{n:02d}.yaml")
    shutil.copy(BROKEN, folder / "m-broken.yaml")
    shutil.copy(SEED, folder / "z-seed.json")
    return validate([folder], rules=pack)


def _first_look_sources(index: str) -> list[str]:
    table = index[index.index('id="first-look"') : index.index("</table>", index.index('id="first-look"'))]
    return re.findall(r"<a href=\"[^\"]+\"><code>([^<]+)</code></a>", table)


def test_the_index_opens_with_the_verdict_then_the_submissions_to_look_at_first(batch: Report) -> None:
    index = render_html(batch)["index.html"]
    order = [index.index(marker) for marker in ('id="verdict"', 'id="contents"', 'id="first-look"', 'class="stamp"')]
    assert order == sorted(order)
    assert "14 份材料：不通过 2，出错 0，通过 12" in index
    blocked = [r for r in batch.submissions if r.verdict == "blocked"]
    by_blocking = sorted(blocked, key=lambda r: -sum(f.blocking for f in r.findings))
    assert _first_look_sources(index) == [r.source for r in by_blocking]  # the most blocking first; no passing one


def test_the_first_look_lists_at_most_ten_and_says_how_many_more(batch: Report) -> None:
    many = batch.model_copy(update={"submissions": [batch.submissions[-1]] * (FIRST_LOOK + 3)})
    index = render_html(many)["index.html"]
    assert len(_first_look_sources(index)) == FIRST_LOOK
    assert "另有 3 份" in index
    assert "3 more" in render_html(many, "en")["index.html"]
    calm = batch.model_copy(update={"submissions": [r for r in batch.submissions if r.verdict == "pass"]})
    assert first_positions(calm) == []
    assert "全部通过，没有需要先看的材料。" in render_html(calm)["index.html"]


def test_the_table_of_contents_links_every_section_by_anchor(batch: Report) -> None:
    index = render_html(batch)["index.html"]
    contents = index[index.index('id="contents"') : index.index("</nav>", index.index('id="contents"'))]
    anchors = re.findall(r'href="#([^"]+)"', contents)
    assert anchors[0] == "first" and "sec-per-rule" in anchors and anchors[-1] == "sec-submissions"
    for anchor in anchors:
        assert index.count(f'id="{anchor}"') == 1, anchor


def test_the_rule_table_shows_the_rules_that_fired_and_all_rules_one_click_away(batch: Report) -> None:
    index = render_html(batch)["index.html"]
    fired = index[index.index('id="per-rule"') : index.index("</table>", index.index('id="per-rule"'))]
    fired_ids = re.findall(r'<code class="rid">([^<]+)</code>', fired)
    assert fired_ids == sorted({f.rule_id for r in batch.submissions for f in r.findings})
    titles = {f.rule_id: f.title.zh for r in batch.submissions for f in r.findings}
    assert all(titles[rule_id] in fired for rule_id in fired_ids)
    everything = index[index.index('<details id="all-rules">') : index.index("</details>")]
    assert f"全部规则（{batch.pack.rules}）" in everything
    assert len(re.findall(r'<tr class="rule">', everything)) == batch.pack.rules


def test_long_pointers_wrap_at_separators(batch: Report) -> None:
    broken = next(i for i, r in enumerate(batch.submissions) if r.source.endswith("m-broken.yaml"))
    page = render_html(batch)[f"submissions/{broken + 1:05d}.html"]
    assert "<code>/<wbr>projects/<wbr>0/<wbr>budget_lines/<wbr>0/<wbr>rate</code>" in page
    assert '<div class="wide"><table id="findings">' in page


def test_the_page_names_cjk_fonts_of_windows_macos_and_linux(batch: Report) -> None:
    index = render_html(batch)["index.html"]
    for font in ("Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC"):
        assert f'"{font}"' in index, font


def test_the_batch_index_in_english_keeps_the_same_structure(batch: Report, tmp_path: Path) -> None:
    index = render_html(batch, "en")["index.html"]
    assert "14 submissions: 2 blocked, 0 errors, 12 passed" in index
    assert "Look at these first" in index and "All rules (" in index
