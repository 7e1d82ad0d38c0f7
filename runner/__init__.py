"""runner: run landcover job templates locally or on a cloud GPU cluster."""

__version__ = "0.1.0"
