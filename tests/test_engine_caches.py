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


def test_words_in_place_answers_as_a_span_per_word():
    """commandedits.words_in_place's one-slice check gives the per-word spans' answer: over every
    go command of every fixture Dockerfile, and on words a continuation or `<<-` moves."""
    from pathlib import Path

    from godockerlint.analysis.facts import Facts
    from godockerlint.fix.commandedits import _word_spans, words_in_place
    from godockerlint.parse.parser import ParseError, parse

    texts = ["FROM golang:1.22\nRUN go bu\\\nild -o /app . && go vet \\\n ./...\n",
             "FROM golang:1.22\nRUN <<-EOF\n\tgo build -o /app .\nEOF\n",
             "FROM golang:1.22\nRUN sh -c \"go build -o /app .\"\n",
             'FROM golang:1.22\nRUN ["go", "build", "-o", "/app", "."]\n']
    root = Path(__file__).resolve().parent.parent / "fixtures"
    texts += [p.read_text(errors="replace") for p in sorted(root.rglob("Dockerfile*")) if p.is_file()]
    checked = moved = 0
    for text in texts:
        try:
            facts = Facts(parse(text, "Dockerfile"))
        except ParseError:
            continue
        for st in facts.stages:
            for gc in st.go_commands:
                slow = None not in _word_spans(facts, gc)
                assert words_in_place(facts, gc) == slow, (text, gc.words)
                checked += 1
                moved += not slow
    assert checked > 500 and moved >= 2  # the continuation inside `build` and the <<- heredoc
