"""A command line split into arguments as ``shlex.split`` splits it, in linear time, and the shell syntax in it.

``shlex`` builds each argument one character at a time (``token = token + char``), which is quadratic in an
argument's length: a 3 MB command line took minutes. ``split`` reads whole runs of characters with one regular
expression and gives the same arguments (the tests compare the two on generated text).

A job's command line runs without a shell (its arguments go straight to ``exec``), so what only a shell would
read (``|``, ``;``, ``&&``, redirections, ``$(...)``, backticks, ``$HOME``) would reach the program as literal
text. ``shell_syntax`` finds the first such construct outside single quotes, so a template can say what it
means instead (``bash -c '...'`` runs a shell explicitly).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from runner.errors import RunnerError

_PIECE = re.compile(
    r"(?P<space>[ \t\r\n]+)|(?P<word>[^ \t\r\n'\"\\]++)|'(?P<single>[^']*+)'"
    r'|"(?P<double>(?:[^"\\]++|\\.)*+)"|\\(?P<escaped>.)',
    re.DOTALL,
)
"""One piece of a command line; possessive quantifiers, so an unclosed quote fails at once (no backtracking)."""
_DOUBLE_ESCAPE = re.compile(r"\\([\\\"])")
_OPERATOR = re.compile(r"\$\(|&&|\|\||>>|[|&;<>()`]")
_SUBSTITUTION = re.compile(r"`|\$\(")
_REFERENCE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


class SplitError(RunnerError):
    """Unbalanced quotes or a trailing backslash (the message is shlex's, in lower case)."""


@dataclass(frozen=True)
class Split:
    """The arguments, and the text a shell would interpret: unquoted and inside double quotes."""

    args: list[str]
    unquoted: list[str]
    double_quoted: list[str]


def split_command(text: str) -> Split:
    """Split ``text`` the way ``shlex.split(text)`` does (POSIX rules, no comments).

    Raises:
        SplitError: An unclosed quote or a trailing backslash.
    """
    args: list[str] = []
    unquoted: list[str] = []
    double_quoted: list[str] = []
    current: list[str] | None = None  # the pieces of the argument being read; None between arguments
    position = 0
    while position < len(text):
        match = _PIECE.match(text, position)
        if match is None:
            raise SplitError("no escaped character" if text[position] == "\\" else "no closing quotation")
        position = match.end()
        kind = match.lastgroup
        if kind == "space":
            if current is not None:
                args.append("".join(current))
                current = None
            continue
        piece = match.group(kind or "")
        if kind == "word":
            unquoted.append(piece)
        elif kind == "double":
            double_quoted.append(piece)
            piece = _DOUBLE_ESCAPE.sub(r"\1", piece)
        current = [] if current is None else current
        current.append(piece)
    if current is not None:
        args.append("".join(current))
    return Split(args, unquoted, double_quoted)


def split(text: str) -> list[str]:
    """The arguments of ``text``, as ``shlex.split`` gives them.

    Raises:
        SplitError: An unclosed quote or a trailing backslash.
    """
    return split_command(text).args


def shell_syntax(words: Split, expanded: Callable[[str], bool] = lambda name: False) -> str | None:
    """The first construct only a shell would read (outside single quotes), or None.

    Args:
        words: A split command line.
        expanded: Whether the runner itself replaces a variable (``$NAME`` of these is not shell syntax).
    """
    for piece in words.unquoted:
        found = _OPERATOR.search(piece)
        if found:
            return found.group(0)
    for piece in words.double_quoted:
        found = _SUBSTITUTION.search(piece)
        if found:
            return found.group(0)
    for piece in (*words.unquoted, *words.double_quoted):
        for reference in _REFERENCE.finditer(piece):
            if not expanded(reference.group(1)):
                return reference.group(0) + ("}" if reference.group(0).startswith("${") else "")
    return None
