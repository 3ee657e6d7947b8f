from manim import *

config.background_color = WHITE


class TitleCardLight(Scene):
    def construct(self):
        title = Text("Linear Algebra", font_size=64, color="#1d3557", weight=BOLD)
        subtitle = Text("Lesson three: eigenvectors", font_size=32, color="#457b9d")
        rule = Line(LEFT * 4, RIGHT * 4, color="#e63946", stroke_width=6)
        VGroup(title, rule, subtitle).arrange(DOWN, buff=0.4).shift(UP * 0.5)
        badge = Circle(radius=0.5, color="#e63946", fill_opacity=1).to_corner(DR)
        num = Text("3", font_size=40, color=WHITE).move_to(badge)

        self.play(FadeIn(title, shift=DOWN * 0.5))
        self.play(GrowFromCenter(rule))
        self.play(Write(subtitle))
        self.play(GrowFromCenter(badge), FadeIn(num))
        self.wait(1.5)
        self.play(FadeOut(VGroup(title, rule, subtitle), shift=UP))
        self.wait(0.3)
