from manim import *


class VectorOnPlane(Scene):
    def construct(self):
        plane = NumberPlane(
            x_range=[-7, 7, 1],
            y_range=[-4, 4, 1],
            background_line_style={"stroke_color": BLUE_D, "stroke_opacity": 0.5},
        )
        vec = Arrow(ORIGIN, [3, 2, 0], buff=0, color=YELLOW)
        name = MathTex(r"\vec{v}", color=YELLOW).next_to(vec.get_end(), UR, buff=0.1)

        self.play(Create(plane), run_time=1.5)
        self.play(GrowArrow(vec), Write(name))
        self.wait(0.5)
        self.play(
            Rotate(vec, angle=PI / 2, about_point=ORIGIN),
            name.animate.move_to([-2.6, 3.4, 0]),
            run_time=2,
        )
        self.wait(1)
