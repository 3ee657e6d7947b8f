from manim import *


class DashedProjection(Scene):
    def construct(self):
        ground = Line(LEFT * 6, RIGHT * 6, color=GREY).shift(DOWN * 2)
        origin = Dot([-4, -2, 0])
        p = Dot([1.5, 2, 0], color=PINK, radius=0.1)

        # everything below follows the point p
        foot = always_redraw(lambda: Dot([p.get_x(), -2, 0], color=PINK, radius=0.1))
        drop = always_redraw(lambda: DashedLine(p.get_center(), foot.get_center(), color=PINK, dash_length=0.15))
        slant = always_redraw(lambda: Line(origin.get_center(), p.get_center()))
        word = Text("projection", font_size=28, color=PINK)
        word.add_updater(lambda m: m.next_to(foot, DOWN))

        self.add(ground, origin)
        self.play(FadeIn(p, scale=2))
        self.play(Create(slant))
        self.play(Create(drop), FadeIn(foot), run_time=1.2)
        self.play(Write(word))
        self.play(p.animate.shift(RIGHT * 2.5 + DOWN * 0.8), run_time=1.5)
        self.wait(1)
