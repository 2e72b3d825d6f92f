"""Chinese fonts: the bundled CJK font for figures and, subset, for report pages.

Chinese text needs a font with CJK glyphs, which a fresh machine may not have.
:func:`cjk_font_path` finds Noto Sans CJK SC in the ``mplfonts`` package (a
dependency, so it arrives with ``pip install``). For figures, :func:`cjk_rc`
returns the rcParams that use it (for ``plt.rc_context``) and
:func:`use_cjk_font` applies them globally for a notebook session. For HTML
pages, :func:`font_face` embeds a subset of the same font as a CSS
``@font-face`` named :data:`PAGE_FONT`. Matplotlib is imported only by the
functions for figures, fontTools only by :func:`font_face`.
"""

from __future__ import annotations

import base64
import importlib.util
import io
from functools import lru_cache
from pathlib import Path
from typing import Any

#: Font files searched for in the ``mplfonts`` package, best first. Noto Sans
#: CJK SC is under the SIL Open Font License, so it may be embedded in reports.
CJK_FONT_FILES: tuple[str, ...] = ("NotoSansCJKsc-Regular.otf",)

#: System fonts with Chinese glyphs that are used when ``mplfonts`` is missing.
SYSTEM_CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
)

#: Family name of the font a page embeds with :func:`font_face` (not a system
#: font name, on purpose: the page must not depend on what the reader's
#: machine has installed).
PAGE_FONT = "ApprovalsimCJK"


@lru_cache(maxsize=1)
def cjk_font_path() -> Path | None:
    """The path of the bundled Chinese font file, or None when ``mplfonts`` is absent.

    The package is located without importing it: importing ``mplfonts`` runs its
    own font-management code, which the model does not need.
    """
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        for name in CJK_FONT_FILES:
            path = Path(folder) / "fonts" / name
            if path.is_file():
                return path
    return None


# -- figures ---------------------------------------------------------------------


@lru_cache(maxsize=1)
def cjk_family() -> str | None:
    """Register the bundled Chinese font with matplotlib; return its family name.

    Falls back to a Chinese font installed on the system; None if there is none.
    Registering is idempotent and changes no rcParams.
    """
    from matplotlib import font_manager  # noqa: PLC0415 - pages need no matplotlib

    path = cjk_font_path()
    if path is not None:
        font_manager.fontManager.addfont(str(path))
        return str(font_manager.FontProperties(fname=str(path)).get_name())
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in SYSTEM_CJK_FAMILIES:
        if family in installed:
            return family
    return None


def cjk_rc() -> dict[str, Any]:
    """Return rcParams that render Chinese: DejaVu Sans first, the CJK font as fallback.

    Matplotlib falls back glyph by glyph through ``font.family``, so Latin
    text and the minus sign keep DejaVu Sans and only CJK characters use the
    CJK font. Use as ``with plt.rc_context(cjk_rc()): ...``.

    Mathtext is off: names come from scenario files, and a ``$`` in one is a
    dollar sign to show, not the start of a formula (``a$b$c`` would otherwise be
    typeset, and an unbalanced one would fail the figure).
    """
    family = cjk_family()
    fallback = [family] if family else []
    # The fallback chain is read from ``font.family`` itself; a generic family
    # such as "sans-serif" resolves to one font and would not fall back.
    return {
        "font.family": ["DejaVu Sans", *fallback],
        "axes.unicode_minus": True,
        "text.parse_math": False,
    }


def use_cjk_font() -> str | None:
    """Make every later figure of this session render Chinese; return the font family.

    Meant for notebooks; library code uses :func:`cjk_rc` in a context instead.
    """
    import matplotlib as mpl  # noqa: PLC0415 - pages need no matplotlib

    mpl.rcParams.update(cjk_rc())  # type: ignore[arg-type]  # keys are plain str
    return cjk_family()


# -- pages -----------------------------------------------------------------------


def font_face(text: str) -> str:
    """A CSS ``@font-face`` embedding the CJK font, subset to the characters of ``text``.

    Returns an empty string when the font is unavailable (the page then relies
    on the reader's fonts). Subsetting keeps the page small: a report uses a
    few hundred distinct characters out of the font's 65,000 glyphs.
    """
    path = cjk_font_path()
    if path is None:
        return ""
    from fontTools import subset  # noqa: PLC0415 - only needed when writing a page

    options = subset.Options()
    options.name_IDs = ["*"]  # keep the copyright and licence names (OFL)
    options.notdef_outline = True
    # No OpenType layout features: horizontal Chinese needs none, and keeping
    # them would more than double the embedded subset.
    options.layout_features = []
    font = subset.load_font(str(path), options)
    subsetter = subset.Subsetter(options)
    characters = {c for c in text if ord(c) >= 32} | {chr(c) for c in range(32, 127)}
    subsetter.populate(text="".join(sorted(characters)))
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f"@font-face {{ font-family: '{PAGE_FONT}'; "
        f"src: url(data:font/otf;base64,{data}) format('opentype'); }}"
    )
