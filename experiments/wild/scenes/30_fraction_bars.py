from manim import *


class FractionBars(Scene):
    def construct(self):
        half = Rectangle(width=4, height=1, color=WHITE, fill_color="#8ecae6", fill_opacity=1)
        quarter = Rectangle(width=2, height=1, color=WHITE, fill_color="#ffb703", fill_opacity=1)
        whole = Rectangle(width=8, height=1, color=WHITE)
        whole.shift(UP * 1)
        half.align_to(whole, LEFT).shift(UP * 1)
        quarter.next_to(half, RIGHT, buff=0)

        brace = Brace(VGroup(half, quarter), DOWN, color=GREY_A)
        sum_tex = MathTex(r"\frac{1}{2} + \frac{1}{4} = \frac{3}{4}", font_size=56)
        sum_tex.next_to(brace, DOWN, buff=0.4)

        self.play(Create(whole))
        self.play(GrowFromEdge(half, LEFT))
        self.play(GrowFromEdge(quarter, LEFT))
        self.play(GrowFromCenter(brace))
        self.play(Write(sum_tex))
        self.wait(1.5)
