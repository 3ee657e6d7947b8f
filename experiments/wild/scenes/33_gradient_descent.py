from manim import *


class GradientDescent(Scene):
    def construct(self):
        axes = Axes(x_range=[-3, 3, 1], y_range=[0, 9, 3], x_length=8, y_length=5, axis_config={"color": GREY_B})
        axes.to_edge(DOWN, buff=0.5)
        loss = axes.plot(lambda x: x * x, color=PURPLE_B)
        xs = [-2.6, -1.6, -0.9, -0.4, -0.1]
        ball = Dot(axes.c2p(xs[0], xs[0] ** 2), radius=0.13, color=RED)
        label = Text("gradient descent", font_size=30).to_corner(UL)
        hint = Arrow(ball.get_center() + UP * 1.3 + LEFT * 0.6, ball.get_center(), buff=0.15, color=RED_B)

        self.play(Create(axes), Create(loss), Write(label))
        self.play(FadeIn(ball), GrowArrow(hint))
        self.play(FadeOut(hint))
        for x in xs[1:]:
            self.play(ball.animate.move_to(axes.c2p(x, x * x)), run_time=0.6)
        self.play(Flash(ball, color=YELLOW))
        self.wait(0.5)
