"""Charts as SVG markup, drawn on the server: pure functions from figures to text, no web or database.

Every chart scales to its box (viewBox, width 100 %), colours come from CSS classes (the CSP forbids style
attributes), and labels arrive already translated. The numbers are also in a table beside each chart."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 640
BAR_HEIGHT = 14
ROW_HEIGHT = 38  # label line above the bar, then the bar


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _svg(height: float, title: str, body: list[str], css: str) -> Markup:
    return Markup(
        f'<svg class="chart {css}" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def bar_chart(items: Sequence[tuple[str, float]], *, title: str, value_text=None) -> Markup:
    """Horizontal bars, one per (label, value), the label above its bar so long words never overflow."""
    value_text = value_text or _number
    top = max((value for _label, value in items), default=0) or 1
    usable = WIDTH - 90  # room at the right end for the figure
    body = []
    for index, (label, value) in enumerate(items):
        y = index * ROW_HEIGHT
        length = max(usable * value / top, 1 if value else 0)
        body.append(f'<text class="chart-label" x="2" y="{y + 14}">{escape(label)}</text>')
        body.append(f'<rect class="chart-bar" x="0" y="{y + 19}" width="{length:.1f}" height="{BAR_HEIGHT}">'
                    f"<title>{escape(label)}: {escape(value_text(value))}</title></rect>")
        body.append(f'<text class="chart-value" x="{length + 6:.1f}" y="{y + 31}">{escape(value_text(value))}</text>')
    return _svg(max(len(items), 1) * ROW_HEIGHT + 4, title, body, "chart-bars")


def line_chart(series: Sequence[tuple[str, Sequence[float]]], *, labels: Sequence[str], title: str,
               height: int = 220) -> Markup:
    """One line with a point per value for each (name, values) series; `labels` name the x positions
    (the first, the middle and the last are written under the axis)."""
    count = len(labels)
    left, right, top_pad, bottom = 44, 12, 12, 34
    plot_w, plot_h = WIDTH - left - right, height - top_pad - bottom
    top = max((value for _name, values in series for value in values), default=0) or 1
    step = plot_w / (count - 1) if count > 1 else 0

    def x(i: int) -> float:
        return left + (i * step if count > 1 else plot_w / 2)

    def y(value: float) -> float:
        return top_pad + plot_h - plot_h * value / top

    body = [f'<line class="chart-axis" x1="{left}" y1="{top_pad + plot_h}" x2="{WIDTH - right}" '
            f'y2="{top_pad + plot_h}"/>',
            f'<text class="chart-tick" x="{left - 6}" y="{top_pad + 10}" text-anchor="end">{_number(top)}</text>',
            f'<text class="chart-tick" x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end">0</text>']
    for position in sorted({0, count // 2, count - 1} if count else set()):
        anchor = "start" if position == 0 else ("end" if position == count - 1 else "middle")
        body.append(f'<text class="chart-tick" x="{x(position):.1f}" y="{height - 12}" '
                    f'text-anchor="{anchor}">{escape(labels[position])}</text>')
    for number, (name, values) in enumerate(series):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        body.append(f'<polyline class="chart-line series-{number}" points="{points}"/>')
        radius = 3 if count <= 62 else 1.5
        body.extend(f'<circle class="chart-point series-{number}" cx="{x(i):.1f}" cy="{y(v):.1f}" r="{radius}">'
                    f"<title>{escape(name)} {escape(labels[i])}: {_number(v)}</title></circle>"
                    for i, v in enumerate(values))
    return _svg(height, title, body, "chart-lines")


def heat_map(grid: Sequence[Sequence[float]], *, row_labels: Sequence[str], title: str) -> Markup:
    """Rows (days of the week) by 24 hours; the darker the cell, the more calls."""
    left, cell_h, top_pad = 64, 22, 16
    cell_w = (WIDTH - left) / 24
    top = max((value for row in grid for value in row), default=0) or 1
    body = [f'<text class="chart-tick" x="{left + hour * cell_w + cell_w / 2:.1f}" y="11" '
            f'text-anchor="middle">{hour}</text>' for hour in range(0, 24, 3)]
    for r, (label, row) in enumerate(zip(row_labels, grid, strict=True)):
        y = top_pad + r * cell_h
        body.append(f'<text class="chart-label" x="2" y="{y + 15}">{escape(label)}</text>')
        for hour, value in enumerate(row):
            shade = 0 if not value else min(5, 1 + int(5 * value / top))
            body.append(f'<rect class="chart-cell heat-level-{shade}" x="{left + hour * cell_w:.1f}" y="{y}" '
                        f'width="{cell_w - 1:.1f}" height="{cell_h - 2}">'
                        f"<title>{escape(label)} {hour:02d}:00 {_number(value)}</title></rect>")
    return _svg(top_pad + len(grid) * cell_h + 2, title, body, "chart-heat")
