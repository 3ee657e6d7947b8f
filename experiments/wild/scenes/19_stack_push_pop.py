from manim import *


class StackPushPop(Scene):
    def construct(self):
        self.camera.background_color = "#1b1b32"
        colors = ["#f72585", "#7209b7", "#4cc9f0"]

        base = Line(LEFT * 1.5, RIGHT * 1.5, stroke_width=6).to_edge(DOWN, buff=1).shift(LEFT * 3)
        label = Text("push", font_size=36, color="#4cc9f0").to_edge(RIGHT, buff=1.5).shift(UP)

        plates = []
        self.play(Create(base), FadeIn(label))
        for i, c in enumerate(colors):
            plate = Rectangle(width=2.6, height=0.6, color=c, fill_opacity=0.9)
            plate.move_to(base.get_center() + UP * (3.5))
            self.play(FadeIn(plate), run_time=0.3)
            self.play(plate.animate.move_to(base.get_center() + UP * (0.35 + 0.65 * i)), run_time=0.7)
            plates.append(plate)

        pop = Text("pop", font_size=36, color="#f72585").move_to(label)
        self.play(Transform(label, pop))
        self.play(plates[-1].animate.shift(RIGHT * 4 + UP * 1.5), run_time=1)
        self.play(FadeOut(plates[-1], shift=RIGHT))
        self.wait(0.5)
