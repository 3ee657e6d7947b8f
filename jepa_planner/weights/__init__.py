"""The planner shipped with the package: ``default.safetensors`` and its ``MODEL_CARD.md`` (see ``planning.model``)."""
