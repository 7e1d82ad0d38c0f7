"""Runs one recorded local job to completion and keeps its record current (started detached by ``submit``).

``python -m runner.supervise JOB_DIR``: state queued -> running -> succeeded / failed, with the exit code and
times, every write under the record's lock. A job cancelled before it started never starts (exit code 130);
a launch failure is kept as the record's one-line ``error`` and in stderr.txt.
"""

from __future__ import annotations

import sys
from pathlib import Path

from runner.backends.base import BackendError
from runner.backends.local import CANCELLED_EXIT, local_backend
from runner.store import JobState, load_record, now, update_record

LAUNCH_FAILED_EXIT = 127


def supervise(directory: Path) -> int:
    """Run the job recorded in ``directory``; return its exit code."""
    backend = local_backend(load_record(directory).backend)
    error = None
    try:
        code = backend.run(directory)
    except BackendError as exc:
        code, error = LAUNCH_FAILED_EXIT, exc.line
    except Exception as exc:  # anything else that kept the job from starting: one line, kept
        code, error = LAUNCH_FAILED_EXIT, f"could not start the job: {' '.join(str(exc).split())[:200]}"
    with update_record(directory) as record:
        if error:
            record.error = error
            with open(record.stderr, "a") as err:
                err.write(f"runner: {error}\n")
        record.exit_code = CANCELLED_EXIT if code is None else code
        record.finished = now()
        record.state = JobState.SUCCEEDED if record.exit_code == 0 and not record.cancelled else JobState.FAILED
    backend.cleanup(record)
    return record.exit_code


if __name__ == "__main__":
    sys.exit(supervise(Path(sys.argv[1])))
