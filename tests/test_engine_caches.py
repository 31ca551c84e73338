"""The per-run caches of the engine and settings change nothing a run reports."""

import pickle
from dataclasses import replace

from godockerlint.lint.engine import _active_rules, lint_bytes, read_dockerfile
from godockerlint.lint.rule import load_rules
from godockerlint.core.settings import Settings

DOCKERFILE = b"FROM golang:1.22\nRUN go build -o /app .\n"


def test_settings_stay_picklable_after_use():
    # a process pool's workers send Settings back inside RemoteFix: the engine's cache of
    # rules (which hold lambdas) must not go with them, or every worker fails
    settings = Settings(ignore=frozenset({"GDL2"}))
    lint_bytes(DOCKERFILE, "Dockerfile", settings, context_dir=None)
    again = pickle.loads(pickle.dumps(settings))
    assert again == settings
    assert set(vars(again)) == set(vars(Settings()))


def test_enabled_answers_are_the_uncached_ones():
    settings = Settings(select=frozenset({"GDL1", "GDL3"}), ignore=frozenset({"GDL10"}))
    for code in ["GDL101", "GDL110", "GDL301", "GDL201", "GDL101", "GDL999"]:
        assert settings.enabled(code) == settings._enabled_uncached(code)
    assert replace(settings, ignore=frozenset()).enabled("GDL101")


def test_active_rules_follow_the_settings_and_the_rule_table():
    rules = load_rules()
    everything = _active_rules(Settings(), rules)
    assert [r.code for r in everything] == [c for c, r in rules.items() if r.module != "godockerlint.lint.engine"]
    some = Settings(select=frozenset({"GDL1"}))
    assert all(r.code.startswith("GDL1") for r in _active_rules(some, rules))
    fewer = dict(list(rules.items())[:3])
    assert _active_rules(some, fewer) == [r for r in fewer.values()
                                         if r.module != "godockerlint.lint.engine" and r.code.startswith("GDL1")]


def test_read_dockerfile_reads_what_is_there(tmp_path):
    for size in [0, 1, 4095, 4096, 70000]:
        path = tmp_path / f"D{size}"
        data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
        path.write_bytes(data)
        assert read_dockerfile(path, "D") == data
