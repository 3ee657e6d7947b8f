from manim import *


class VennPets(Scene):
    def construct(self):
        self.camera.background_color = "#222831"

        left = Circle(radius=2, color="#00adb5", fill_opacity=0.35).shift(LEFT * 1.3)
        right = Circle(radius=2, color="#ff2e63", fill_opacity=0.35).shift(RIGHT * 1.3)

        cats = Text("Cats", font_size=34).move_to(left.get_center() + LEFT * 0.8)
        dogs = Text("Dogs", font_size=34).move_to(right.get_center() + RIGHT * 0.8)
        both = Text("Both", font_size=26, color="#eeeeee")

        title = Text("Pet owners in our class", font_size=30).to_edge(UP, buff=0.4)

        self.play(Write(title))
        self.play(Create(left), Create(right))
        self.play(FadeIn(cats, shift=RIGHT), FadeIn(dogs, shift=LEFT))
        self.play(GrowFromCenter(both))
        self.play(Indicate(both, color=YELLOW))
        self.wait(1)
