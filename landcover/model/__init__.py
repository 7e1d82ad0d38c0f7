"""The tutorial's U-Net (exact port), its normalisation modes, and the one checkpoint format."""
