"""The e2e suite's own machinery: proxy protocol, deterministic modules, go.sum hashes, fixtures.

These need no Docker engine.
"""

from __future__ import annotations

import io
import json
import re
import time
import urllib.request
import zipfile

import pytest

from e2elib import goproxy as goproxy_mod, scenarios
from e2elib.gosum import gosum_lines

pytestmark = pytest.mark.e2e


def _get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_python_go_sum_hashes_match_the_toolchains_go_sum():
    """fixtures/app/go.sum was written by `go mod tidy` against the test proxy."""
    committed = set((scenarios.APP_DIR / "go.sum").read_text().splitlines())
    required = dict(re.findall(r"^\t(\S+) (v\S+)$", (scenarios.APP_DIR / "go.mod").read_text(), re.M))
    assert len(required) == 4
    specs = {(s.path, s.version): s for s in goproxy_mod.STATIC_MODULES}
    for path, version in required.items():
        spec = specs[(path, version)]
        files = goproxy_mod.module_files(spec)
        assert set(gosum_lines(spec.path, spec.version, files, files["go.mod"])) <= committed


def test_module_tree_is_deterministic(tmp_path):
    goproxy_mod.write_tree(tmp_path / "a")
    goproxy_mod.write_tree(tmp_path / "b")
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b and files_a
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_proxy_serves_the_goproxy_protocol_and_logs_requests(tmp_path):
    goproxy_mod.write_tree(tmp_path)
    mod = f"{goproxy_mod.MODULE_PREFIX}/alpha"
    with goproxy_mod.GoProxy(tmp_path, delay=0.05) as proxy:
        start = time.monotonic()
        assert _get(f"{proxy.url}/{mod}/@v/list") == (200, b"v1.0.0\nv1.1.0\n")
        assert time.monotonic() - start >= 0.05
        status, info = _get(f"{proxy.url}/{mod}/@v/v1.1.0.info")
        assert status == 200 and json.loads(info) == {"Version": "v1.1.0", "Time": goproxy_mod.MODULE_TIME}
        status, gomod = _get(f"{proxy.url}/{mod}/@v/v1.1.0.mod")
        assert status == 200 and gomod.startswith(f"module {mod}\n".encode())
        status, data = _get(f"{proxy.url}/{mod}/@v/v1.1.0.zip")
        assert status == 200
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        assert names and all(n.startswith(f"{mod}@v1.1.0/") for n in names)
        assert f"{mod}@v1.1.0/go.mod" in names
        assert json.loads(_get(f"{proxy.url}/{mod}/@latest")[1])["Version"] == "v1.1.0"
        assert _get(f"{proxy.url}/{goproxy_mod.MODULE_PREFIX}/nope/@v/list")[0] == 404
        assert _get(f"{proxy.url}/{mod}/@v/../../x")[0] == 404
        log = proxy.requests
    assert [r.status for r in log] == [200, 200, 200, 200, 200, 404, 404]
    assert log[0].path == f"/{mod}/@v/list"
    assert goproxy_mod.modules_requested(log[:5]) == [mod]


def test_added_module_versions_are_listed_and_hashed(tmp_path):
    tree = goproxy_mod.write_tree(tmp_path)
    spec = goproxy_mod.ModuleSpec("epsilon", "v1.0.17", files_per_package=1, funcs_per_file=3)
    lines = tree.add_module(spec)
    assert lines[0].startswith(f"{spec.path} v1.0.17 h1:") and lines[1].startswith(f"{spec.path} v1.0.17/go.mod h1:")
    tree.add_module(goproxy_mod.ModuleSpec("epsilon", "v1.0.9", files_per_package=1, funcs_per_file=3))
    assert (tmp_path / spec.path / "@v" / "list").read_text() == "v1.0.9\nv1.0.17\n"


@pytest.mark.parametrize("scenario", scenarios.scenario_names())
@pytest.mark.parametrize("variant", list(scenarios.VARIANTS))
def test_fixture_dockerfiles_need_no_registry_frontend(scenario, variant):
    """A `# syntax=` line makes BuildKit pull a frontend image; these machines reach no registry."""
    text = scenarios.dockerfile_text(scenario, variant)
    assert not re.search(r"^\s*#\s*syntax\s*=", text, re.M | re.I)


def test_there_are_at_least_three_scenarios():
    assert {"single-stage", "gomod-first-alpine", "hardcoded-goproxy"} <= set(scenarios.scenario_names())
