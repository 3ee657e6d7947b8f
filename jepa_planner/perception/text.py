"""Reading text regions with Tesseract OCR (Debian's ``tesseract-ocr`` and ``tesseract-ocr-eng`` carry the model).

Manim draws light text on a dark background, and Tesseract reads dark on light, so a crop is turned into its
distance from the background, inverted, enlarged to about ``OCR_HEIGHT`` pixels per line and read as one line
(``--psm 7``). A read counts as ``Text`` when Tesseract is confident and the string looks like words; anything
else (a formula, a symbol) is left to the formula candidates.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass

import cv2
import numpy as np

#: Line height in pixels that Tesseract reads best (its documentation recommends x-heights of 20-30 px).
OCR_HEIGHT = 48
#: Mean word confidence (0-100) above which a read is taken as plain text.
MIN_CONFIDENCE = 60.0
_WORDS = re.compile(r"[A-Za-z][A-Za-z0-9 ,.'!?:;()\-]*")


@dataclass(frozen=True)
class Reading:
    """What OCR read: the string, Tesseract's mean word confidence, and whether it reads as plain text."""

    text: str
    confidence: float

    @property
    def is_text(self) -> bool:
        return self.confidence >= MIN_CONFIDENCE and bool(_WORDS.fullmatch(self.text)) and len(self.text) >= 2


def ocr_available() -> bool:
    """Whether the ``tesseract`` program is installed (``scripts/setup.sh`` installs it)."""
    return shutil.which("tesseract") is not None


def prepare(crop: np.ndarray, background: np.ndarray) -> np.ndarray:
    """A ``[H, W, 3]`` crop as dark text on white, enlarged to ``OCR_HEIGHT``, padded: ``[h, w]`` uint8."""
    distance = np.abs(crop.astype(np.int16) - background.astype(np.int16)).max(axis=-1).astype(np.float32)
    ink = np.clip(distance * (255.0 / max(float(distance.max()), 1.0)), 0, 255).astype(np.uint8)
    scale = OCR_HEIGHT / max(crop.shape[0], 1)
    ink = cv2.resize(ink, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return np.pad(255 - ink, 16, constant_values=255)


def read_line(crop: np.ndarray, background: np.ndarray) -> Reading:
    """OCR one line of text from an RGB crop; an empty ``Reading`` when Tesseract is not installed."""
    if not ocr_available():
        return Reading("", 0.0)
    import pytesseract  # type: ignore[import-untyped, unused-ignore]

    # Tesseract's OpenMP threads only slow one short line down, the more so on shared cores.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")

    data = pytesseract.image_to_data(prepare(crop, background), config="--psm 7", output_type=pytesseract.Output.DICT)
    words = [(w, float(c)) for w, c in zip(data["text"], data["conf"], strict=True) if w.strip() and float(c) >= 0]
    if not words:
        return Reading("", 0.0)
    return Reading(" ".join(w for w, _ in words), float(np.mean([c for _, c in words])))
