"""Plumbing every command shares: atomic writes, progress, the console and the one error type."""
