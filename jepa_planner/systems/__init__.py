"""LightningModules: the systems that wire plain models together for training."""
