"""Shared test configuration: hypothesis profiles.

`dev` (the default) keeps property tests quick on a laptop; `ci` (chosen when the
environment variable CI is set, as `.ci/run` runs under CI=true) gives the fuzzers a
larger budget, a few minutes in all. HYPOTHESIS_PROFILE=<name> picks one explicitly.
Tests that pass their own `@settings(max_examples=...)` keep their budget.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=50, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", max_examples=3000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))
