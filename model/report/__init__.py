"""The report stage: a self-contained HTML (or PDF) page of a results folder.

One concept per module:

* :mod:`~model.report.words` — the page's wording in English and Chinese;
* :mod:`~model.report.sentences` — the executive summary's sentences;
* :mod:`~model.report.figures` — figures drawn and embedded as base64 PNG;
* :mod:`~model.report.sections` — the template's context: tables, targets,
  scorecards, assumptions and provenance;
* :mod:`~model.report.render` — HTML and PDF, and :func:`write_report`.

Reading the results folder back is :mod:`model.outputs.folders`' job, and the
output labels and number formats come from :mod:`model.analysis.outputs`.

The names below are exported lazily: ``import model.report`` loads neither
matplotlib nor jinja2; the first use of one of them imports
:mod:`model.report.render`, which does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from model.report.render import ReportError, default_report_path, write_report

__all__ = ["ReportError", "default_report_path", "write_report"]


def __getattr__(name: str) -> Any:
    """Import :mod:`model.report.render` on first use of one of its public names."""
    if name in __all__:
        value = getattr(importlib.import_module("model.report.render"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'model.report' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
