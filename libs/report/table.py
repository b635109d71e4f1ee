"""A parameter sweep's results as one sortable HTML table."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlsplit

from report._format import value_cell
from report._page import document

# Click a header: ascending, click again: descending. Numbers (data-v) compare numerically and
# always sort before text and missing values; Array.sort is stable, so ties keep their order.
_SORT_JS = """
document.addEventListener("DOMContentLoaded", () => {
  for (const table of document.querySelectorAll("table.sortable")) {
    const heads = Array.from(table.tHead.rows[0].cells);
    heads.forEach((th, col) => th.addEventListener("click", () => {
      const dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      heads.forEach((h) => h.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      const key = (row) => {
        const cell = row.cells[col];
        return cell.dataset.v !== undefined ? Number(cell.dataset.v) : cell.textContent;
      };
      const body = table.tBodies[0];
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const x = key(a), y = key(b);
        const nx = typeof x === "number", ny = typeof y === "number";
        if (nx !== ny) return nx ? -1 : 1;
        if (!nx) return x.localeCompare(y, undefined, {numeric: true}) * dir;
        return (x < y ? -1 : x > y ? 1 : 0) * dir;
      });
      body.append(...rows);
    }));
  }
});
"""


def render_results_table(
    title: str,
    columns: list[str],
    rows: list[dict[str, Any]],
    links: dict[int, str] | None = None,
) -> str:
    """A self-contained page: ``rows`` under ``columns``, sortable by clicking a header.

    ``links[i]`` is a relative href (e.g. ``run-003/report.html``) put on row ``i``'s first
    cell; a missing key in a row shows as an em dash.
    """
    links = links or {}
    for index, href in links.items():
        if urlsplit(href).scheme:
            raise ValueError(f"link for row {index} must be relative, got {href!r}")
    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in columns)
    body_rows = []
    for index, row in enumerate(rows):
        cells = [
            value_cell(row.get(column), link=links.get(index) if pos == 0 else None)
            for pos, column in enumerate(columns)
        ]
        body_rows.append(f"<tr>{''.join(cells)}</tr>")
    body = (
        f"<h1>{html.escape(title)}</h1>\n"
        f'<p class="meta">{len(rows)} rows · click a column header to sort</p>\n'
        f'<table class="sortable" id="results">\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{chr(10).join(body_rows)}\n</tbody>\n</table>"
    )
    return document(title, body, head_scripts=[_SORT_JS])
