"""A self-contained ``index.html`` that shows the metrics table and every plot of a report folder.

Plots are referenced by relative file name, so the folder can be moved or served as it is.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Mapping, Sequence

from siamkit.core.fileio import atomic_path

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f3f3f3; }
figure { display: inline-block; margin: 0.5em; vertical-align: top; }
figure img { max-width: 520px; border: 1px solid #ddd; }
figcaption { font-size: 0.9em; color: #555; max-width: 520px; }
.note { color: #555; font-size: 0.9em; }
"""


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return html.escape(str(value))


def flatten(metrics: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` → ``{"a.b": 1}``; lists become comma-separated text."""
    flat: dict[str, Any] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, (list, tuple)):
            flat[name] = ", ".join(str(v) for v in value)
        else:
            flat[name] = value
    return flat


def metrics_table(columns: Mapping[str, Mapping[str, Any]]) -> str:
    """An HTML table: one row per (flattened) metric, one column per named metrics dict."""
    flat = {name: flatten(m) for name, m in columns.items()}
    rows: list[str] = []
    keys = dict.fromkeys(k for m in flat.values() for k in m)  # first-seen order, no repeats
    for key in keys:
        cells = "".join(f"<td>{_fmt(flat[c].get(key, ''))}</td>" for c in flat)
        rows.append(f"<tr><td>{html.escape(key)}</td>{cells}</tr>")
    head = "".join(f"<th>{html.escape(c)}</th>" for c in flat)
    return f"<table><thead><tr><th>metric</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def write_html_report(
    path: str | Path,
    title: str,
    columns: Mapping[str, Mapping[str, Any]],
    figures: Sequence[tuple[str, str]],
    notes: Sequence[str] = (),
) -> Path:
    """Write ``index.html`` at ``path`` (atomically): ``title``, ``notes``, the metrics table of
    ``columns`` and every ``(file name relative to the page, caption)`` of ``figures``."""
    path = Path(path)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        *(f'<p class="note">{html.escape(n)}</p>' for n in notes),
        "<h2>Metrics</h2>",
        metrics_table(columns),
        "<h2>Plots</h2>",
    ]
    for name, caption in figures:
        src = html.escape(name, quote=True)
        parts.append(
            f'<figure><a href="{src}"><img src="{src}" alt="{html.escape(caption, quote=True)}"></a>'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
    parts.append("</body></html>")
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path
