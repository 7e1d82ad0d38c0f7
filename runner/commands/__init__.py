"""One module per runner command group (local, cloud, jobs, build)."""
