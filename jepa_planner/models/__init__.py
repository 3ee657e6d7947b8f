"""Plain ``nn.Module`` models: the video encoder, the JEPA predictor, and the action-conditioned predictor."""
