"""A progress bar with an ETA for long runs, shown only on a terminal.

The experiment engine reports ``progress(done, total)``; this module turns that
into a bar on standard error when standard error is a terminal, and into
nothing otherwise (pipes, files and CI logs stay clean). Only the CLI uses it:
library code never writes to the terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from model.experiments.backends import Progress


@contextmanager
def progress_bar(label: str = "replications", stream: IO[str] | None = None) -> Iterator[Progress]:
    """Yield a ``progress(done, total)`` callback that draws a bar on ``stream``.

    Args:
        label: What is being counted.
        stream: Where to draw (default: standard error); nothing is drawn
            unless it is a terminal.

    """
    stream = sys.stderr if stream is None else stream
    if not stream.isatty():
        yield _silent
        return
    from tqdm import tqdm  # only needed on a terminal

    bar = tqdm(total=0, unit=" " + label, file=stream, dynamic_ncols=True, leave=False)

    def update(done: int, total: int) -> None:
        if total != bar.total:
            bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()


def _silent(done: int, total: int) -> None:
    """Report nothing."""
