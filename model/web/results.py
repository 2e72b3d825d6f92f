"""What the page shows of a finished comparison, in the report's own words and formats.

The tables are the report's (:mod:`model.report.sections`): key outputs on both
clocks with 95 % intervals, paired differences from the baseline, the share of
projects meeting each target; names are shown as the report shows them
(:class:`model.report.names.Names`). Added here, because a page has room for
little: utilisation per pool side by side, and the signing → production
distribution as percentiles with the report's ECDF figure.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd

from model.analysis.aggregate import confidence_interval
from model.analysis.outputs import KEY_OUTPUTS, Lang, format_interval, format_number
from model.experiments.batch import Comparison
from model.outputs import fonts, plots
from model.outputs.folders import StoredResults
from model.report.figures import png
from model.report.names import Names
from model.report.sections import difference_table, level_table, shown_part, target_rows

#: Percentiles of signing → production shown per scenario.
PERCENTILES: tuple[int, ...] = (10, 25, 50, 75, 90)

#: Matplotlib's rc settings are global: one figure is drawn at a time.
_DRAWING = threading.Lock()


def stored(comparison: Comparison) -> list[StoredResults]:
    """The comparison's results in the shape the report's sections read."""
    return [
        StoredResults(
            label=r.scenario.name,
            folder=None,
            manifest={"provenance": r.provenance},
            summary=r.summary,
            projects=r.projects,
            items=r.items,
            resources=r.resources,
            scenario=r.scenario,
        )
        for r in comparison.results
    ]


def utilisation_table(parts: Sequence[StoredResults], lang: Lang) -> dict[str, Any]:
    """Mean utilisation of every pool with its 95 % interval, one column per scenario."""
    share = "share"
    pools = list(dict.fromkeys(r for p in parts for r in p.resources["resource"]))
    rows = []
    for pool in pools:
        cells = [str(pool)]
        for part in parts:
            values = part.resources.loc[part.resources["resource"] == pool, "utilisation"]
            mean, half = confidence_interval(values.to_numpy(float))
            cells.append(format_interval(share, mean, mean - half, mean + half))
        rows.append(cells)
    header = ["pool" if lang == "en" else "资源", *[p.label for p in parts]]
    return {"header": header, "rows": rows}


def production_table(parts: Sequence[StoredResults], lang: Lang) -> dict[str, Any]:
    """Percentiles of signing → production (days) over the measured projects of all replications."""
    rows = []
    for part in parts:
        days = part.projects["signing_to_production_days"].dropna().to_numpy(float)
        nothing = np.full(len(PERCENTILES), np.nan)
        values = np.percentile(days, PERCENTILES) if len(days) else nothing
        rows.append([part.label, *(format_number(float(v)) for v in values), str(len(days))])
    projects = "projects" if lang == "en" else "项目数"
    header = ["" if lang == "en" else "", *[f"p{q}" for q in PERCENTILES], projects]
    return {"header": header, "rows": rows}


def ecdf_figure(parts: Sequence[StoredResults], lang: Lang) -> str:
    """The report's signing → production ECDF as base64 PNG."""
    projects = pd.concat([p.projects.assign(scenario=p.label) for p in parts], ignore_index=True)
    with _DRAWING, mpl.rc_context(fonts.cjk_rc()):  # type: ignore[arg-type]  # keys are str
        return png(lambda ax: plots.ecdf(projects, ax, lang=lang), (7.0, 3.6))


def result_view(comparison: Comparison, lang: Lang) -> dict[str, Any]:
    """Everything the results section shows, as display strings and one image."""
    parts = stored(comparison)
    names = Names.build([(p.label, p.scenario) for p in parts], lang)
    shown = [shown_part(p, names) for p in parts]
    outputs = [o for o in KEY_OUTPUTS if all(o in p.summary for p in parts)]
    return {
        "labels": [p.label for p in shown],
        "replications": comparison.replications,
        "levels": level_table(shown, outputs, lang),
        "differences": difference_table(shown, outputs, lang),
        "targets": target_rows(shown, lang),
        "utilisation": utilisation_table(shown, lang),
        "production": production_table(shown, lang),
        "ecdf": ecdf_figure(shown, lang),
        "notes": list(dict.fromkeys(n for r in comparison.results for n in r.notes)),
    }
