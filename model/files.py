"""Safe file writes: a reader sees the whole new file or the old one, never a half.

Every file the package writes (tables, checkpoints, reports, fitted fragments,
event logs) goes through :func:`atomic_path`: the content is written to a fresh
temporary file beside the target (created exclusively, so a planted file or
symlink is never written through and two writers never share one), flushed to
disk, then renamed over the target (``os.replace`` is atomic on POSIX and
Windows). On any failure the temporary file is removed and the target is left
as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: Suffix of temporary files; anything ending in it is an unfinished write.
TEMPORARY_SUFFIX = ".partial"


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path to write, renamed to ``target`` when the block succeeds.

    Example::

        with atomic_path(folder / "projects.csv") as temporary:
            table.to_csv(temporary, index=False)
    """
    target = Path(target)
    handle, name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=TEMPORARY_SUFFIX
    )
    os.close(handle)
    temporary = Path(name)
    os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide results from colleagues
    try:
        yield temporary
        # Without fsync a power cut could leave a renamed but empty file.
        with open(temporary, "rb") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_atomic(target: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` (text is UTF-8) to ``target`` atomically; returns the target."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(target) as temporary:
        temporary.write_bytes(raw)
    return Path(target)
