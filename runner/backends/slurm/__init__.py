"""The Slurm backend: a Batch AI job template as one ``sbatch`` script, its ranks under ``mpirun`` or a container.

``script`` builds the script (pure), ``config`` holds the site settings ``runner slurm configure`` stores,
``client`` talks to Slurm's commands, ``backend`` puts it behind the one Backend interface.
"""
