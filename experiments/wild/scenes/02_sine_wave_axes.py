import numpy as np
from manim import *


class SineWave(Scene):
    """Plot y = sin(x) on labelled axes."""

    def construct(self):
        self.camera.background_color = "#0f172a"

        axes = Axes(
            x_range=[-1, 7, 1],
            y_range=[-1.5, 1.5, 0.5],
            x_length=10,
            y_length=5,
            axis_config={"color": "#94a3b8"},
            tips=False,
        ).shift(DOWN * 0.4)
        labels = axes.get_axis_labels(x_label="x", y_label="y")

        curve = axes.plot(lambda x: np.sin(x), x_range=[0, 2 * np.pi], color="#38bdf8")
        curve_label = axes.get_graph_label(curve, label=r"\sin(x)", x_val=2, direction=UP)

        heading = Text("One period of the sine wave", font_size=32, color="#e2e8f0")
        heading.to_corner(UL)

        self.add(heading)
        self.play(Create(axes), Write(labels))
        self.play(Create(curve), run_time=2.5)
        self.play(FadeIn(curve_label, shift=UP * 0.3))
        self.wait(1.5)
