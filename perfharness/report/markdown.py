"""report.md: the same content as GitHub-flavoured Markdown, plots referenced as ``plots/<name>.png``."""

from __future__ import annotations

from perfharness.report.content import BANNER, BANNER_DETAIL, Plot, Report, Table
from perfharness.results.run_dir import PLOTS


def render_markdown(report: Report) -> str:
    """The document as a string."""
    lines = [f"# {report.title}", ""]
    if report.incomplete:
        lines += [f"> **{BANNER}**: {BANNER_DETAIL}", ""]
    for section in report.sections:
        lines += [f"## {section.title}", ""]
        for item in section.items:
            lines += _item(item) + [""]
    return "\n".join(lines)


def plot_path(plot: Plot) -> str:
    """Where a plot's PNG lives, relative to the run directory."""
    return f"{PLOTS}/{plot.name}.png"


def _item(item: str | Table | Plot) -> list[str]:
    if isinstance(item, Table):
        caption = [f"**{_escape(item.caption)}**", ""] if item.caption else []
        rows = [item.headers, tuple("---" for _ in item.headers), *item.rows]
        return caption + ["| " + " | ".join(_escape(cell) for cell in row) + " |" for row in rows]
    if isinstance(item, Plot):
        return [f"![{_escape(item.title)}]({plot_path(item)})"]
    return [item]


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
