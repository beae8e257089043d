"""Bar charts as SVG drawn on the server (no script, no library, nothing the page's CSP must
allow): columns for a series over weeks, rows for a mix of categories. Each chart names itself
for screen readers, and the page gives its figures in a table beside it. A count between 1 and 4
is drawn and written as "< 5" (figures only, and never small enough to point at a person)."""
from __future__ import annotations

from html import escape

SMALL = 5
WIDTH, HEIGHT = 640, 220


def shown(count: int) -> str:
    """A count as the dashboard says it: "< 5" for 1 to 4."""
    return "< 5" if 0 < count < SMALL else f"{count:,}".replace(",", "\u202f")


def _height(count: float) -> float:
    return max(count, SMALL) if 0 < count < SMALL else count


def columns(title: str, labels: list[str], values: list[float], *, percent: bool = False) -> str:
    """One column per label (weeks, left to right)."""
    top = max([_height(v) for v in values] + [100.0 if percent else 1.0])
    step = (WIDTH - 40) / max(len(values), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + 40}" role="img" '
             f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = (HEIGHT - 20) * (value if percent else _height(value)) / top
        x = 30 + i * step
        text = f"{value:.0f} %" if percent else shown(int(value))
        parts.append(f'<rect x="{x:.1f}" y="{HEIGHT - height:.1f}" width="{step * 0.7:.1f}" height="{height:.1f}" '
                     f'fill="#3b5ba5"><title>{escape(label)} : {escape(text)}</title></rect>')
        parts.append(f'<text x="{x + step * 0.35:.1f}" y="{HEIGHT - height - 4:.1f}" font-size="11" '
                     f'text-anchor="middle">{escape(text)}</text>')
        parts.append(f'<text x="{x + step * 0.35:.1f}" y="{HEIGHT + 16}" font-size="10" '
                     f'text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def rows(title: str, items: list[tuple[str, int]], *, percent: bool = False) -> str:
    """One bar per category, longest first as given (shares in percent with `percent`)."""
    top = 100 if percent else max([_height(v) for _, v in items] + [1])
    line = 26
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {line * max(len(items), 1) + 10}" '
             f'role="img" aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(items):
        width = (WIDTH - 300) * (value if percent else _height(value)) / top
        text = f"{value} %" if percent else shown(value)
        y = 5 + i * line
        parts.append(f'<text x="0" y="{y + 16}" font-size="12">{escape(label)}</text>')
        parts.append(f'<rect x="240" y="{y}" width="{width:.1f}" height="{line - 8}" fill="#3b5ba5">'
                     f'<title>{escape(label)} : {escape(text)}</title></rect>')
        parts.append(f'<text x="{246 + width:.1f}" y="{y + 15}" font-size="11">{escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)
