# manim -pql 01_pythagoras_title.py PythagorasTitle
from manim import *


class PythagorasTitle(Scene):
    def construct(self):
        title = Text("The Pythagorean Theorem", font_size=44)
        title.to_edge(UP)
        underline = Line(LEFT, RIGHT, color=YELLOW).match_width(title)
        underline.next_to(title, DOWN, buff=0.15)

        formula = MathTex("a^2", "+", "b^2", "=", "c^2", font_size=72)
        formula.shift(0.3 * DOWN)
        box = SurroundingRectangle(formula, color=YELLOW, buff=0.25)

        self.play(Write(title), run_time=1.5)
        self.play(Create(underline))
        self.play(Write(formula), run_time=1.5)
        self.play(Create(box))
        self.play(Indicate(formula[4], color=ORANGE))
        self.wait(1)
