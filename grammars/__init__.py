"""The DSL's grammar files, shipped inside the wheel; read them with ``importlib.resources.files("grammars")``."""
