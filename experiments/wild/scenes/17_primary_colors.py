from manim import *


class PrimaryColors(Scene):
    def construct(self):
        squares = VGroup(*[Square(1.5, fill_opacity=1, color=GREY) for _ in range(3)])
        squares.arrange(RIGHT, buff=0.5).shift(UP * 0.5)
        caption = Text("Primary colors", font_size=40).to_edge(DOWN, buff=0.8)

        self.play(FadeIn(squares, lag_ratio=0.3))
        self.play(
            squares[0].animate.set_color("#e63946"),
            squares[1].animate.set_color("#ffbe0b"),
            squares[2].animate.set_color("#3a86ff"),
            run_time=1.5,
        )
        self.play(Write(caption))
        for sq in squares:
            self.play(Indicate(sq, scale_factor=1.15), run_time=0.6)
        self.wait(0.5)
