from manim import *


class SlopeRiseRun(Scene):
    def construct(self):
        ax = Axes(
            x_range=[0, 6],
            y_range=[0, 5],
            x_length=6,
            y_length=5,
            axis_config={"include_numbers": True, "font_size": 24},
        )
        ax.to_edge(LEFT, buff=0.8)
        line = ax.plot(lambda x: 0.5 * x + 1, color=GREEN)

        p1 = Dot(ax.c2p(1, 1.5), color=YELLOW)
        p2 = Dot(ax.c2p(5, 3.5), color=YELLOW)
        run = DashedLine(ax.c2p(1, 1.5), ax.c2p(5, 1.5), color=BLUE)
        rise = DashedLine(ax.c2p(5, 1.5), ax.c2p(5, 3.5), color=RED)

        formula = MathTex(r"m = \frac{\text{rise}}{\text{run}} = \frac{2}{4}", font_size=48)
        formula.to_edge(RIGHT, buff=0.8).shift(UP)

        self.play(Create(ax), run_time=1.5)
        self.play(Create(line))
        self.play(FadeIn(p1), FadeIn(p2))
        self.play(Create(run), Create(rise))
        self.play(Write(formula))
        self.wait(1.5)
