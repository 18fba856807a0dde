"""A QR code of an award's verification link, as inline SVG markup for the page.

Made on the server by segno (pinned), so the page needs no script and no image source:
the markup is part of the HTML, and the Content-Security-Policy stays as it is (its
``img-src`` governs images fetched, not inline ``<svg>``). The SVG draws with
presentation attributes only, no ``<style>``, which ``style-src 'self'`` would refuse.
"""

from __future__ import annotations

from functools import lru_cache

import segno
from markupsafe import Markup

# Error correction M (15 %): a printed code still reads with a crease or a stain.
ERROR_CORRECTION = "m"
QUIET_ZONE = 4
"""Modules of light margin on every side, as ISO/IEC 18004 asks."""
PIXELS_PER_MODULE = 4


# Encoding takes a few milliseconds, as long as the rest of the page: the awards checked
# again and again (a popular link, a printed page scanned) are kept, about 4 kB each.
@lru_cache(maxsize=1024)
def qr_svg(link: str, *, label: str) -> Markup:
    """``link`` as a QR code: an ``<svg role="img">`` named by ``label`` (its
    ``<title>``), dark modules on a light square, scalable (a ``viewBox``) and
    ``PIXELS_PER_MODULE`` pixels a module by default."""
    code = segno.make_qr(link, error=ERROR_CORRECTION)
    size = (code.symbol_size(scale=1, border=QUIET_ZONE)[0]) * PIXELS_PER_MODULE
    svg = code.svg_inline(
        scale=1,
        border=QUIET_ZONE,
        dark="#000",
        light="#fff",
        title=label,  # escaped by segno
        svgclass="qr-code",
        lineclass="qr-modules",
        omitsize=True,
    )
    if not svg.startswith("<svg "):  # pragma: no cover - segno's output, checked once
        msg = "segno's inline SVG does not start with <svg"
        raise RuntimeError(msg)
    attributes = f'<svg role="img" width="{size}" height="{size}" '
    return Markup(attributes + svg.removeprefix("<svg "))  # noqa: S704 - segno escapes the title
