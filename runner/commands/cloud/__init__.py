"""``runner cloud``: the same image and job templates on Azure Machine Learning compute clusters."""

import typer

from runner.commands.cloud import configure, download, submit, upload

app = typer.Typer(help="Run job templates on Azure Machine Learning.", no_args_is_help=True)
app.command("configure")(configure.configure)
app.command("submit")(submit.submit)
app.command("upload")(upload.upload)
app.command("download")(download.download)
