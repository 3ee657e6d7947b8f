from manim import *


class SortingWords(Scene):
    def construct(self):
        words = ["cherry", "apple", "melon", "banana"]
        texts = VGroup(*[Text(w, font="DejaVu Sans", font_size=36) for w in words])
        texts.arrange(DOWN, buff=0.45, aligned_edge=LEFT).to_edge(LEFT, buff=2)
        slots = [t.get_center() for t in texts]
        header = Text("Sort alphabetically", font="DejaVu Sans", font_size=30, color=YELLOW)
        header.to_edge(UP, buff=0.5).to_edge(LEFT, buff=2)

        self.play(Write(header))
        self.play(LaggedStart(*[FadeIn(t, shift=RIGHT) for t in texts], lag_ratio=0.2))
        self.wait(0.5)

        order = sorted(range(len(words)), key=lambda i: words[i])
        self.play(
            *[texts[i].animate.move_to(slots[rank]).align_to(texts[0], LEFT) for rank, i in enumerate(order)],
            run_time=2,
        )
        self.play(texts.animate.set_color(GREEN_B))
        self.wait(1)
