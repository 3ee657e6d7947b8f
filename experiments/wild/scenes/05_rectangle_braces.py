from manim import *


class RectangleBraces(Scene):
    def construct(self):
        rect = Rectangle(width=5, height=2.5, color=TEAL)
        rect.set_fill(TEAL, opacity=0.3).shift(LEFT * 1.5)

        bottom = Brace(rect, DOWN)
        w = bottom.get_text("width")
        side = Brace(rect, RIGHT)
        h = side.get_text("height")

        area = MathTex(r"A = w \times h").to_corner(UR)

        self.play(DrawBorderThenFill(rect))
        self.play(GrowFromCenter(bottom), FadeIn(w))
        self.play(GrowFromCenter(side), FadeIn(h))
        self.play(Write(area))
        self.wait(1.5)
