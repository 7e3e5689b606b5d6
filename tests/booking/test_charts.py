"""booking.charts: SVG bar and line charts from plain numbers, parsed as XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from booking.charts import (
    PALETTE,
    PLOT_HEIGHT,
    Series,
    bar_chart,
    intervals,
    line_chart,
    nice_ceiling,
    percent,
    plain_number,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (0.3, 0.5), (240, 250), (1001, 2000)],
)
def test_nice_ceiling(value, expected):
    """The value axis ends on a round number at or above the highest value."""
    assert nice_ceiling(value) == pytest.approx(expected)


def test_number_formats():
    """Plain numbers lose trailing zeros; rates show as whole percent."""
    assert plain_number(2.0) == "2"
    assert plain_number(2.5) == "2.5"
    assert percent(0.256) == "26%"


def test_a_bar_chart_is_an_accessible_image():
    """role=img, labelled by its title and a description that lists every number."""
    svg = parse(
        bar_chart(
            chart_id="c1", title="Per week", labels=["W1", "W2"], series=[Series("A", [1, 2])]
        )
    )
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find(f"{SVG}title").text == "Per week"
    assert svg.find(f"{SVG}desc").text == "A: W1 1, W2 2."
    assert svg.get("style") is None


def test_stacked_bars_have_heights_in_proportion():
    """Each series is one rect per non-zero value, stacked, on a nice axis (here 5)."""
    svg = parse(
        bar_chart(
            chart_id="c2",
            title="t",
            labels=["W1", "W2"],
            series=[Series("A", [1, 0]), Series("B", [2, 4])],
        )
    )
    bars = [r for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [r.find(f"{SVG}title").text for r in bars] == ["W1, A: 1", "W1, B: 2", "W2, B: 4"]
    heights = [float(r.get("height")) for r in bars]
    assert heights == pytest.approx([PLOT_HEIGHT / 5, 2 * PLOT_HEIGHT / 5, 4 * PLOT_HEIGHT / 5])
    assert bars[0].get("fill") == PALETTE[0]
    assert bars[1].get("fill") == PALETTE[1]
    # B's first part sits right on top of A's.
    assert float(bars[1].get("y")) + heights[1] == pytest.approx(float(bars[0].get("y")))


def test_texts_are_escaped():
    """Names with markup stay text: the SVG still parses and contains no injected element."""
    markup = bar_chart(
        chart_id="c3", title="<b>x</b>", labels=["<i>"], series=[Series("A & <script>", [1])]
    )
    svg = parse(markup)
    assert "<script>" not in markup
    assert svg.find(f"{SVG}title").text == "<b>x</b>"
    assert not list(svg.iter(f"{SVG}script"))


def test_empty_data_still_draws_an_axis():
    """No series or no labels: a valid, empty chart that says so."""
    svg = parse(bar_chart(chart_id="c4", title="t", labels=[], series=[]))
    assert svg.find(f"{SVG}desc").text == "No data."
    assert list(svg.iter(f"{SVG}line"))


def test_a_line_chart_plots_rates_on_a_fixed_axis():
    """With top=1.0 a rate of 0.5 sits half way up; each point has a title."""
    svg = parse(
        line_chart(
            chart_id="c5",
            title="Rates",
            labels=["W1", "W2"],
            series=[Series("Cancelled", [0.5, 1.0])],
            fmt=percent,
            top=1.0,
        )
    )
    points = list(svg.iter(f"{SVG}circle"))
    assert [p.find(f"{SVG}title").text for p in points] == [
        "W1, Cancelled: 50%",
        "W2, Cancelled: 100%",
    ]
    y_half, y_full = (float(p.get("cy")) for p in points)
    assert y_half - y_full == pytest.approx(PLOT_HEIGHT / 2)
    assert len(list(svg.iter(f"{SVG}polyline"))) == 1


def test_many_labels_are_thinned_out():
    """Fifty-two weeks: only every fifth label is written, so they do not overlap."""
    labels = [f"W{n}" for n in range(52)]
    svg = parse(bar_chart(chart_id="c6", title="t", labels=labels, series=[Series("A", [1] * 52)]))
    written = [t.text for t in svg.iter(f"{SVG}text") if (t.text or "").startswith("W")]
    assert written[:3] == ["W0", "W5", "W10"]
    assert len(written) == 11


@pytest.mark.parametrize(("top", "steps"), [(1, 5), (2, 4), (2.5, 5), (5, 5), (10, 5), (20, 4)])
def test_grid_lines_fall_on_round_values(top, steps):
    """Counts get whole-number grid lines: 5 in steps of 1, 20 in steps of 5."""
    assert intervals(top) == steps
    svg = parse(bar_chart(chart_id="c7", title="t", labels=["W1"], series=[Series("A", [top])]))
    values = [t.text for t in svg.iter(f"{SVG}text")][: steps + 1]
    assert values[-1] == plain_number(top)
    assert len(list(svg.iter(f"{SVG}line"))) == steps + 1
