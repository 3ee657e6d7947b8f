"""Axes and the function plotted on them, read off one region: two long crossing lines with ticks, and a curve.

``find_axes`` looks for the longest horizontal and vertical runs of painted pixels in a region. When both span
most of it and cross, the region is an ``Axes``: the runs give its lengths and the crossing its origin, and the
tick marks just off each axis (their spacing, found with ``scipy.signal.find_peaks``) give the unit, so the ranges
follow. Painted pixels away from the axes, in another hue, are the plot: their height in each column, in axis
units, is fitted with the simplest curve that follows it (``_fit``: a low-degree polynomial, a sine, an
exponential; ``numpy.polynomial`` and ``scipy.optimize.curve_fit``).

Coordinates: pixels of the region's crop, ``(x, y)`` from its top-left corner.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import curve_fit  # type: ignore[import-untyped, unused-ignore]
from scipy.signal import find_peaks  # type: ignore[import-untyped, unused-ignore]

from jepa_planner.perception.regions import SAME_HUE, Region, hue

#: A run must cover this share of the region's width (height) to be an axis.
AXIS_SHARE = 0.6
#: Axes shorter than this (units) are not looked for.
MIN_AXIS = 1.5
#: Largest polynomial degree tried for a plot, and the RMS error (share of the plot's height) that is enough.
MAX_DEGREE = 4
FIT_TOLERANCE = 0.03
#: Columns of curve needed to fit a plot.
MIN_PLOT_COLUMNS = 8


@dataclass(frozen=True)
class PlotGuess:
    """A plotted function, its x span and its colour.

    ``form`` is ``"poly"`` (``params``: coefficients, lowest degree first), ``"sin"`` (``a, b, p, c`` of
    ``a sin(b x + p) + c``) or ``"exp"`` (``a, b, c`` of ``a exp(b x) + c``).
    """

    form: str
    params: tuple[float, ...]
    x_span: tuple[float, float]
    colour: np.ndarray


@dataclass(frozen=True)
class AxesGuess:
    """Axes read from a region: box centre (pixels of the frame), lengths (pixels), ranges, and any plot."""

    centre: tuple[float, float]
    lengths: tuple[float, float]
    x_range: tuple[float, float, float]
    y_range: tuple[float, float, float]
    plot: PlotGuess | None


def _longest_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of ``mask``: the longest run of True, as (length, start, end exclusive)."""
    height, width = mask.shape
    padded = np.zeros((height, width + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    lengths, starts, ends = np.zeros(height, int), np.zeros(height, int), np.zeros(height, int)
    for row in range(height):
        edges = np.diff(padded[row])
        up, down = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
        if len(up):
            best = int(np.argmax(down - up))
            lengths[row], starts[row], ends[row] = down[best] - up[best], up[best], down[best]
    return lengths, starts, ends


def _second_line(lengths: np.ndarray, best: int, long: float, reach: int) -> bool:
    """Whether a run at least ``long`` exists away from the line at ``best`` (beyond its ticks)."""
    far = np.abs(np.arange(len(lengths)) - best) > reach + 1
    return bool((lengths[far] >= long).any())


def _tick_spacing(band: np.ndarray, default: float) -> float:
    """Spacing in pixels of the tick marks across a ``band`` of rows centred on an axis, else ``default``.

    Ticks show as columns where the line is thicker than it usually is.
    """
    thickness = band.sum(axis=0).astype(float)
    profile = np.clip(thickness - np.median(thickness), 0.0, None)
    peaks, _ = find_peaks(np.pad(profile, 1), distance=3, height=0.5)
    if len(peaks) < 3:
        return default
    gaps = np.diff(peaks)
    if float(np.std(gaps)) > 0.2 * float(np.median(gaps)):
        return default  # not evenly spaced: something else crosses the band (a curve), not ticks
    return float(np.median(gaps))


def _range(low_px: float, high_px: float, unit: float) -> tuple[float, float, float]:
    low, high = -round(low_px / unit), round(high_px / unit)
    return (float(low), float(max(high, low + 1)), 1.0)


def _rms(model: np.ndarray, ys: np.ndarray) -> float:
    return float(np.sqrt(np.mean((model - ys) ** 2)))


def _sine(xs: np.ndarray, ys: np.ndarray) -> tuple[tuple[float, ...], float] | None:
    """``a sin(b x + p) + c`` through the points, started from the strongest frequency of their spectrum."""
    grid = np.linspace(xs.min(), xs.max(), 256)
    spectrum = np.abs(np.fft.rfft(np.interp(grid, xs, ys) - ys.mean()))
    cycles = int(np.argmax(spectrum[1:]) + 1)
    start = (float(np.ptp(ys)) / 2, 2 * np.pi * cycles / max(float(np.ptp(xs)), 1e-6), 0.0, float(ys.mean()))
    try:
        params, _ = curve_fit(lambda x, a, b, p, c: a * np.sin(b * x + p) + c, xs, ys, p0=start, maxfev=4000)
    except (RuntimeError, ValueError):
        return None
    a, b, p, c = (float(v) for v in params)
    return (a, b, p, c), _rms(a * np.sin(b * xs + p) + c, ys)


def _exponential(xs: np.ndarray, ys: np.ndarray) -> tuple[tuple[float, ...], float] | None:
    """``a exp(b x) + c`` through the points."""
    try:
        params, _ = curve_fit(lambda x, a, b, c: a * np.exp(b * x) + c, xs, ys, p0=(1.0, 0.5, 0.0), maxfev=4000)
    except (RuntimeError, ValueError):
        return None
    a, b, c = (float(v) for v in params)
    return (a, b, c), _rms(a * np.exp(b * xs) + c, ys)


def _fit(xs: np.ndarray, ys: np.ndarray) -> tuple[str, tuple[float, ...]]:
    """The simplest curve that follows the points: a polynomial of low degree, else a sine or an exponential.

    A polynomial of degree 1 or 2 within ``FIT_TOLERANCE`` is kept; otherwise the closest of the degree-4
    polynomial, a sine and an exponential, the last two preferred unless the polynomial is clearly closer.
    """
    scale = max(float(np.ptp(ys)), 1e-6)
    for degree in range(1, MAX_DEGREE + 1):
        poly = np.polynomial.Polynomial.fit(xs, ys, degree).convert()
        error = _rms(poly(xs), ys)
        if error <= FIT_TOLERANCE * scale and degree <= 2:
            return "poly", tuple(float(c) for c in poly.coef)
    best: tuple[str, tuple[float, ...], float] = ("poly", tuple(float(c) for c in poly.coef), error)
    for form, fitted in (("sin", _sine(xs, ys)), ("exp", _exponential(xs, ys))):
        if fitted is not None and fitted[1] < 1.25 * best[2]:
            best = (form, fitted[0], fitted[1])
    return best[0], best[1]


def find_axes(frame: np.ndarray, region: Region, background: np.ndarray, ppu: float) -> AxesGuess | None:
    """Axes (and a plot on them) in ``region`` of ``frame``, or None when the region is not a pair of axes."""
    mask = region.mask
    height, width = mask.shape
    if width < MIN_AXIS * ppu or height < MIN_AXIS * ppu:
        return None
    rows, row_start, row_end = _longest_runs(mask)
    cols, col_start, col_end = _longest_runs(mask.T)
    y_axis_row, x_axis_col = int(np.argmax(rows)), int(np.argmax(cols))
    if rows[y_axis_row] < AXIS_SHARE * width or cols[x_axis_col] < AXIS_SHARE * height:
        return None
    reach = max(2, round(0.08 * ppu))
    if _second_line(rows, y_axis_row, AXIS_SHARE * width, reach) or _second_line(
        cols, x_axis_col, AXIS_SHARE * height, reach
    ):
        return None  # two long parallel lines: the sides of a box, or a filled shape
    x0, x1 = row_start[y_axis_row], row_end[y_axis_row]
    y0, y1 = col_start[x_axis_col], col_end[x_axis_col]
    if not (x0 <= x_axis_col < x1 and y0 <= y_axis_row < y1):
        return None  # the lines do not cross: not a pair of axes
    # Ticks are the axes' own colour; a curve crossing the band is not.
    crop = frame[region.box[1] : region.box[3], region.box[0] : region.box[2]].astype(np.float64)
    bg = background.astype(np.float64)
    axis_hue = hue(np.median(crop[y_axis_row][mask[y_axis_row]], axis=0), bg)
    own = mask & (np.abs(hue(crop, bg) - axis_hue).max(axis=-1) <= SAME_HUE)
    above = own[max(0, y_axis_row - reach - 1) : y_axis_row + reach + 2, x0:x1]
    beside = own[y0:y1, max(0, x_axis_col - reach - 1) : x_axis_col + reach + 2].T
    sx = _tick_spacing(above, ppu) if above.size else ppu
    sy = _tick_spacing(beside, ppu) if beside.size else ppu
    x_range = _range(x_axis_col - x0, x1 - x_axis_col, sx)
    y_range = _range(y1 - y_axis_row, y_axis_row - y0, sy)
    left, top = region.box[0], region.box[1]
    centre = (left + (x0 + x1) / 2.0, top + (y0 + y1) / 2.0)
    plot = _plot(frame, region, background, (x_axis_col, y_axis_row), (sx, sy), reach)
    return AxesGuess(centre, (float(x1 - x0), float(y1 - y0)), x_range, y_range, plot)


def _plot(
    frame: np.ndarray,
    region: Region,
    background: np.ndarray,
    origin: tuple[int, int],
    unit: tuple[float, float],
    reach: int,
) -> PlotGuess | None:
    """The curve among the region's pixels: off the axes and their ticks, in a hue other than the axes'."""
    x0, y0, x1, y1 = region.box
    crop = frame[y0:y1, x0:x1].astype(np.float64)
    mask = region.mask.copy()
    axis_colour = np.median(crop[origin[1], :][mask[origin[1], :]], axis=0)
    mask[max(0, origin[1] - reach - 1) : origin[1] + reach + 2, :] = False
    mask[:, max(0, origin[0] - reach - 1) : origin[0] + reach + 2] = False
    ys, xs = np.nonzero(mask)
    if len(xs) < MIN_PLOT_COLUMNS:
        return None
    bg = background.astype(np.float64)
    other = np.abs(hue(crop[ys, xs], bg) - hue(axis_colour, bg)).max(axis=1) > SAME_HUE
    xs, ys = xs[other], ys[other]
    columns = np.unique(xs)
    if len(columns) < MIN_PLOT_COLUMNS:
        return None
    heights = np.array([ys[xs == c].mean() for c in columns])
    ax = (columns + 0.5 - origin[0]) / unit[0]
    ay = (origin[1] + 0.5 - heights) / unit[1]
    colour = np.median(crop[ys, xs], axis=0)
    form, params = _fit(ax, ay)
    return PlotGuess(form, params, (float(ax.min()), float(ax.max())), colour)
