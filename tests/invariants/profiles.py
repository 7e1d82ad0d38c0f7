"""The harness's Hypothesis profiles: ``ci`` (a fixed seed, a few minutes in ``make test``) and ``fuzz``.

``HYPOTHESIS_PROFILE=fuzz`` (``make fuzz``) draws many more examples from a fresh seed and shrinks each
failure to a minimal one; ``ci`` is derandomised (the same examples every run) and does not shrink, so a
known failure (a property marked ``xfail``) costs one example, not a search.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

_COMMON = settings(
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("INVARIANT_EXAMPLES", "3")),
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    parent=_COMMON,
)
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("INVARIANT_EXAMPLES", "60")),
    derandomize=False,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    parent=_COMMON,
)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if PROFILE not in ("ci", "fuzz"):
    PROFILE = "ci"

HARNESS = settings(settings.get_profile(PROFILE))
"""The settings every property of the harness runs under (a decorator)."""
