from manim import *


class Pendulum(Scene):
    def construct(self):
        pivot = UP * 2.5
        ceiling = Line(pivot + LEFT * 1.5, pivot + RIGHT * 1.5, color=GREY, stroke_width=8)
        rod = Line(pivot, pivot + DOWN * 4, color=WHITE)
        bob = Circle(radius=0.3, color=BLUE, fill_opacity=1).move_to(rod.get_end())
        pendulum = VGroup(rod, bob)

        swing = Arc(radius=4, start_angle=-PI / 2 - PI / 6, angle=PI / 3, arc_center=pivot)
        swing = DashedVMobject(swing.set_color(GREY_B), num_dashes=18)
        title = Text("Simple pendulum", font_size=34).to_corner(UL)

        self.play(Create(ceiling), Create(rod), GrowFromCenter(bob), Write(title))
        self.play(Create(swing))
        self.play(Rotate(pendulum, PI / 6, about_point=pivot), run_time=0.8)
        for _ in range(2):
            self.play(Rotate(pendulum, -PI / 3, about_point=pivot), run_time=1.2)
            self.play(Rotate(pendulum, PI / 3, about_point=pivot), run_time=1.2)
        self.wait(0.5)
