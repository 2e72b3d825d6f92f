"""Plotting API: (df, ax=None) -> Axes, no global side effects, Chinese without missing glyphs."""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from conftest import make_scenario  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

import model  # noqa: E402
from model.outputs import fonts, plots  # noqa: E402

MISSING = "missing from font"


@pytest.fixture(scope="module")
def comparison() -> model.Comparison:
    """Serial vs parallel on the small test county (Chinese department names)."""
    serial = make_scenario(name="串行")
    parallel = make_scenario(name="并联", approval_mode="parallel")
    return model.compare([serial, parallel], replications=2, workers=1, keep_events=True)


def _draw_all(comparison: model.Comparison, lang: str) -> plt.Figure:
    projects = plots.combine(comparison, "projects")
    resources = plots.combine(comparison, "resources")
    figure, axes = plt.subplots(2, 3, figsize=(14, 8))
    plots.ecdf(projects, axes[0, 0], lang=lang)
    plots.stage_times(projects, axes[0, 1], lang=lang)
    plots.trips(projects, axes[0, 2], lang=lang)
    plots.utilisation(resources, axes[1, 0], lang=lang)
    result = comparison.results[0]
    typical = plots.typical_project(result.projects)
    segments = plots.project_timeline(typical, result.items, result.events)
    plots.timeline(segments, axes[1, 1], lang=lang, milestones={"开工": 10.0})
    steps = pd.DataFrame({"label": ["一窗受理", "模拟审批"], "value": [-20.0, 5.0]})
    plots.waterfall(steps, axes[1, 2], start=100.0, lang=lang)
    return figure


def _missing_glyph_warnings(figure: plt.Figure) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(io.BytesIO(), format="png")
    return [str(w.message) for w in caught if MISSING in str(w.message)]


def test_bundled_cjk_font_is_found_and_registered() -> None:
    path = fonts.cjk_font_path()
    assert path is not None and path.is_file(), (
        "mplfonts (a dependency) should ship Noto Sans CJK SC"
    )
    assert fonts.cjk_family() == "Noto Sans CJK SC"
    assert plots.use_cjk_font is fonts.use_cjk_font, "notebooks call plots.use_cjk_font()"


def test_chinese_figures_render_without_missing_glyphs(comparison: model.Comparison) -> None:
    with mpl.rc_context(fonts.cjk_rc()):
        figure = _draw_all(comparison, "zh")
        missing = _missing_glyph_warnings(figure)
    plt.close(figure)
    assert missing == []


def test_without_the_font_the_same_figure_misses_glyphs(comparison: model.Comparison) -> None:
    # The control: proves the check above would see missing glyphs.
    with mpl.rc_context({"font.family": ["DejaVu Sans"]}):
        figure = _draw_all(comparison, "zh")
        missing = _missing_glyph_warnings(figure)
    plt.close(figure)
    assert missing, "DejaVu Sans has no CJK glyphs; the check cannot detect missing glyphs"


def test_plot_functions_return_the_given_axes_and_leave_rcparams_alone(
    comparison: model.Comparison,
) -> None:
    before = dict(mpl.rcParams)
    projects = plots.combine(comparison, "projects")
    resources = plots.combine(comparison, "resources")
    figure, ax = plt.subplots()
    for draw in (plots.ecdf, plots.stage_times, plots.trips):
        ax.clear()
        assert draw(projects, ax) is ax
    ax.clear()
    assert plots.utilisation(resources, ax) is ax
    plt.close(figure)
    created = plots.ecdf(projects)
    assert isinstance(created, Axes)
    plt.close(created.figure)
    assert dict(mpl.rcParams) == before


def test_ecdf_draws_one_line_per_scenario_ending_at_one(comparison: model.Comparison) -> None:
    projects = plots.combine(comparison, "projects")
    ax = plots.ecdf(projects)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == comparison.names
    for line, name in zip(lines, comparison.names, strict=True):
        finished = projects[(projects["scenario"] == name)]["signing_to_production_days"].dropna()
        assert line.get_ydata()[-1] == pytest.approx(1.0)
        assert line.get_xdata()[-1] == pytest.approx(finished.max())
    plt.close(ax.figure)


def test_stage_times_bars_add_up_to_mean_signing_to_production(
    comparison: model.Comparison,
) -> None:
    projects = plots.combine(comparison, "projects")
    ax = plots.stage_times(projects)
    finished = projects[projects["finished"]]
    expected = finished.groupby("scenario", sort=False)["signing_to_production_days"].mean()
    ends: dict[float, float] = {}
    for patch in ax.patches:
        y = round(patch.get_y(), 6)
        ends[y] = max(ends.get(y, 0.0), patch.get_x() + patch.get_width())
    assert sorted(ends.values()) == pytest.approx(sorted(expected.to_numpy()), rel=1e-9)
    plt.close(ax.figure)


