from manim import *

DAYS = ["Mon", "Tue", "Wed", "Thu"]
VALUES = [2, 3.5, 1.5, 4]


class WeeklyBars(Scene):
    def construct(self):
        self.camera.background_color = WHITE
        baseline = Line(LEFT * 4.5, RIGHT * 4.5, color=BLACK).shift(DOWN * 2.5)

        bars = VGroup()
        names = VGroup()
        for i, (day, v) in enumerate(zip(DAYS, VALUES, strict=True)):
            bar = Rectangle(width=1.2, height=v, color="#3b82f6", fill_opacity=0.8)
            bar.move_to([-3 + 2 * i, -2.5 + v / 2, 0])
            bars.add(bar)
            names.add(Text(day, font_size=26, color=BLACK).next_to(bar, DOWN, buff=0.2))

        self.add(baseline)
        self.play(LaggedStart(*[GrowFromEdge(b, DOWN) for b in bars], lag_ratio=0.2), run_time=2)
        self.play(FadeIn(names, shift=UP * 0.2))
        self.play(bars[3].animate.set_color("#ef4444"))
        self.wait(1.5)
