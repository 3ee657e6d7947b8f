"""Sizes that only Manim knows: how wide a ``Text`` or ``MathTex`` is at a font size, and palette colours.

Text is sized by its width, which OCR's string fixes: ``font_size = 48 * seen_width / width_at_48``. Each string
is measured once per process (``lru_cache``); formulas go through LaTeX, about 0.4 s the first time.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from dsl.vocabulary import COLOR_NAMES

#: The font size strings are measured at.
MEASURE_SIZE = 48.0
#: Formulas tried when a formula cannot be read: the one closest in aspect ratio to what is seen is used.
PLACEHOLDER_FORMULAS = (
    r"x^2",
    r"a^2 + b^2 = c^2",
    r"\int_0^1 x^2 \, dx = \frac{1}{3}",
)


@lru_cache(maxsize=512)
def text_size(text: str, formula: bool) -> tuple[float, float]:
    """``(width, height)`` in units of ``Text(text)`` (or ``MathTex``) at ``MEASURE_SIZE``."""
    from manim import MathTex, Text

    from codegen.runtime import configure

    configure(15)
    mobject = MathTex(text, font_size=MEASURE_SIZE) if formula else Text(text, font_size=MEASURE_SIZE)
    return float(mobject.width), float(mobject.height)


def font_size_for(text: str, formula: bool, width: float, height: float) -> float:
    """The font size at which ``text`` is ``width`` x ``height`` units (a mean of both fits, in [8, 200])."""
    w48, h48 = text_size(text, formula)
    by_width = MEASURE_SIZE * width / max(w48, 1e-6)
    by_height = MEASURE_SIZE * height / max(h48, 1e-6)
    size = by_width if by_width <= 1.6 * by_height else (by_width * by_height) ** 0.5
    return float(np.clip(round(size, 1), 8.0, 200.0))


def placeholder_formula(width: float, height: float) -> str:
    """The placeholder formula whose aspect ratio is closest to ``width / height``."""
    aspect = width / max(height, 1e-6)
    return min(
        PLACEHOLDER_FORMULAS, key=lambda tex: abs(np.log(aspect * text_size(tex, True)[1] / text_size(tex, True)[0]))
    )


@lru_cache(maxsize=1)
def palette() -> tuple[tuple[str, np.ndarray], ...]:
    """Manim's named colours as ``(name, [3] float RGB)``."""
    import manim

    return tuple((name, np.array(getattr(manim, name).to_rgb()) * 255.0) for name in COLOR_NAMES)


def colour_name(rgb: np.ndarray, background: np.ndarray, *, faint: bool = False, within: float = 28.0) -> str:
    """A palette name for a seen colour when one is within ``within`` levels, otherwise ``"#RRGGBB"``.

    ``faint``: the colour was read off thin strokes, whose strongest pixels are still partly background, so a
    palette colour also matches when the seen one lies between it and the background (at least 55% of the way).
    """
    best, best_error = "", float("inf")
    for name, colour in palette():
        error = float(np.abs(colour - rgb).max())
        if faint:
            direction = colour - background
            norm = float(direction @ direction)
            if norm > 1:
                alpha = float(np.clip((rgb - background) @ direction / norm, 0.55, 1.0))
                error = min(error, float(np.abs(background + alpha * direction - rgb).max()))
        if error < best_error:
            best, best_error = name, error
    if best_error <= within:
        return best
    r, g, b = (int(v) for v in np.clip(np.rint(rgb), 0, 255))
    return f"#{r:02X}{g:02X}{b:02X}"


def colour_rgb(colour: str) -> np.ndarray:
    """``[3]`` float RGB of a palette name or ``"#RRGGBB"``."""
    if colour.startswith("#"):
        return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)
    return dict(palette())[colour]
