from manim import *


class BinaryTree(Scene):
    def construct(self):
        positions = {8: [0, 2, 0], 3: [-2.5, 0, 0], 10: [2.5, 0, 0], 1: [-4, -2, 0], 6: [-1, -2, 0]}
        nodes = {}
        for key, pos in positions.items():
            ring = Circle(radius=0.45, color=WHITE, fill_color=BLACK, fill_opacity=1)
            nodes[key] = VGroup(ring, Text(str(key), font_size=30)).move_to(pos)

        edges = VGroup(
            *[
                Line(nodes[a].get_center(), nodes[b].get_center(), buff=0.45, color=GREY_B)
                for a, b in [(8, 3), (8, 10), (3, 1), (3, 6)]
            ]
        )
        caption = Text("binary search tree", font_size=28, color=GREY_A).to_corner(DR)

        self.play(FadeIn(nodes[8]))
        self.play(Create(edges[0]), Create(edges[1]), FadeIn(nodes[3]), FadeIn(nodes[10]))
        self.play(Create(edges[2]), Create(edges[3]), FadeIn(nodes[1]), FadeIn(nodes[6]))
        self.play(Write(caption))
        self.play(nodes[6][0].animate.set_color(GREEN), run_time=0.5)
        self.play(Indicate(nodes[6]))
        self.wait()
