"""report.html: one self-contained page (inline CSS, PNGs as data URIs, nothing fetched).

A Content-Security-Policy forbids any other source, and a tiny script sets ``data-plots-loaded``
on ``<body>`` to the number of decoded images once the page has loaded (``data-plots`` is the total).
"""

from __future__ import annotations

import base64
import re
from html import escape

from perfharness.report.content import BANNER, BANNER_DETAIL, Plot, Report, Table

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
NUMBER = re.compile(r"^-?[\d.,]+%?$")
STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 1100px; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ccc; margin-top: 1.8em; }
.banner { background: #b00020; color: #fff; font-weight: bold; padding: .6em 1em; border-radius: 4px; }
table { border-collapse: collapse; margin: .8em 0; font-size: 13px; }
caption { text-align: left; font-weight: 600; padding: .2em 0; }
th, td { border: 1px solid #ddd; padding: .25em .6em; vertical-align: top; }
th { background: #f3f3f3; text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.PASS { color: #1b5e20; font-weight: 600; } td.FAIL { color: #b00020; font-weight: 600; }
figure { margin: 1em 0; } figcaption { font-weight: 600; } img { max-width: 100%; height: auto; }
"""
SCRIPT = """window.addEventListener("load", () => {
  const images = Array.from(document.images);
  document.body.dataset.plotsLoaded = images.filter((i) => i.complete && i.naturalWidth > 0).length;
});"""


def render_html(report: Report) -> str:
    """The page as a string."""
    plots = sum(isinstance(item, Plot) for section in report.sections for item in section.items)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>{escape(report.title)}</title><style>{STYLE}</style></head>",
        f'<body data-plots="{plots}">', f"<h1>{escape(report.title)}</h1>",
    ]
    if report.incomplete:
        parts.append(f'<p class="banner" role="alert">{BANNER}: {BANNER_DETAIL}</p>')
    for section in report.sections:
        parts.append(f"<section><h2>{escape(section.title)}</h2>")
        parts += [_item(item) for item in section.items]
        parts.append("</section>")
    parts += [f"<script>{SCRIPT}</script>", "</body></html>", ""]
    return "\n".join(parts)


def _item(item: str | Table | Plot) -> str:
    if isinstance(item, Table):
        return _table(item)
    if isinstance(item, Plot):
        data = base64.b64encode(item.png).decode("ascii")
        return (f'<figure id="plot-{item.name}"><figcaption>{escape(item.title)}</figcaption>'
                f'<img alt="{escape(item.title)}" src="data:image/png;base64,{data}"></figure>')
    return f"<p>{escape(item)}</p>"


def _table(table: Table) -> str:
    caption = f"<caption>{escape(table.caption)}</caption>" if table.caption else ""
    head = "" if not any(table.headers) else "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in table.headers) + "</tr>"
    body = "".join("<tr>" + "".join(_cell(cell, table.numeric) for cell in row) + "</tr>" for row in table.rows)
    return f"<table>{caption}<thead>{head}</thead><tbody>{body}</tbody></table>"


def _cell(value: str, numeric: bool) -> str:
    css = "n" if numeric and NUMBER.match(value) else value if value in ("PASS", "FAIL") else ""
    return f'<td class="{css}">{escape(value)}</td>' if css else f"<td>{escape(value)}</td>"
