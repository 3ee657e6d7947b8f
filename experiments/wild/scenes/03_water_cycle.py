from manim import *

config.background_color = "#fdf6e3"

INK = "#073642"


def make_box(word, color):
    label = Text(word, font_size=30, color=INK)
    frame = RoundedRectangle(corner_radius=0.2, width=label.width + 0.8, height=1.0, color=color)
    frame.set_fill(color, opacity=0.25)
    return VGroup(frame, label)


class WaterCycle(Scene):
    def construct(self):
        ocean = make_box("Ocean", "#268bd2").move_to(DOWN * 2 + LEFT * 3.5)
        clouds = make_box("Clouds", "#93a1a1").move_to(UP * 2)
        rain = make_box("Rain", "#2aa198").move_to(DOWN * 2 + RIGHT * 3.5)

        a1 = Arrow(ocean.get_top(), clouds.get_left(), color=INK, buff=0.2)
        a2 = Arrow(clouds.get_right(), rain.get_top(), color=INK, buff=0.2)
        a3 = Arrow(rain.get_left(), ocean.get_right(), color=INK, buff=0.2)

        evap = Text("evaporation", font_size=22, color="#cb4b16").next_to(a1.get_center(), LEFT)

        self.play(FadeIn(ocean), FadeIn(clouds), FadeIn(rain))
        self.play(GrowArrow(a1), Write(evap))
        self.play(GrowArrow(a2))
        self.play(GrowArrow(a3))
        self.wait(2)
