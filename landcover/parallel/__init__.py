"""Running as one of several ranks: the World (ranks from MPI, the process group), collectives, the MPI work queue.

Used by both :mod:`landcover.train` and :mod:`landcover.infer`; imports neither.
"""
