from manim import *


class TrafficLight(Scene):
    def construct(self):
        housing = RoundedRectangle(
            corner_radius=0.3, width=1.8, height=4.6, color=GREY_D, fill_color="#222222", fill_opacity=1
        ).to_edge(LEFT, buff=2)
        lamps = (
            VGroup(*[Circle(radius=0.6, color=GREY_D, fill_color="#444444", fill_opacity=1) for _ in range(3)])
            .arrange(DOWN, buff=0.25)
            .move_to(housing)
        )

        stop = Text("Stop", font_size=60, color="#ff4d4d").shift(RIGHT * 2.5)
        wait = Text("Wait", font_size=60, color="#ffcc00").move_to(stop)
        go = Text("Go", font_size=60, color="#33cc66").move_to(stop)

        self.play(FadeIn(housing), FadeIn(lamps))
        self.play(lamps[0].animate.set_fill("#ff4d4d"), Write(stop))
        self.wait(0.7)
        self.play(
            lamps[0].animate.set_fill("#444444"), lamps[1].animate.set_fill("#ffcc00"), ReplacementTransform(stop, wait)
        )
        self.wait(0.7)
        self.play(
            lamps[1].animate.set_fill("#444444"), lamps[2].animate.set_fill("#33cc66"), ReplacementTransform(wait, go)
        )
        self.wait(1)
