from manim import *


class GrowthCurves(Scene):
    def construct(self):
        self.camera.background_color = "#101820"

        axes = Axes(x_range=[0, 4, 1], y_range=[0, 16, 4], x_length=7, y_length=5, tips=True)
        axes.shift(LEFT * 1.5 + DOWN * 0.3)
        ax_labels = axes.get_axis_labels(Text("time", font_size=24), Text("size", font_size=24))

        linear = axes.plot(lambda t: 3 * t, color="#fee715")
        expo = axes.plot(lambda t: 2**t, color="#ff5a5f")

        legend = (
            VGroup(
                Text("linear", font_size=26, color="#fee715"),
                Text("exponential", font_size=26, color="#ff5a5f"),
            )
            .arrange(DOWN, aligned_edge=LEFT)
            .to_corner(UR, buff=0.7)
        )

        self.play(Create(axes), FadeIn(ax_labels))
        self.play(Create(linear), FadeIn(legend[0]), run_time=1.5)
        self.play(Create(expo), FadeIn(legend[1]), run_time=1.5)
        self.wait(1.5)
