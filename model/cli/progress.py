"""A progress bar with an ETA for long runs, shown only on a terminal.

The experiment engine reports ``progress(done, total)``; this module turns that
into a bar on standard error when standard error is a terminal, and into
nothing otherwise (pipes, files and CI logs stay clean). Only the CLI uses it:
library code never writes to the terminal.

The bar counts the replications the command was asked for, of every scenario
or variant: ``compare A B -n 10`` counts to 20, and a resumed run counts to the
same 20, the ones read back from its checkpoints included (the engine reports
them as done). The ETA is only worth having if it times the replications
being computed: those given as ``resumed`` are shown as done but left out of
the rate, or a resumed run would promise to finish at the speed of reading
files. With ``--precision`` the engine adds replications in batches, and the
total grows with each batch it announces.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from model.experiments.backends import Progress


@contextmanager
def progress_bar(
    label: str = "replications", stream: IO[str] | None = None, resumed: int = 0
) -> Iterator[Progress]:
    """Yield a ``progress(done, total)`` callback that draws a bar on ``stream``.

    Args:
        label: What is being counted.
        stream: Where to draw (default: standard error); nothing is drawn
            unless it is a terminal.
        resumed: Replications the run reads back from its checkpoints
            (``Output.resumed``): counted as done, not timed.

    """
    stream = sys.stderr if stream is None else stream
    if not stream.isatty():
        yield _silent
        return
    from tqdm import tqdm  # only needed on a terminal

    bar = tqdm(total=0, unit=" " + label, file=stream, dynamic_ncols=True, leave=False)

    def update(done: int, total: int) -> None:
        total = max(total, done)
        if total != bar.total:
            bar.total = total
        if done <= resumed:
            # Read back, not computed: the rate starts after them.
            bar.initial = done
            bar.start_t = bar._time()
        bar.n = done
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()


def _silent(done: int, total: int) -> None:
    """Report nothing."""
