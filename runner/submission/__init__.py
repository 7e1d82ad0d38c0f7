"""Submitting a job template, once for every backend: ``service.submit`` runs the steps, a ``Submission`` plugs in.

The steps every submit shares (the default name, the local root, the job's folders and logs, its record,
waiting) are in ``runner.submission.service``; each backend's part (its plan, its dry run, its start) is one
``Submission`` class beside it. The ``runner ... submit`` commands only parse their options and call ``submit``.
"""
