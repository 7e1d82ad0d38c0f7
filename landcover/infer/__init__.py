"""Inference: the streaming engine, regions, outputs (COG, preview), evaluation, scoring and metrics."""
