"""Planning: turn a target clip or storyboard into a scene graph with the trained world model and decoder."""
