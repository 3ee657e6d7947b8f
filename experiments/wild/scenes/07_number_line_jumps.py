from manim import *


class CountingByTwos(Scene):
    def construct(self):
        # number line along the bottom of the screen
        line = NumberLine(x_range=[0, 10, 1], length=12, include_numbers=True, font_size=28)
        line.to_edge(DOWN, buff=1)

        dot = Dot(line.n2p(0), color=YELLOW, radius=0.12)
        caption = Text("Counting by twos", font_size=36).to_edge(UP)

        self.play(Create(line), Write(caption))
        self.play(FadeIn(dot, scale=0.5))
        for k in range(2, 11, 2):
            self.play(dot.animate.move_to(line.n2p(k)), run_time=0.6)
        self.play(Indicate(dot, scale_factor=1.8))
        self.wait(0.5)