def test_timeline_segments_from_events_are_exact() -> None:
    """An item prepared, queued, reviewed, returned, fixed, re-reviewed, then publicly noticed."""
    rows = [
        (0.0, "A", "signed", "complete", ""),  # item column holds the project type for 'signed'
        (1.0, "A", "preparation", "start", ""),
        (3.0, "A", "preparation", "complete", ""),
        (3.0, "A", "review", "schedule", "D"),
        (4.0, "A", "review", "start", "D"),
        (6.0, "A", "review", "complete", "D"),
        (6.0, "A", "returned", "complete", "D"),
        (9.0, "A", "trip", "complete", "D"),
        (9.0, "A", "review", "schedule", "D"),
        (9.5, "A", "review", "start", "D"),
        (10.0, "A", "review", "complete", "D"),
        (10.0, "A", "elapsed", "start", ""),
        (15.0, "A", "elapsed", "complete", ""),
        (15.0, "A", "decision", "complete", ""),
    ]
    events = pd.DataFrame(
        [(t, 7, item, act, life, res) for t, item, act, life, res in rows],
        columns=["time", "project_id", "item", "activity", "lifecycle", "resource"],
    )
    events.loc[0, "item"] = "T"
    project = pd.Series(
        {"project_id": 7, "signed_day": 0.0, "construction_start_day": 15.0, "completed_day": 20.0}
    )
    segments = plots.project_timeline(project, pd.DataFrame(), events)
    got = [tuple(r) for r in segments[["row", "kind", "start", "end"]].itertuples(index=False)]
    assert got == [
        ("handoff", "waiting", 0.0, 1.0),
        ("A", "enterprise", 1.0, 3.0),
        ("A", "waiting", 3.0, 4.0),
        ("A", "review", 4.0, 6.0),
        ("A", "enterprise", 6.0, 9.0),
        ("A", "waiting", 9.0, 9.5),
        ("A", "review", 9.5, 10.0),
        ("A", "elapsed", 10.0, 15.0),
        ("construction", "construction", 15.0, 20.0),
    ]


def test_timeline_without_events_uses_the_item_table(comparison: model.Comparison) -> None:
    result = comparison.results[0]
    typical = plots.typical_project(result.projects)
    segments = plots.project_timeline(typical, result.items, None)
    own = result.items[
        (result.items["project_id"] == typical["project_id"])
        & (result.items["replication"] == typical["replication"])
    ]
    waiting = segments[segments["kind"] == "waiting"]
    assert set(waiting["row"]) <= set(own["item"])
    total_wait = (waiting["end"] - waiting["start"]).sum()
    assert total_wait == pytest.approx(
        (own["started_day"] - own["queued_day"]).clip(lower=0).sum(), abs=1e-9
    )
    assert set(segments["kind"]) <= {"waiting", "other", "construction"}


def test_typical_project_is_the_median_of_the_most_common_type() -> None:
    projects = pd.DataFrame(
        {
            "replication": [0, 0, 0, 0, 1, 1],
            "project_id": [1, 2, 3, 4, 1, 2],
            "project_type": ["a", "a", "a", "b", "a", "b"],
            "signing_to_production_days": [10.0, 50.0, 30.0, 31.0, 100.0, 29.0],
        }
    )
    # Type "a": 10, 50, 30, 100 -> median 40; 50 (#2) and 30 (#3) tie at distance 10,
    # and the tie goes to the lower replication, then the lower project id.
    chosen = plots.typical_project(projects)
    assert (chosen["replication"], chosen["project_id"]) == (0, 2)
    assert chosen["project_type"] == "a"
    with pytest.raises(ValueError):
        plots.typical_project(projects.assign(signing_to_production_days=float("nan")))


def test_waterfall_steps_from_the_start_level() -> None:
    steps = pd.DataFrame({"label": ["x", "y"], "value": [-30.0, 10.0]})
    ax = plots.waterfall(steps, start=100.0)
    bars = ax.patches
    # start bar, two steps, end bar
    assert len(bars) == 4
    assert bars[0].get_height() == pytest.approx(100.0)
    assert (bars[1].get_y(), bars[1].get_height()) == pytest.approx((70.0, 30.0))
    assert (bars[2].get_y(), bars[2].get_height()) == pytest.approx((70.0, 10.0))
    assert bars[3].get_height() == pytest.approx(80.0)
    plt.close(ax.figure)
