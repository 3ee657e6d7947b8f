from manim import *


class AreaUnderParabola(Scene):
    def construct(self):
        axes = Axes(
            x_range=[0, 3, 1],
            y_range=[0, 9, 3],
            x_length=6,
            y_length=5.5,
            axis_config={"include_numbers": True},
        ).to_corner(DL, buff=0.6)
        labels = axes.get_axis_labels(x_label="x", y_label="f(x)")
        graph = axes.plot(lambda x: x**2, x_range=[0, 3], color=ORANGE)
        area = axes.get_area(graph, x_range=(0, 2), color=BLUE, opacity=0.5)

        integral = MathTex(r"\int_0^2 x^2\,dx = \frac{8}{3}", font_size=54).to_corner(UR, buff=0.8)

        self.play(Create(axes), Write(labels), run_time=1.5)
        self.play(Create(graph), run_time=1.5)
        self.play(FadeIn(area))
        self.play(Write(integral), run_time=1.5)
        self.wait(2)
