"""Bad input to the job verbs: ``runner show|list|logs|files|cancel``."""

from __future__ import annotations

from tests.bad_inputs.case import BadInput
from tests.bad_inputs.setups import file, folder, job_record, local_root, symlink

ROOT = (local_root(),)
VERBS = ("show", "logs", "files", "cancel")

CASES: list[BadInput] = []

for verb in VERBS:
    CASES += [
        BadInput(
            id=f"runner-{verb}-missing-name",
            cli="runner",
            argv=(verb,),
            message=("Missing argument 'NAME'", f"runner {verb} --help"),
        ),
        BadInput(
            id=f"runner-{verb}-unknown-option",
            cli="runner",
            argv=(verb, "job1", "--bogus"),
            message="No such option: --bogus",
            setup=ROOT,
            untouched=(".runner",),
        ),
        BadInput(
            id=f"runner-{verb}-unknown-job",
            cli="runner",
            argv=(verb, "nosuchjob"),
            message=("no job named 'nosuchjob'", "runner list"),
            setup=ROOT,
            untouched=(".runner",),
        ),
        BadInput(
            id=f"runner-{verb}-name-with-dotdot",
            cli="runner",
            argv=(verb, "../jobs"),
            message="no job named '../jobs'",
            setup=ROOT,
            untouched=(".runner",),
        ),
        BadInput(
            id=f"runner-{verb}-root-missing",
            cli="runner",
            argv=(verb, "job1", "--root", "{ws}/nowhere"),
            message="nowhere: no such local root",
            untouched=("nowhere",),
        ),
        BadInput(
            id=f"runner-{verb}-root-is-file",
            cli="runner",
            argv=(verb, "job1", "--root", "{ws}/afile"),
            message="afile: not a folder",
            setup=(file("afile", "x"),),
            untouched=("afile",),
        ),
        BadInput(
            id=f"runner-{verb}-corrupt-record",
            cli="runner",
            argv=(verb, "job1"),
            message=("record.json: not a readable job record", "remove the job's folder"),
            setup=(*ROOT, job_record("job1", "{not json")),
            untouched=(".runner",),
        ),
        BadInput(
            id=f"runner-{verb}-record-wrong-fields",
            cli="runner",
            argv=(verb, "job1"),
            message="not a readable job record (",
            setup=(*ROOT, job_record("job1", '{"name": 3}')),
            untouched=(".runner",),
        ),
        BadInput(
            id=f"runner-{verb}-record-newer-format",
            cli="runner",
            argv=(verb, "job1"),
            message="newer than this runner's",
            setup=(*ROOT, job_record("job1", {"format_version": 99})),
            untouched=(".runner",),
        ),
    ]

CASES += [
    BadInput(
        id="runner-list-unknown-option",
        cli="runner",
        argv=("list", "--all"),
        message="No such option: --all",
    ),
    BadInput(
        id="runner-list-extra-argument",
        cli="runner",
        argv=("list", "job1"),
        message="unexpected extra argument",
    ),
    BadInput(
        id="runner-list-root-missing",
        cli="runner",
        argv=("list", "--root", "{ws}/nowhere"),
        message=("nowhere: no such local root", "runner local setup"),
        untouched=("nowhere",),
    ),
    BadInput(
        id="runner-list-default-root-missing",
        cli="runner",
        argv=("list",),
        message="name",
        exit_code=0,
        untouched=(".runner",),
    ),
    BadInput(
        id="runner-list-corrupt-record-listed-with-the-rest",
        cli="runner",
        argv=("list",),
        message=("warning:", "not a readable job record", "unreadable", "good1"),
        exit_code=0,
        setup=(*ROOT, job_record("job1", "{not json"), job_record("good1", {})),
        untouched=(".runner",),
    ),
    BadInput(
        id="runner-list-record-not-an-object",
        cli="runner",
        argv=("list",),
        message=("a JSON list, not an object", "unreadable"),
        exit_code=0,
        setup=(*ROOT, job_record("job1", "[1, 2]")),
        untouched=(".runner",),
    ),
    BadInput(
        id="runner-list-record-not-utf8",
        cli="runner",
        argv=("list",),
        message=("not a readable job record", "unreadable"),
        exit_code=0,
        setup=(*ROOT, job_record("job1", b"\xff\xfe\x00")),
        untouched=(".runner",),
    ),
    BadInput(
        id="runner-list-record-is-a-folder",
        cli="runner",
        argv=("list",),
        message="name",
        exit_code=0,
        setup=(*ROOT, folder(".runner/jobs/job1/record.json")),
        untouched=(".runner",),
    ),
    BadInput(
        id="runner-list-root-is-file",
        cli="runner",
        argv=("list", "--root", "{ws}/afile"),
        message=("afile: not a folder", "--root"),
        setup=(file("afile", "x"),),
        untouched=("afile",),
    ),
    BadInput(
        id="runner-list-jobs-is-file",
        cli="runner",
        argv=("list",),
        message=("jobs: not a folder",),
        setup=(file(".runner/jobs", "x"),),
        untouched=(".runner",),
    ),
    BadInput(
        id="runner-logs-root-option-without-value",
        cli="runner",
        argv=("logs", "job1", "--root"),
        message="'--root' requires an argument",
    ),
    BadInput(
        id="runner-files-output-unknown",
        cli="runner",
        argv=("files", "job1", "--output", "NOPE"),
        message="job 'job1' has no output 'NOPE'",
        setup=(*ROOT, job_record("job1", {"outputs": {"IMAGES": "{ws}/out"}}), folder("out")),
        untouched=(".runner", "out"),
    ),
    BadInput(
        id="runner-files-dangling-symlink",
        cli="runner",
        argv=("files", "job1"),
        message=("IMAGES", "broken.tif"),
        exit_code=0,
        setup=(
            *ROOT,
            job_record("job1", {"outputs": {"IMAGES": "{ws}/out"}}),
            file("out/ok.tif", "x"),
            symlink("out/broken.tif", "{ws}/gone.tif"),
        ),
        untouched=(".runner", "out"),
    ),
]
