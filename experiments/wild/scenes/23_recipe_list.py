from manim import *


class RecipeList(Scene):
    def construct(self):
        self.camera.background_color = "#3d405b"
        title = Text("Pancake recipe", font_size=44, weight=BOLD, color="#f2cc8f")
        title.to_corner(UL, buff=0.6)

        items = VGroup(
            Text("- two cups of flour", font_size=30),
            Text("- one spoon of sugar", font_size=30),
            Text("- three eggs", font_size=30),
            Text("- a glass of milk", font_size=30),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
        items.next_to(title, DOWN, buff=0.6, aligned_edge=LEFT)

        self.play(Write(title))
        for item in items:
            self.play(FadeIn(item, shift=RIGHT * 0.5), run_time=0.6)
        highlight = SurroundingRectangle(items[2], color="#81b29a", buff=0.12)
        self.play(Create(highlight))
        self.wait(1.5)
