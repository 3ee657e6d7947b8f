from manim import *


class ClockFace(Scene):
    def construct(self):
        face = Circle(radius=2.5, color=WHITE, stroke_width=6)
        center = Dot(color=RED)
        minute = Line(ORIGIN, UP * 2.1, color=WHITE, stroke_width=5)
        hour = Line(ORIGIN, RIGHT * 1.4, color=GREY_B, stroke_width=8)
        sweep = Arc(radius=2.8, start_angle=PI / 2, angle=-PI, color=ORANGE)
        note = Text("Time flies", font_size=32, slant=ITALIC).to_corner(DR)

        self.play(Create(face), FadeIn(center))
        self.play(Create(minute), Create(hour))
        self.play(
            Rotate(minute, angle=-PI, about_point=ORIGIN),
            Create(sweep),
            run_time=2.5,
        )
        self.play(Write(note))
        self.wait(1)
