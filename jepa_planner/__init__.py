"""JEPA planner: from a clip or a storyboard to a typed scene graph, and from there to Manim code."""
