"""The Typer group of both commands: a usage error, or an error the tool knows, is one line and exit code 2."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, ClassVar, NoReturn

import typer
from rich.console import Console
from typer.core import TyperGroup

from clibase.report import fail


class OneLineErrors(TyperGroup):
    """A command group whose usage errors (unknown option, bad value, missing argument) are one line, exit 2.

    Click's own format is a usage line, a hint and a boxed message; the promise of both tools is one line
    naming the option and the fix, the same as every other error they report. A tool's group says which
    other exceptions it reports that way (:meth:`report`) and on which console (:attr:`error_console`).
    """

    error_console: ClassVar[Console | None] = None
    """Where the error line goes (``None``: a plain stderr console)."""

    def fail(self, message: str, hint: str = "") -> NoReturn:
        """Print one error line on :attr:`error_console` and exit with code 2."""
        fail(message, hint, self.error_console)

    def report(self, exc: Exception, argv: list[str]) -> None:
        """Report an error the tool knows as one line (:meth:`fail`); return to let any other propagate.

        Args:
            exc: What the command raised.
            argv: The command line (without the program name).
        """

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command; in standalone mode, report usage errors on one line and exit 2."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except typer.TyperException as exc:  # Click's exceptions (typer vendors Click)
            if type(exc).__name__ == "NoArgsIsHelpError":
                return super().main(args, prog_name, complete_var, True, **extra)
            context = getattr(exc, "ctx", None)
            if context is None:
                self.fail(exc.format_message())
            where = context.command_path
            self.fail(f"{where}: {exc.format_message()}", f"see `{where} --help`")
        except typer.Abort:
            self.fail("aborted")
        except Exception as exc:  # the last line of defence: what the tool knows is one line naming its cause
            self.report(exc, sys.argv[1:] if args is None else list(args))
            raise
        sys.exit(code if isinstance(code, int) else 0)


def one_line_app(name: str, group: type[OneLineErrors]) -> typer.Typer:
    """A Typer app whose errors are one line (``group``), with help when run bare, no shell-completion options."""
    return typer.Typer(name=name, cls=group, no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)


def version_option(program: str, version: str) -> Any:
    """The ``--version`` option of an app's callback: prints ``program version`` and exits."""

    def show(value: bool) -> None:
        if value:
            typer.echo(f"{program} {version}")
            raise typer.Exit()

    return typer.Option("--version", callback=show, is_eager=True, help="Print the version and exit.")
