"""L3 visual metrics on rendered clips: SSIM and foreground IoU after temporal alignment, and a temporal score.

Clips are uint8 ``[T, H, W, 3]``. Appearance and timing are measured apart:

- ``ssim`` and ``foreground_iou`` compare two frames; ``visual_scores`` averages them over the frame pairs of the
  dynamic time warping path (``align``), so a prediction that shows the right pictures at the wrong pace is not
  punished twice;
- ``temporal_score`` compares where *and when* the two clips change, on their common time axis, without
  alignment: that is where the timing is judged.

Examples
--------
>>> clip = render_frames(scene, 64, 36)                # doctest: +SKIP
>>> visual_scores(clip, clip)                          # doctest: +SKIP
{'ssim': 1.0, 'fg_iou': 1.0, 'temporal': 1.0, 'dtw_distance': 0.0}
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage  # type: ignore[import-untyped, unused-ignore]

#: ITU-R BT.601 luma weights, the luminance SSIM is usually computed on.
LUMA = np.array([0.299, 0.587, 0.114])
#: Default change/foreground threshold: a channel must differ by more than this (of 255) to count.
THRESHOLD = 16
#: SSIM's Gaussian window (Wang et al. 2004): sigma 1.5, truncated at 3.5 sigma, i.e. 11 x 11.
SSIM_SIGMA = 1.5
SSIM_TRUNCATE = 3.5


def _check_clip(frames: np.ndarray, name: str) -> None:
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"{name} must be [T, H, W, 3] frames, got shape {frames.shape}")


def _check_pair(a: np.ndarray, b: np.ndarray, *, same_length: bool = True) -> None:
    _check_clip(a, "a")
    _check_clip(b, "b")
    if (a.shape if same_length else a.shape[1:]) != (b.shape if same_length else b.shape[1:]):
        raise ValueError(f"the clips differ in shape: {a.shape} and {b.shape}")


def luminance(frames: np.ndarray) -> np.ndarray:
    """BT.601 luma of uint8 RGB frames, ``[T, H, W, 3]`` → ``[T, H, W]`` float64 in [0, 255]."""
    result: np.ndarray = frames.astype(np.float64) @ LUMA
    return result


def ssim(a: np.ndarray, b: np.ndarray, *, sigma: float = SSIM_SIGMA, data_range: float = 255.0) -> np.ndarray:
    """Per-frame SSIM of the luminance of two clips of the same shape, ``[T]`` in [-1, 1].

    The standard Gaussian-window SSIM (Wang et al. 2004): local means, variances and covariance from an isotropic
    Gaussian of ``sigma`` pixels truncated at 3.5 sigma, population (not sample) statistics, ``K1 = 0.01``,
    ``K2 = 0.03``, and the mean of the SSIM map once a border of the window's radius is cropped, where the window
    would hang over the edge (as scikit-image does).

    Examples
    --------
    ``ssim(clip, clip)`` is all ones; a frame against a black frame scores near 0 where it has content.
    """
    _check_pair(a, b)
    x, y = luminance(a), luminance(b)

    def blur(z: np.ndarray) -> np.ndarray:
        result: np.ndarray = ndimage.gaussian_filter(z, sigma=(0, sigma, sigma), truncate=SSIM_TRUNCATE)
        return result

    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x**2
    var_y = blur(y * y) - mu_y**2
    cov = blur(x * y) - mu_x * mu_y
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    ssim_map = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    pad = int(SSIM_TRUNCATE * sigma + 0.5)
    height, width = ssim_map.shape[1:]
    if height > 2 * pad and width > 2 * pad:
        ssim_map = ssim_map[:, pad:-pad, pad:-pad]
    result: np.ndarray = ssim_map.mean(axis=(1, 2))
    return result


def foreground(
    frames: np.ndarray, threshold: float = THRESHOLD, background: tuple[int, int, int] = (0, 0, 0)
) -> np.ndarray:
    """``[T, H, W]`` bool: pixels where some channel differs from ``background`` by more than ``threshold``."""
    _check_clip(frames, "frames")
    difference = np.abs(frames.astype(np.int16) - np.asarray(background, dtype=np.int16))
    result: np.ndarray = difference.max(axis=-1) > threshold
    return result


def _iou(a: np.ndarray, b: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """Intersection over union of boolean masks over ``axes``; 1.0 where both are empty (they agree)."""
    union = (a | b).sum(axis=axes)
    intersection = (a & b).sum(axis=axes)
    result: np.ndarray = np.where(union > 0, intersection / np.maximum(union, 1), 1.0)
    return result


def foreground_iou(
    a: np.ndarray, b: np.ndarray, threshold: float = THRESHOLD, background: tuple[int, int, int] = (0, 0, 0)
) -> np.ndarray:
    """Per-frame IoU of the two clips' foregrounds (see ``foreground``), ``[T]``; 1.0 where both are empty.

    Examples
    --------
    A 10 x 10 square against the same square moved 5 pixels sideways scores 50 / 150 = 1/3.
    """
    _check_pair(a, b)
    return _iou(foreground(a, threshold, background), foreground(b, threshold, background), (1, 2))


def frame_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``[Ta, Tb]``: mean absolute pixel difference between every frame of ``a`` and every frame of ``b``, in [0, 1]."""
    _check_pair(a, b, same_length=False)
    flat_a = a.reshape(len(a), -1).astype(np.float32)  # [Ta, H*W*3]
    flat_b = b.reshape(len(b), -1).astype(np.float32)  # [Tb, H*W*3]
    result: np.ndarray = np.abs(flat_a[:, None, :] - flat_b[None, :, :]).mean(axis=-1, dtype=np.float64) / 255.0
    return result


