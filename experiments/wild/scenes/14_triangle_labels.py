from manim import *


class TriangleLabels(Scene):
    def construct(self):
        A = [-3, -1.5, 0]
        B = [2.5, -1.5, 0]
        C = [0.5, 2, 0]
        tri = Polygon(A, B, C, color="#f4a261", stroke_width=5)
        tri.set_fill("#f4a261", opacity=0.2)

        la = MathTex("A").next_to(A, DL, buff=0.15)
        lb = MathTex("B").next_to(B, DR, buff=0.15)
        lc = MathTex("C").next_to(C, UP, buff=0.15)
        dots = VGroup(*[Dot(p, color="#e76f51") for p in (A, B, C)])

        fact = Text("The angles add up to 180 degrees", font_size=30)
        fact.to_edge(DOWN, buff=0.5)

        self.play(Create(tri), run_time=1.5)
        self.play(FadeIn(dots), Write(la), Write(lb), Write(lc))
        self.play(Write(fact))
        self.play(tri.animate.set_fill("#2a9d8f", opacity=0.5))
        self.wait(1.5)
