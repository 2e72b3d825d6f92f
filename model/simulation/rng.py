"""Named, stable random streams for one replication.

The chain is ``SeedSequence(seed)`` → one child per replication → one child per
named stream → (for per-project streams) one child per project. The children are
built directly from their ``spawn_key``, which gives exactly the sequences
``SeedSequence(seed).spawn(...)`` would, without spawning thousands of siblings.

Because a project's draws come from a sequence keyed by (replication, stream,
project index), project *k* of replication *r* draws the same arrival, type,
efforts and deficiency outcomes in every scenario compared with the same seed:
common random numbers by construction.
"""

from __future__ import annotations

import numpy as np

#: Stream names. Append only: the index of a name is part of every key.
STREAM_NAMES: tuple[str, ...] = (
    "arrivals",
    "durations",
    "rework",
    "changes",
    "mechanisms",
    "government",
    "background",
    "regional",
    "warm_start",
)


class Streams:
    """Random generators for one (seed, replication)."""

    def __init__(self, seed: int, replication: int) -> None:
        """Derive the streams of ``replication`` from the root ``seed``."""
        self.seed = seed
        self.replication = replication

    def _sequence(self, name: str, *rest: int) -> np.random.SeedSequence:
        key = (self.replication, STREAM_NAMES.index(name), *rest)
        return np.random.SeedSequence(entropy=self.seed, spawn_key=key)

    def replication_stream(self, name: str) -> np.random.Generator:
        """A generator shared by the whole replication (e.g. ``arrivals``)."""
        return np.random.Generator(np.random.PCG64(self._sequence(name)))

    def project_stream(self, name: str, project_index: int) -> np.random.Generator:
        """A generator private to one project and one named stream."""
        return np.random.Generator(np.random.PCG64(self._sequence(name, project_index)))
