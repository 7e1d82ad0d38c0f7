"""Backends: each builds its launch specification with a pure function and launches it at the edge."""
