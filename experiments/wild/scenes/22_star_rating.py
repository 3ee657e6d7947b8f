from manim import *


class StarRating(Scene):
    def construct(self):
        stars = VGroup(*[Star(outer_radius=0.6, color=GREY_B) for i in range(5)])
        stars.arrange(RIGHT, buff=0.3).to_edge(UP, buff=1.2)
        review = Text("Rating: four out of five", font_size=34).next_to(stars, DOWN, buff=0.6)

        self.play(Create(stars), run_time=1.5)
        self.play(
            LaggedStart(*[s.animate.set_fill("#ffd60a", opacity=1) for s in stars[:4]], lag_ratio=0.25),
            run_time=2,
        )
        self.play(Write(review))
        self.play(Indicate(stars[4], color=GREY_A))
        self.wait()
