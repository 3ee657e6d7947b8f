from manim import *


class MatrixVector(Scene):
    def construct(self):
        m = Matrix([[2, 0], [1, 3]])
        v = Matrix([[1], [2]])
        eq = MathTex("=")
        result = Matrix([[2], [7]])
        VGroup(m, v, eq, result).arrange(RIGHT, buff=0.4)

        title = Text("Matrix times vector", font_size=38).to_edge(UP)

        self.play(FadeIn(title, shift=DOWN))
        self.play(Write(m), Write(v))
        self.play(Write(eq))
        self.play(FadeIn(result, shift=LEFT))
        self.play(result.animate.set_color(YELLOW), m.animate.set_color(BLUE_B))
        self.wait(1.5)
