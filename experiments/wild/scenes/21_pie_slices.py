from manim import *


class PieSlices(Scene):
    """Share of a day: sleep, school and play, drawn as sectors."""

    def construct(self):
        config_slices = [
            ("Sleep", 0.375, "#264653"),
            ("School", 0.333, "#e9c46a"),
            ("Play", 0.292, "#e76f51"),
        ]
        start = PI / 2
        sectors = VGroup()
        keys = VGroup()
        for name, share, color in config_slices:
            angle = -share * TAU
            sectors.add(AnnularSector(inner_radius=0, outer_radius=2.2, angle=angle, start_angle=start, color=color))
            start += angle
            swatch = Square(0.35, color=color, fill_opacity=1)
            keys.add(VGroup(swatch, Text(name, font_size=28).next_to(swatch, RIGHT)))

        sectors.shift(LEFT * 2.5)
        keys.arrange(DOWN, aligned_edge=LEFT, buff=0.4).shift(RIGHT * 3)

        self.play(LaggedStart(*[FadeIn(s, scale=0.8) for s in sectors], lag_ratio=0.4), run_time=2)
        self.play(LaggedStart(*[Write(k) for k in keys], lag_ratio=0.3), run_time=1.5)
        self.play(sectors[1].animate.shift(RIGHT * 0.3))
        self.wait(1)
