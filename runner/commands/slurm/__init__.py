"""``runner slurm``: job templates as sbatch jobs on a Slurm cluster (submit, configure)."""

import typer

from runner.commands.slurm import configure, submit

app = typer.Typer(help="Run job templates on a Slurm cluster (one sbatch job each).", no_args_is_help=True)
app.command("configure")(configure.configure)
app.command("submit")(submit.submit)
