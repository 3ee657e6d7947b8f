from manim import *

config.background_color = "#2d3142"


class CircleArea(Scene):
    def construct(self):
        circle = Circle(radius=2, color="#ef8354", fill_opacity=0.3).shift(LEFT * 3)
        center = Dot(circle.get_center(), color=WHITE)
        radius = Line(circle.get_center(), circle.point_at_angle(0), color="#bfc0c0")
        r = MathTex("r").next_to(radius, UP, buff=0.1)

        formula = MathTex("A", "=", r"\pi", "r^2", font_size=72).shift(RIGHT * 3)

        self.play(Create(circle), FadeIn(center))
        self.play(Create(radius), Write(r))
        self.play(Write(formula))
        self.play(formula[2].animate.set_color("#ef8354"), formula[3].animate.set_color("#ef8354"))
        self.play(VGroup(circle, center, radius, r).animate.scale(1.2))
        self.wait(1)
