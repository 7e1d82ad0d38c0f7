"""``runner local``: the simulated cluster on this machine (setup, submit)."""

import typer

from runner.commands.local import setup, submit

app = typer.Typer(help="Run job templates on this machine (process or docker backend).", no_args_is_help=True)
app.command("setup")(setup.setup)
app.command("submit")(submit.submit)
