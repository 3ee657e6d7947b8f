from manim import *


class SquareToCircle(Scene):
    def construct(self):
        square = Square(side_length=3, color="#ff6b6b")
        square.set_fill("#ff6b6b", opacity=0.6)
        circle = Circle(radius=1.7, color="#4ecdc4")
        circle.set_fill("#4ecdc4", opacity=0.6)

        self.play(Create(square))
        self.play(square.animate.rotate(PI / 4))
        self.play(Transform(square, circle), run_time=1.5)
        self.wait(0.5)
        self.play(FadeOut(square, shift=DOWN * 2))
        self.wait(0.5)
