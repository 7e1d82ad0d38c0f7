"""The bad-input suite: every command of ``landcover`` and ``runner`` fed inputs a user gets wrong.

Each case is one :class:`~tests.bad_inputs.case.BadInput` row: the command line, the files it needs (built by
the seeded setup helpers in :mod:`tests.bad_inputs.setups`), the exit code it must end with (2 unless the
right behaviour is success), a fragment of its message, and the paths that must be untouched afterwards
(compared by content hash and modification time). ``test_bad_inputs.py`` runs every row in-process with
Typer's ``CliRunner`` (``subprocess=True`` for the few that need a real process, e.g. mpirun); at the end
pytest prints ``N bad inputs tried, N handled``.

How to add a case:
    1. Pick the module of the command: ``cases_runner_<command>.py`` or ``cases_landcover_<command>.py`` (add
       a new module with that name if there is none; any ``cases_*.py`` module is picked up).
    2. Append a row to its module-level ``CASES`` list::

           BadInput(
               id="runner-show-unknown-job",          # unique across the suite; the pytest id
               cli="runner",
               argv=("show", "nosuchjob"),          # ``{ws}`` is replaced by the case's own folder
               message="no job named 'nosuchjob'",  # a fragment of stderr (of stdout+stderr when exit 0)
               setup=(local_root(),),                # seeded files/folders/templates, made in {ws}
               untouched=(".runner",),               # files or folders (relative to {ws}) left as they were
           )

    3. Run it: ``PYTHONPATH=$PWD .venv/bin/python -m pytest tests/bad_inputs -q -k runner-show``.

A case runs with ``{ws}`` (a fresh temporary folder) as the working directory and ``RUNNER_HOME={ws}/.runner``.
By default an error must be one line on stderr with no traceback (``one_line=False`` for the rare case where
more is right, e.g. a job's own error lines under ``--wait``).
"""
