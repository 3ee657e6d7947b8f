from manim import *


class ShapeParade(Scene):
    def construct(self):
        shapes = VGroup(
            Circle(radius=0.8, color=RED).set_fill(RED, 0.5),
            Square(side_length=1.6, color=BLUE).set_fill(BLUE, 0.5),
            Triangle(color=GREEN).scale(0.95).set_fill(GREEN, 0.5),
            Star(n=5, outer_radius=0.9, color=GOLD).set_fill(GOLD, 0.5),
        ).arrange(RIGHT, buff=0.7)

        self.play(LaggedStart(*[GrowFromCenter(s) for s in shapes], lag_ratio=0.3), run_time=2)
        self.play(shapes[1].animate.rotate(PI / 4), shapes[3].animate.rotate(PI / 5))
        self.play(shapes.animate.to_edge(DOWN), run_time=1.5)
        self.wait()
