"""``python -m landcover``: the same as the ``landcover`` command."""

from landcover.cli import main

main()
