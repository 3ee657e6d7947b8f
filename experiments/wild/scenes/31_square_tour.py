from manim import *


class SquareTour(Scene):
    def construct(self):
        sq = Square(side_length=1.2, color="#9b5de5", fill_opacity=0.7)
        tag = Text("corner tour", font_size=26).to_edge(UP)

        self.play(GrowFromCenter(sq), FadeIn(tag))
        self.play(sq.animate.to_corner(UL).rotate(PI / 2), run_time=0.9)
        self.play(sq.animate.to_corner(UR).scale(0.6), run_time=0.9)
        self.play(sq.animate.to_corner(DR).set_color("#00f5d4"), run_time=0.9)
        self.play(sq.animate.to_corner(DL).scale(1.8), run_time=0.9)
        self.play(sq.animate.move_to(ORIGIN).rotate(-PI / 4), run_time=0.9)
        self.wait(0.5)
