"""The sweep results table: columns, formatting, links, escaping, self-containment."""

from __future__ import annotations

import re

import pytest

from report import render_results_table

COLUMNS = ["run", "step_pct", "net_pnl", "fills", "note"]
ROWS = [
    {"run": "run-001", "step_pct": 0.2, "net_pnl": 12.5, "fills": 9, "note": "ok"},
    {"run": "run-002", "step_pct": 0.1, "net_pnl": -3.25, "fills": 100},
    {"run": "<b>run-003</b>", "step_pct": 0.05, "net_pnl": 1.5e-7, "fills": 10, "note": None},
]


def test_results_table_has_a_header_per_column_and_a_row_per_run() -> None:
    page = render_results_table("Sweep", COLUMNS, ROWS)
    assert re.findall(r'<th scope="col">([^<]*)</th>', page) == COLUMNS
    assert page.count("<tr><td") == len(ROWS)
    assert '<td class="num" data-v="100">100</td>' in page
    assert '<td class="num" data-v="-3.25">-3.2500</td>' in page
    assert '<td class="num" data-v="1.5e-07">0.0000001500</td>' in page  # no e-notation shown


def test_results_table_marks_missing_values_and_escapes_data() -> None:
    page = render_results_table("<i>Sweep</i>", ["<x>", *COLUMNS], ROWS)
    assert "<b>run-003</b>" not in page and "&lt;b&gt;run-003&lt;/b&gt;" in page
    assert "<i>Sweep</i>" not in page and "&lt;i&gt;Sweep&lt;/i&gt;" in page
    assert '<th scope="col">&lt;x&gt;</th>' in page
    assert page.count("<td>—</td>") == len(ROWS) + 2  # "<x>" everywhere, note twice


def test_results_table_links_go_on_the_first_cell_of_their_row_only() -> None:
    page = render_results_table("Sweep", COLUMNS, ROWS, links={0: "run-001/report.html"})
    assert '<td><a href="run-001/report.html">run-001</a></td>' in page
    assert page.count("<a href=") == 1


def test_results_table_refuses_links_with_a_scheme() -> None:
    with pytest.raises(ValueError, match="must be relative"):
        render_results_table("Sweep", COLUMNS, ROWS, links={1: "javascript:alert(1)"})


def test_results_table_page_is_self_contained() -> None:
    page = render_results_table("Sweep", COLUMNS, ROWS)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "src=" not in page and "http" not in page
    assert 'class="sortable"' in page and "addEventListener" in page
