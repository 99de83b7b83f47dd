"""The SVG parses, and has one bar, point or cell per figure; labels are escaped, not markup."""

import xml.etree.ElementTree as ET

from hotline.reports import charts

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def test_bar_chart_has_a_bar_per_item_and_the_longest_for_the_largest():
    svg = parse(charts.bar_chart([("Student", 4), ("学生 <b>", 10), ("None", 0)], title="Groups"))
    bars = svg.findall("svg:rect", NS)
    assert len(bars) == 3
    widths = [float(bar.get("width")) for bar in bars]
    assert widths[1] == max(widths) and widths[2] == 0 and 0 < widths[0] < widths[1]
    labels = [text.text for text in svg.findall("svg:text", NS) if text.get("class") == "chart-label"]
    assert labels == ["Student", "学生 <b>", "None"]
    assert svg.find("svg:title", NS).text == "Groups"
    # nothing reaches past the right edge of the drawing
    assert all(float(bar.get("width")) <= charts.WIDTH for bar in bars)


def test_line_chart_has_a_point_per_value_and_a_line_per_series():
    labels = [f"2026-03-{day:02d}" for day in range(1, 32)]
    svg = parse(charts.line_chart([("needed", list(range(31))), ("assigned", [5] * 31)], labels=labels,
                                  title="Staffing"))
    assert len(svg.findall("svg:polyline", NS)) == 2
    points = svg.findall("svg:circle", NS)
    assert len(points) == 62
    heights = [float(p.get("cy")) for p in points[:31]]
    assert heights == sorted(heights, reverse=True)  # more calls, higher up (smaller y)
    ticks = [t.text for t in svg.findall("svg:text", NS) if t.get("class") == "chart-tick"]
    assert "2026-03-01" in ticks and "2026-03-31" in ticks


def test_line_chart_with_one_day_and_with_nothing():
    assert len(parse(charts.line_chart([("calls", [3])], labels=["2026-03-01"], title="x")).findall(
        "svg:circle", NS)) == 1
    assert len(parse(charts.line_chart([("calls", [])], labels=[], title="x")).findall("svg:circle", NS)) == 0


def test_heat_map_has_a_cell_per_hour_of_the_week_shaded_by_count():
    grid = [[0] * 24 for _day in range(7)]
    grid[2][14] = 9
    grid[0][3] = 1
    svg = parse(charts.heat_map(grid, row_labels=["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], title="Hours"))
    cells = svg.findall("svg:rect", NS)
    assert len(cells) == 7 * 24
    shades = {cell.get("class") for cell in cells}
    assert cells[2 * 24 + 14].get("class").endswith("heat-level-5")
    assert cells[0 * 24 + 3].get("class").endswith("heat-level-1")
    assert shades == {"chart-cell heat-level-0", "chart-cell heat-level-1", "chart-cell heat-level-5"}