def dtw(cost: np.ndarray) -> tuple[list[tuple[int, int]], float]:
    """Dynamic time warping on a ``[Ta, Tb]`` cost matrix: the least-cost monotone path and its total cost.

    The path runs from ``(0, 0)`` to ``(Ta - 1, Tb - 1)`` in steps of ``(1, 0)``, ``(0, 1)`` or ``(1, 1)``, and every
    cell on it adds its cost. Ties are broken toward the diagonal step, then toward advancing ``a``.
    """
    rows, cols = cost.shape
    total = np.full((rows + 1, cols + 1), np.inf)
    total[0, 0] = 0.0
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            total[i, j] = cost[i - 1, j - 1] + min(total[i - 1, j - 1], total[i - 1, j], total[i, j - 1])
    path = [(rows - 1, cols - 1)]
    i, j = rows, cols
    while (i, j) != (1, 1):
        moves = ((i - 1, j - 1), (i - 1, j), (i, j - 1))
        i, j = min(moves, key=lambda move: total[move])
        path.append((i - 1, j - 1))
    return path[::-1], float(total[rows, cols])


def align(a_frames: np.ndarray, b_frames: np.ndarray) -> list[tuple[int, int]]:
    """Temporal alignment of two clips: the DTW path over ``frame_distances``, as ``(index in a, index in b)`` pairs.

    Examples
    --------
    A clip against itself with every frame shown twice gives ``[(0, 0), (0, 1), (1, 2), (1, 3), ...]``.
    """
    return dtw(frame_distances(a_frames, b_frames))[0]


def change_mask(frames: np.ndarray, threshold: float = THRESHOLD, radius: int = 1) -> np.ndarray:
    """``[T - 1, H, W]`` bool: where the picture changes from each frame to the next.

    A pixel changes when some channel moves by more than ``threshold``; the mask is then dilated by ``radius``
    pixels in space (not in time), so that one-pixel jitter of anti-aliased edges does not decide the overlap.
    """
    _check_clip(frames, "frames")
    steps = np.abs(np.diff(frames.astype(np.int16), axis=0)).max(axis=-1) > threshold  # [T-1, H, W]
    if radius > 0 and steps.size:
        size = 2 * radius + 1
        steps = ndimage.binary_dilation(steps, structure=np.ones((1, size, size), dtype=bool))
    result: np.ndarray = steps
    return result


def temporal_score(a: np.ndarray, b: np.ndarray, *, threshold: float = THRESHOLD, radius: int = 1) -> float:
    """How alike two clips of equal length change over time, in [0, 1]: the IoU of their change volumes.

    With ``C`` the ``change_mask`` of each clip (``[T - 1, H, W]``: which pixels change between frames ``t`` and
    ``t + 1``), the score is ``sum_t |C_a(t) & C_b(t)| / sum_t |C_a(t) | C_b(t)|``, the intersection over union of
    the two spatio-temporal volumes of change. It is 1.0 for identical clips and for two clips that never change.
    It rewards a change only where and when the other clip changes too, so a static clip against a moving one
    scores 0, and a clip against its time reversal scores low unless its motion is symmetric in time (a reversed
    ``Create`` erases the stroke in the order it was drawn, which overlaps little). The clips share one time axis
    (the scorer resamples both to the same number of frames) and are not aligned first, because this is the
    metric that judges timing.

    Examples
    --------
    ``temporal_score(clip, clip) == 1.0``; ``temporal_score(clip, clip[::-1])`` is well below it for a ``Create``.
    """
    _check_pair(a, b)
    changes_a, changes_b = change_mask(a, threshold, radius), change_mask(b, threshold, radius)
    return float(_iou(changes_a, changes_b, (0, 1, 2)))


def visual_scores(target: np.ndarray, predicted: np.ndarray, *, threshold: float = THRESHOLD) -> dict[str, float]:
    """The L3 figures for a predicted clip against the target.

    Returns
    -------
    dict[str, float]
        ``ssim`` and ``fg_iou``: means over the frame pairs of the DTW path (``align``); ``temporal``:
        ``temporal_score`` on the unaligned clips (equal lengths required); ``dtw_distance``: the mean frame
        distance along the path (0.0 for identical clips).
    """
    _check_pair(target, predicted)
    distances = frame_distances(target, predicted)
    path, total = dtw(distances)
    pick_t, pick_p = (np.asarray(index) for index in zip(*path, strict=True))
    return {
        "ssim": float(ssim(target[pick_t], predicted[pick_p]).mean()),
        "fg_iou": float(foreground_iou(target[pick_t], predicted[pick_p], threshold).mean()),
        "temporal": temporal_score(target, predicted, threshold=threshold),
        "dtw_distance": total / len(path),
    }
