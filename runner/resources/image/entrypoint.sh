#!/usr/bin/env bash
# Prepares the environment for landcover jobs, then runs the job's command as given (exec).
# Every default below can be overridden by the job's own environment variables.
set -euo pipefail

# glibc allocator: keep freed memory instead of returning it (about 3x faster CPU training steps).
export MALLOC_MMAP_MAX_="${MALLOC_MMAP_MAX_:-0}"
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-100000000000}"

# Threads: landcover sets torch's per rank; keep OpenMP/MKL from oversubscribing the node meanwhile.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"

# OpenMPI inside a container: no ssh agent for one node, TCP over the container's interfaces, shared memory.
export OMPI_MCA_plm_rsh_agent="${OMPI_MCA_plm_rsh_agent:-ssh}"
export OMPI_MCA_btl_vader_single_copy_mechanism="${OMPI_MCA_btl_vader_single_copy_mechanism:-none}"
export OMPI_MCA_btl="${OMPI_MCA_btl:-^openib}"

# NCCL: report problems, and fail fast on an asynchronous error instead of hanging.
export NCCL_DEBUG="${NCCL_DEBUG:-WARN}"
export TORCH_NCCL_ASYNC_ERROR_HANDLING="${TORCH_NCCL_ASYNC_ERROR_HANDLING:-1}"

# The runner starts containers as the invoking user (so files in the mounts stay theirs), who may have no
# home in the image: give Python, MPI and PyTorch a writable one.
if [ ! -w "${HOME:-/nonexistent}" ]; then
    export HOME=/tmp
fi

# Job output goes to log files: plain progress lines.
export LANDCOVER_PROGRESS="${LANDCOVER_PROGRESS:-plain}"

if [ "$#" -eq 0 ]; then
    set -- landcover --help
fi
exec "$@"
