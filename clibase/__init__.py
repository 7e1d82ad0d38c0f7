"""What both command-line tools share: the one error line, the help's value names, counts, atomic writes.

``landcover`` (the ML package in the image) and ``runner`` (the user's tool) never import each other; both may
import this package, and it imports neither. It imports nothing heavy (the standard library, Rich and Typer),
so a ``runner`` without torch installed works:

- :mod:`clibase.report`: an error as one line naming what is wrong and how to fix it, exit code 2;
- :mod:`clibase.group`: the Typer group that reports usage errors (and each tool's own errors) that way;
- :mod:`clibase.help`: option value names (``DIR``, ``N``) in ``--help``, flags never cut;
- :mod:`clibase.tree`: every command of a Typer app, for the help checks and the CLI reference;
- :mod:`clibase.text`: counts that read right (``1 scene``, ``2 processes``);
- :mod:`clibase.atomic`: atomic file writes (temporary file, fsync, rename, fsync of the folder).
"""
