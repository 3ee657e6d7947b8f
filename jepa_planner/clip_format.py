"""The clip format the models read, written once: 16 frames of 64x36 pixels (16:9), as the training data is made.

Every default that means "the model's clip" comes from here: the data generator and renderer, the encoder and the
systems' constructors, the planner's inputs and the scores. A bigger model is a config change
(``experiments/configs/*.yaml``), not an edit of these numbers.
"""

from __future__ import annotations

from typing import Final

#: Frames in a clip.
FRAMES: Final = 16
#: A frame's width and height, in pixels.
WIDTH: Final = 64
HEIGHT: Final = 36
#: ``(width, height)``, the order the renderer and the inputs take.
SIZE: Final = (WIDTH, HEIGHT)
