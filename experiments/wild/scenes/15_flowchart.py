from manim import *


class Flowchart(Scene):
    def construct(self):
        self.camera.background_color = "#f5f5f5"

        def step(text, fill):
            box = Rectangle(width=3.4, height=0.9, color="#333333", fill_color=fill, fill_opacity=1)
            return VGroup(box, Text(text, font_size=28, color="#111111"))

        steps = (
            VGroup(
                step("Read input", "#ffd166"),
                step("Check value", "#06d6a0"),
                step("Print result", "#118ab2"),
            )
            .arrange(DOWN, buff=0.8)
            .to_edge(LEFT, buff=1.5)
        )

        arrows = VGroup(
            Arrow(steps[0].get_bottom(), steps[1].get_top(), buff=0.1, color="#333333"),
            Arrow(steps[1].get_bottom(), steps[2].get_top(), buff=0.1, color="#333333"),
        )
        note = Text("A simple program", font_size=34, color="#ef476f").to_corner(UR)

        self.play(Write(note))
        for i, s in enumerate(steps):
            self.play(FadeIn(s, shift=DOWN * 0.3), run_time=0.7)
            if i < 2:
                self.play(GrowArrow(arrows[i]), run_time=0.5)
        self.play(Indicate(steps[1]))
        self.wait(1)
