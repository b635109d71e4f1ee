"""The HTML document shell shared by every report page: one file, inline CSS and scripts."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from report._format import value_cell

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
       margin: 0 auto; padding: 1.5rem 2rem 3rem; max-width: 1280px; }
h1 { margin: 0 0 .25rem; font-size: 1.6rem; }
h2 { margin: 2rem 0 .5rem; font-size: 1.2rem; border-bottom: 1px solid #d0d7de; }
.meta { color: #57606a; margin: 0; }
.headline { font-size: 1.1rem; margin: .75rem 0 0; }
.empty { color: #57606a; font-style: italic; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: .25rem .75rem; border-bottom: 1px solid #eaeef2; text-align: left; }
td.num { text-align: right; }
table.sortable th { cursor: pointer; user-select: none; white-space: nowrap; }
table.sortable th[aria-sort="ascending"]::after { content: " \\25B2"; }
table.sortable th[aria-sort="descending"]::after { content: " \\25BC"; }
pre { background: #f6f8fa; padding: 1rem; overflow: auto; border-radius: 6px; }
"""


def document(title: str, body: str, *, head_scripts: Sequence[str] = ()) -> str:
    """A complete page; ``title`` is escaped here, ``body`` and scripts are trusted HTML/JS."""
    scripts = "".join(f'<script type="text/javascript">{js}</script>\n' for js in head_scripts)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n{scripts}"
        f"</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def section(section_id: str, heading: str, content: str) -> str:
    return f'<section id="{section_id}">\n<h2>{heading}</h2>\n{content}\n</section>'


def empty(text: str) -> str:
    """What a section shows instead of a chart or table it has no data for."""
    return f'<p class="empty">{text}</p>'


def summary_table(summary: dict[str, Any]) -> str:
    """The "Summary" section: one row per metric, in the dict's order."""
    if not summary:
        return section("summary", "Summary", empty("No metrics."))
    rows = "\n".join(
        f'<tr><th scope="row">{html.escape(str(k))}</th>{value_cell(v)}</tr>'
        for k, v in summary.items()
    )
    return section("summary", "Summary", f"<table>\n<tbody>\n{rows}\n</tbody>\n</table>")
