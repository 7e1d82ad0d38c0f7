"""Training: ranks from MPI, the step loop, the learning-rate schedule, checkpoints and exact resume."""
