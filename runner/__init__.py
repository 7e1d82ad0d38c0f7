"""runner: run landcover job templates locally or on a cloud GPU cluster.

The version is the installed landcover-runner distribution's, whose one source is ``landcover.__version__``
(pyproject's dynamic version); runner reads it from the package metadata, as it never imports landcover.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("landcover-runner")
except PackageNotFoundError:  # sources on sys.path without an install
    __version__ = "0+unknown"
