"""Read the files a scenario names, safely: UTF-8 text of a bounded size.

Every file a scenario reading touches (the scenario itself, the files it
``extends``, its CSV tables) goes through :func:`read_text`, which refuses
devices, folders, huge files and other encodings with a
:class:`~model.scenario.problems.ScenarioError` rather than hanging or
exhausting memory. :func:`why_unreadable` checks a name a scenario wrote before
it is followed, so that the problem points at the line that wrote it.
"""

from __future__ import annotations

import os
import stat

from model.scenario.problems import ScenarioError

__all__ = ["MAX_FILE_BYTES", "read_text", "why_unreadable"]

#: Largest scenario or CSV file read; real scenarios are a few kilobytes, so
#: anything bigger is a mistake (or hostile) and would only exhaust memory.
MAX_FILE_BYTES = 5 * 1024 * 1024


def why_unreadable(named: str, resolved: str, what: str) -> str | None:
    """Say why the file a scenario names (``extends``, a CSV path) cannot be read.

    Args:
        named: The name as written in the scenario.
        resolved: That name resolved against the scenario's folder.
        what: ``"file"`` or ``"CSV file"``, for the message.

    Returns:
        The reason, or ``None`` if the name is a regular file.

    """
    if "\0" in named:
        return f"the {what} name contains a NUL character"
    try:
        mode = os.stat(resolved).st_mode
    except FileNotFoundError:
        return f"{what} not found: {named!r} (looked for {resolved})"
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return f"cannot open {what} {named!r} (looked for {resolved}): {reason}"
    if stat.S_ISDIR(mode):
        return f"{named!r} is a folder, not a {what} (looked for {resolved})"
    if not stat.S_ISREG(mode):
        return f"{named!r} is not a regular {what} (looked for {resolved})"
    return None


def read_text(display: str) -> str:
    """Return the UTF-8 text of a file, refusing huge files and other encodings.

    A leading byte-order mark is dropped.

    Args:
        display: Path of the file, as shown in messages.

    Raises:
        ScenarioError: The name holds a NUL, the file is missing, a folder or a
            device, cannot be read, is larger than :data:`MAX_FILE_BYTES` or is
            not UTF-8.

    """
    if "\0" in display:
        raise ScenarioError.single(
            display.replace("\0", "\\0"), None, "", "the file name contains a NUL character"
        )
    try:
        mode: int | None = os.stat(display).st_mode
    except OSError:
        mode = None  # opening it below says why
    if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISSOCK(mode)):
        # Reading /dev/tty would wait for typing, /dev/zero would never end.
        raise ScenarioError.single(display, None, "", "is a device, not a file")
    if mode is not None and stat.S_ISFIFO(mode):
        # Opening a named pipe waits until something writes to it: maybe forever.
        raise ScenarioError.single(display, None, "", "is a named pipe (FIFO), not a file")
    try:
        with open(display, "rb") as handle:
            # Read one byte past the limit rather than trusting stat(): pipes and
            # special files report no size.
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError.single(display, None, "", "file not found") from None
    except IsADirectoryError:
        raise ScenarioError.single(display, None, "", "is a directory, not a file") from None
    except OSError as exc:
        raise ScenarioError.single(
            display, None, "", f"cannot read file: {exc.strerror or exc}"
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError.single(
            display,
            None,
            "",
            f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; refusing to read it",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError.single(
            display,
            line,
            "",
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
        ) from None
    # Editors on Windows like to prepend a byte-order mark; it carries no data.
    return text.removeprefix("\ufeff")
