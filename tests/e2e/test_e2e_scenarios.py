"""End-to-end scenarios: every before Dockerfile in fixtures/e2e/ and its fixed versions.

The fixed files come from e2elib.scenarios.fixed_dockerfile (by default the rewriter's output;
the hand-written files with GODOCKERLINT_E2E_FIXER=expert). Runtime checks use the images that pytest-docker's
compose setup built and started; rebuild checks run their own `docker build`s on
a temporary copy of fixtures/app and count the requests the module proxy saw.

Test order matters for speed only: the ephemeral-runner tests prune BuildKit
cache mounts, so they come last.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Optional

import pytest

from e2elib import appedit, dockercli, goproxy as goproxy_mod, scenarios
from e2elib.http import http_get, wait_for

pytestmark = pytest.mark.e2e

SCENARIOS = scenarios.scenario_names()
FIXED_VARIANTS = ["fixed", "fixed-ephemeral"]
STATIC_MODULE_PATHS = sorted({spec.path for spec in goproxy_mod.STATIC_MODULES})


def _paths(requests) -> str:
    return "\n  ".join(f"{r.method} {r.path} -> {r.status}" for r in requests) or "(none)"


def _image_id(tag: str) -> str:
    return dockercli.inspect_image(tag)["Id"]


def _build(dockerfiles: Dict[str, Dict[str, Path]], scenario: str, variant: str, app: Path, tag: str,
           proxy_url: str, goproxy_arg: Optional[str] = None, no_cache: bool = False) -> dockercli.BuildResult:
    """Build like the compose setup does (same build arg), so unchanged steps hit its layer cache.

    `no_cache=True` runs every step again: the warm-up of the rebuild tests uses it so the
    BuildKit cache mounts are filled by this test itself, whatever pruned or garbage-collected
    them before (a persistent builder keeps them; these tests must not depend on test order)."""
    return dockercli.build(dockerfiles[scenario][variant], app, tag,
                           build_args={"GOPROXY": goproxy_arg or proxy_url}, no_cache=no_cache)


def _user_ids(user: str):
    """'65532:65532' -> (65532, 65532); '65532' -> (65532, None); a name -> (None, None)."""
    uid, _, gid = user.partition(":")
    return (int(uid) if uid.isdigit() else None, int(gid) if gid.isdigit() else None)


# --- the built images, run as compose services ---------------------------------------

@pytest.mark.parametrize("variant", FIXED_VARIANTS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fixed_image_answers_like_before(running_services, scenario, variant):
    before_url = running_services[scenarios.service_name(scenario, "before")]
    fixed_url = running_services[scenarios.service_name(scenario, variant)]

    status, before_version = http_get(before_url + "/version")
    assert status == 200
    assert before_version.startswith("app 1.4.2\n")
    for module in ("alpha v1.1.0", "beta v1.2.0", "gamma v0.3.1", "delta v1.0.4"):
        assert re.search(rf"^{module} [0-9a-f]{{16}}$", before_version, re.M), before_version

    assert http_get(fixed_url + "/version") == (200, before_version)
    assert http_get(fixed_url + "/healthz") == http_get(before_url + "/healthz") == (200, "ok\n")


@pytest.mark.parametrize("variant", FIXED_VARIANTS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fixed_image_keeps_ports_and_arguments(running_services, scenario, variant):
    before = dockercli.inspect_image(scenarios.image_name(scenario, "before"))["Config"]
    fixed = dockercli.inspect_image(scenarios.image_name(scenario, variant))["Config"]

    assert sorted(fixed.get("ExposedPorts") or {}) == sorted(before.get("ExposedPorts") or {})
    before_argv, fixed_argv = dockercli.effective_argv(before), dockercli.effective_argv(fixed)
    assert fixed_argv[1:] == before_argv[1:], f"arguments changed: {before_argv} -> {fixed_argv}"
    # `docker run IMAGE args...` replaces CMD: what CMD holds must stay where it was.
    assert bool(fixed.get("Entrypoint")) == bool(before.get("Entrypoint")), (before, fixed)


@pytest.mark.parametrize("variant", FIXED_VARIANTS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fixed_image_runs_as_numeric_non_root_user(running_services, container_id, scenario, variant):
    config = dockercli.inspect_image(scenarios.image_name(scenario, variant))["Config"]
    uid, gid = _user_ids(config.get("User") or "")
    assert uid is not None, f"USER is not numeric: {config.get('User')!r}"
    assert uid != 0, "USER is root"
    assert ":" not in config["User"] or gid not in (None, 0), f"group not numeric or root: {config['User']!r}"

    # And the running server process really has that uid.
    state = dockercli.run(["inspect", "--format", "{{.State.Pid}}",
                           container_id(scenarios.service_name(scenario, variant))]).stdout.strip()
    status = Path(f"/proc/{state}/status").read_text()
    real_uid = int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1))
    assert real_uid == uid


@pytest.mark.parametrize("variant", FIXED_VARIANTS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fixed_image_is_smaller(running_services, scenario, variant):
    before = dockercli.image_size(scenarios.image_name(scenario, "before"))
    fixed = dockercli.image_size(scenarios.image_name(scenario, variant))
    assert fixed < before, f"fixed {fixed} bytes >= before {before} bytes"


# --- rebuilds ------------------------------------------------------------------------

@pytest.mark.parametrize("scenario", SCENARIOS)
def test_source_edit_rebuild_makes_no_proxy_requests(running_services, scenario_dockerfiles, goproxy, scenario, tmp_path,
                                                     build_tag):
    app = appedit.copy_app(tmp_path / "app")
    warm = _build(scenario_dockerfiles, scenario, "fixed", app, build_tag("warm"), goproxy.url, no_cache=True)

    new_version = appedit.source_edit(app)
    mark = goproxy.mark()
    edited = _build(scenario_dockerfiles, scenario, "fixed", app, build_tag("edited"), goproxy.url)
    requests = goproxy.since(mark)

    assert requests == [], f"source-only rebuild fetched from the proxy:\n  {_paths(requests)}"
    assert _image_id(edited.tag) != _image_id(warm.tag), "the edit did not reach the image"
    # The rebuilt image serves the edited source.
    cid = dockercli.run(["run", "-d", "-p", "127.0.0.1::8080", edited.tag]).stdout.strip().splitlines()[-1]
    try:
        port = dockercli.run(["port", cid, "8080"]).stdout.split(":")[-1].strip()
        status, body = wait_for(f"http://127.0.0.1:{port}/version")
        assert body.startswith(f"app {new_version}\n"), body
    finally:
        dockercli.run(["rm", "-f", cid], check=False)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_gomod_edit_rebuild_fetches_only_the_added_module(scenario, running_services, scenario_dockerfiles, goproxy,
                                                          goproxy_tree, tmp_path, build_tag):
    app = appedit.copy_app(tmp_path / "app")
    _build(scenario_dockerfiles, scenario, "fixed", app, build_tag("warm"), goproxy.url, no_cache=True)

    module, version = appedit.add_module(app, goproxy_tree)
    mark = goproxy.mark()
    _build(scenario_dockerfiles, scenario, "fixed", app, build_tag("edited"), goproxy.url)
    requests = goproxy.since(mark)

    assert goproxy_mod.modules_requested(requests) == [module], f"requests:\n  {_paths(requests)}"
    assert any(r.path == f"/{module}/@v/{version}.zip" and r.status == 200 for r in requests), _paths(requests)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fixed_file_uses_goproxy_build_arg(scenario, running_services, scenario_dockerfiles, goproxy, second_goproxy,
                                           goproxy_tree, tmp_path, build_tag):
    app = appedit.copy_app(tmp_path / "app")
    module, version = appedit.add_module(app, goproxy_tree)  # not in any cache: it must be fetched
    default_mark, second_mark = goproxy.mark(), second_goproxy.mark()
    _build(scenario_dockerfiles, scenario, "fixed", app, build_tag("mirror"), goproxy.url,
           goproxy_arg=second_goproxy.url)
    via_default, via_second = goproxy.since(default_mark), second_goproxy.since(second_mark)

    assert via_default == [], f"the build ignored --build-arg GOPROXY:\n  {_paths(via_default)}"
    assert any(r.path == f"/{module}/@v/{version}.zip" and r.status == 200 for r in via_second), _paths(via_second)


# --- a simulated ephemeral CI runner: layer cache kept, cache mounts gone ---------------

def test_ephemeral_runner_simulation_empties_module_cache_mounts(running_services, scenario_dockerfiles, goproxy,
                                                                 tmp_path, build_tag):
    """Control for the next test: after the prune, a cache-mount-only download step
    (Dockerfile.fixed, ci-cache persistent) re-fetches every module on a source edit."""
    scenario = SCENARIOS[0]
    app = appedit.copy_app(tmp_path / "app")
    _build(scenario_dockerfiles, scenario, "fixed", app, build_tag("warm"), goproxy.url)
    dockercli.prune_cache_mounts()
    appedit.source_edit(app)
    mark = goproxy.mark()
    _build(scenario_dockerfiles, scenario, "fixed", app, build_tag("edited"), goproxy.url)
    fetched = goproxy_mod.modules_requested(goproxy.since(mark))
    assert fetched == STATIC_MODULE_PATHS, fetched


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_ephemeral_runner_source_edit_makes_no_proxy_requests(scenario, running_services, scenario_dockerfiles, goproxy,
                                                              tmp_path, build_tag):
    app = appedit.copy_app(tmp_path / "app")
    warm = _build(scenario_dockerfiles, scenario, "fixed-ephemeral", app, build_tag("warm"), goproxy.url)
    dockercli.prune_cache_mounts()

    appedit.source_edit(app)
    mark = goproxy.mark()
    edited = _build(scenario_dockerfiles, scenario, "fixed-ephemeral", app, build_tag("edited"), goproxy.url)
    requests = goproxy.since(mark)

    assert requests == [], f"rebuild on a runner without cache mounts fetched:\n  {_paths(requests)}"
    assert _image_id(edited.tag) != _image_id(warm.tag), "the edit did not reach the image"
