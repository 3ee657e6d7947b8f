from manim import *


class SolveForX(Scene):
    def construct(self):
        heading = Text("Solve for x", font_size=36, color=BLUE_B).to_corner(UL)

        eq1 = MathTex("x^2", "-", "4", "=", "0", font_size=64)
        eq2 = MathTex("x^2", "=", "4", font_size=64)
        eq3 = MathTex("x", "=", r"\pm 2", font_size=64)

        self.add(heading)
        self.play(Write(eq1))
        self.wait(0.5)
        self.play(TransformMatchingTex(eq1, eq2))
        self.wait(0.5)
        self.play(TransformMatchingTex(eq2, eq3))
        self.play(Circumscribe(eq3, color=YELLOW))
        self.wait(1)
