"""A cartoon helium atom: nucleus, an electron shell and two electrons."""

from manim import *


class HeliumAtom(Scene):
    def construct(self):
        nucleus = Circle(radius=0.45, color=RED_E, fill_opacity=1)
        shell = Annulus(inner_radius=1.9, outer_radius=2.1, color=BLUE_E, fill_opacity=0.6)
        e1 = Dot(point=RIGHT * 2, radius=0.14, color=BLUE_A)
        e2 = Dot(point=LEFT * 2, radius=0.14, color=BLUE_A)
        name = Text("Helium atom", font_size=40).to_edge(LEFT).shift(UP * 2.8)
        hint = Text("two protons, two electrons", font_size=24, color=GREY_A)
        hint.next_to(name, DOWN, aligned_edge=LEFT)

        self.play(GrowFromCenter(nucleus))
        self.play(FadeIn(shell))
        self.play(FadeIn(e1), FadeIn(e2))
        self.play(
            Rotate(VGroup(e1, e2), angle=PI, about_point=ORIGIN),
            Write(name),
            run_time=2,
        )
        self.play(FadeIn(hint, shift=UP * 0.2))
        self.wait(1)
