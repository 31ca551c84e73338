"""The real-project corpus (fixtures/projects/): every project built as it is and after --fix.

For each project (e2elib/projects.py has the format): the original Dockerfile
and the output of ``godockerlint --fix --unsafe-fixes`` are built with the
stand-in images against the session's module proxy, and:

- the original builds (else the fixture is broken), and so does the fixed file;
- the probe (a command or an HTTP request) gives the same result on both, and
  the original's shows the project's ``expect``;
- the exposed ports, the entrypoint/command arguments and whether there is an
  ENTRYPOINT are kept (only the binary's path may become absolute);
- every finding left after the fix by a rule that can fix says why it carries
  no fix, and a file with no fix to apply is left byte for byte.

Known failures of today's fixer are listed in KNOWN_FAILURES (and in
tests/e2e/README.md): those tests are ``xfail(strict=True)``, so they turn
into failures (XPASS) the day the fixer gets them right.

``GODOCKERLINT_E2E_PROJECTS_REPORT=FILE`` writes the run's table (README
"Real-project corpus") to FILE.
"""

from __future__ import annotations

import dataclasses

import collections
import os
import posixpath
import re
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from e2elib import dockercli, projects
from e2elib.appedit import nonce

pytestmark = pytest.mark.e2e

NAMES = projects.names()

#: (project, check) -> reason naming the issue family: today's fixer breaks these.
#: check is one of: fixed_builds, probe, config, refusals. Keep tests/e2e/README.md in step.
KNOWN_BUILD_FAILURES: Dict[str, str] = {
}

KNOWN_FAILURES: Dict[Tuple[str, str], str] = {
    **{(name, "fixed_builds"): reason for name, reason in KNOWN_BUILD_FAILURES.items()},
    # The probe and the image config of a fixed file that does not build cannot match either.
    **{(name, check): f"{KNOWN_BUILD_FAILURES[name]} (so the fixed image does not exist)"
       for name in KNOWN_BUILD_FAILURES for check in ("probe", "config")},
}


def _params(check: str):
    out = []
    for name in NAMES:
        reason = KNOWN_FAILURES.get((name, check))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(name, id=name, marks=marks))
    return out


class Corpus:
    """Fixes, builds and probes of the corpus, each computed once per session."""

    def __init__(self, work: Path, goproxy_url: str) -> None:
        self.work = work
        self.goproxy_url = goproxy_url
        self._fix: Dict[str, projects.FixOutcome] = {}
        self._build: Dict[Tuple[str, str], projects.BuildOutcome] = {}
        self._probe: Dict[Tuple[str, str], projects.ProbeResult] = {}
        self.rebuilds: Dict[str, Tuple[float, float]] = {}
        self.tags: List[str] = []
        self.added_tags: List[str] = []  # stand-in tags only a fixed file names

    def project(self, name: str) -> projects.Project:
        return projects.load(name)

    def fixed(self, name: str) -> projects.FixOutcome:
        if name not in self._fix:
            work = self.work / name
            work.mkdir()
            self._fix[name] = projects.fix(self.project(name), work)
        return self._fix[name]

    def built(self, name: str, variant: str) -> projects.BuildOutcome:
        key = (name, variant)
        if key not in self._build:
            outcome = self.fixed(name)
            dockerfile = outcome.original if variant == "before" else outcome.fixed
            if variant == "fixed":
                self.added_tags += projects.tag_stand_ins_for(outcome.fixed_text)
            tag = f"godockerlint-e2e-projects/{name}:{variant}"
            self.tags.append(tag)
            self._build[key] = projects.build(self.project(name), dockerfile, outcome.context, tag, self.goproxy_url)
        return self._build[key]

    def probed(self, name: str, variant: str) -> projects.ProbeResult:
        key = (name, variant)
        if key not in self._probe:
            self._probe[key] = projects.probe(self.project(name), self.require(name, variant).tag)
        return self._probe[key]

    def require(self, name: str, variant: str) -> projects.BuildOutcome:
        result = self.built(name, variant)
        if not result.ok:
            which = "original Dockerfile (the fixture is broken)" if variant == "before" else "fixed Dockerfile"
            pytest.fail(f"{name}: the {which} does not build:\n{dockercli.tail(result.log, 40)}"
                        + (f"\n--- fixed file ---\n{self.fixed(name).fixed_text}" if variant == "fixed" else ""),
                        pytrace=False)
        return result

    # --- the README table -------------------------------------------------------
    def table(self, seconds: float) -> str:
        rows, reasons = [], collections.Counter()
        totals = collections.Counter()
        for name in NAMES:
            if name not in self._fix:
                continue
            fx = self._fix[name]
            before, fixed = self._build.get((name, "before")), self._build.get((name, "fixed"))
            pb, pf = self._probe.get((name, "before")), self._probe.get((name, "fixed"))
            refused = projects.refused(fx.findings_after)
            for f in refused:
                reasons[f"{f['code']}: {projects.refusal_reason(f) or '(no reason given)'}"] += 1
            applied = len([f for f in fx.findings_before if f.get("fix")]) - len(
                [f for f in fx.findings_after if f.get("fix")])
            probe_equal = bool(pb and pf and pb == pf and pb.shows(self.project(name).probe["expect"]))
            totals["projects"] += 1
            totals["original builds"] += bool(before and before.ok)
            totals["fixed builds"] += bool(fixed and fixed.ok)
            totals["probe equal"] += probe_equal
            totals["changed"] += fx.changed
            rb = self.rebuilds.get(name)
            rows.append(f"| {name} | {', '.join(self.project(name).families)} | "
                        f"{'yes' if fx.changed else 'no'} | {max(applied, 0)} | {len(refused)} | "
                        f"{_yn(before)} | {_yn(fixed)} | {'n/a' if pb is None or pf is None else 'yes' if probe_equal else 'no'} | "
                        + (f"{rb[0]:.1f} s / {rb[1]:.1f} s ({rb[0] / rb[1]:.1f}x)" if rb else "") + " |")
        out = [f"Projects: {totals['projects']}; original builds: {totals['original builds']}; "
               f"fixed files changed: {totals['changed']}; fixed files that build: {totals['fixed builds']}; "
               f"probes equal: {totals['probe equal']}; corpus time {seconds / 60:.1f} min"
               + (f"; stand-in tags added for fixed files: {', '.join(sorted(set(self.added_tags)))}"
                  if self.added_tags else "") + ".", "",
               "| Project | Families | Fixed file changed | Findings fixed | Fixes refused | Original builds | "
               "Fixed builds | Probe equal | Rebuild after source edit (original / fixed) |",
               "|---|---|---|---|---|---|---|---|---|", *rows, "",
               "| Fixes refused (rule: reason) | Findings |", "|---|---|"]
        out += [f"| {reason} | {count} |" for reason, count in reasons.most_common()] or ["| (none) | |"]
        return "\n".join(out) + "\n"


def _yn(build: Optional[projects.BuildOutcome]) -> str:
    return "n/a" if build is None else ("yes" if build.ok else "**no**")


@pytest.fixture(scope="session")
def corpus(base_images, goproxy, tmp_path_factory):
    start = time.monotonic()
    c = Corpus(tmp_path_factory.mktemp("projects"), goproxy.url)
    yield c
    table = c.table(time.monotonic() - start)
    report = os.environ.get("GODOCKERLINT_E2E_PROJECTS_REPORT")
    if report:
        Path(report).write_text(table)
    print("\n" + table, file=sys.stderr)
    dockercli.remove_images(c.tags)


# --- no Docker needed ----------------------------------------------------------------

def test_corpus_has_thirty_projects_and_two_members_per_family():
    loaded = [projects.load(name) for name in NAMES]  # raises on a malformed project.yaml
    assert len(loaded) >= 30, f"{len(loaded)} projects"
    members = collections.Counter(f for p in loaded for f in p.families)
    thin = {family: members[family] for family in projects.FAMILIES if members[family] < 2}
    assert not thin, f"families with fewer than two members: {thin}"


def test_known_failures_name_real_projects_and_checks():
    for (name, check), reason in KNOWN_FAILURES.items():
        assert name in NAMES, name
        assert check in ("fixed_builds", "probe", "config", "refusals"), check
        assert re.match(r"1[34](\.\d)?: ", reason), f"{name}/{check}: the reason must start with its family: {reason}"


# --- builds and probes -----------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_original_builds_and_its_probe_shows_it_works(corpus, name):
    corpus.require(name, "before")
    result = corpus.probed(name, "before")
    expect = corpus.project(name).probe["expect"]
    assert result.shows(expect), (f"probe of the original: exit {result.exit_code}, want {expect!r} in:\n"
                                  f"{result.output}\n--- stderr/logs ---\n{result.stderr}")


@pytest.mark.parametrize("name", _params("fixed_builds"))
def test_fixed_file_builds(corpus, name):
    corpus.require(name, "before")
    corpus.require(name, "fixed")


@pytest.mark.parametrize("name", _params("probe"))
def test_fixed_image_probe_gives_the_same_result(corpus, name):
    corpus.require(name, "before")
    corpus.require(name, "fixed")
    before, fixed = corpus.probed(name, "before"), corpus.probed(name, "fixed")
    change = corpus.project(name).probe.get("stated_change")
    if change:  # the change the fix states (another user): the only difference allowed
        assert change["from"] in before.output, (change, before.output)
        before = dataclasses.replace(before, output=before.output.replace(change["from"], change["to"]))
    assert fixed == before, (f"probe changed:\n--- original (exit {before.exit_code}) ---\n{before.output}"
                             f"\n--- fixed (exit {fixed.exit_code}) ---\n{fixed.output}"
                             f"\n--- fixed, stderr/logs ---\n{fixed.stderr}"
                             f"\n--- fixed file ---\n{corpus.fixed(name).fixed_text}")


@pytest.mark.parametrize("name", _params("config"))
def test_fixed_image_keeps_entrypoint_cmd_and_ports(corpus, name):
    before = projects.image_config(corpus.require(name, "before").tag)
    fixed = projects.image_config(corpus.require(name, "fixed").tag)
    assert sorted(fixed.get("ExposedPorts") or {}) == sorted(before.get("ExposedPorts") or {})
    assert bool(fixed.get("Entrypoint")) == bool(before.get("Entrypoint")), (before.get("Entrypoint"),
                                                                           fixed.get("Entrypoint"))
    argv_before, argv_fixed = dockercli.effective_argv(before), dockercli.effective_argv(fixed)
    assert argv_fixed[1:] == argv_before[1:], f"arguments changed: {argv_before} -> {argv_fixed}"
    if argv_before:
        # A relative binary path may become absolute (another WORKDIR), nothing else.
        assert argv_fixed and posixpath.basename(argv_fixed[0]) == posixpath.basename(argv_before[0]), (
            f"{argv_before} -> {argv_fixed}")


@pytest.mark.parametrize("name", _params("refusals"))
def test_refused_fixes_say_why(corpus, name):
    outcome = corpus.fixed(name)
    assert "Traceback" not in outcome.fixer_stderr and "internal error" not in outcome.fixer_stderr, (
        outcome.fixer_stderr)
    silent = [f"{f['line']}: {f['code']} {f['message']}" for f in projects.refused(outcome.findings_after)
              if projects.refusal_reason(f) is None]
    assert not silent, ("findings left without a fix and without saying why (pattern "
                        f"{projects.REFUSAL_RE.pattern!r}):\n  " + "\n  ".join(silent))
    if not any(f.get("fix") for f in outcome.findings_before):
        assert outcome.fixed_text == outcome.original_text, "no fix was offered, yet the file changed"


@pytest.mark.parametrize("name", [n for n in NAMES if projects.load(n).rebuild])
def test_rebuild_after_a_source_edit(corpus, name, tmp_path):
    """Measured for the README table: the fixed file's layer order and cache mounts at work."""
    corpus.require(name, "before")
    corpus.require(name, "fixed")
    project, outcome = corpus.project(name), corpus.fixed(name)
    import shutil

    context = tmp_path / "context"
    shutil.copytree(outcome.context, context, symlinks=True)
    projects.source_edit(context, nonce())
    seconds = []
    for variant, dockerfile in (("before", outcome.original), ("fixed", outcome.fixed)):
        tag = f"godockerlint-e2e-projects/{name}:{variant}-edited"
        corpus.tags.append(tag)
        result = projects.build(project, dockerfile, context, tag, corpus.goproxy_url)
        assert result.ok, f"{variant} rebuild failed:\n{dockercli.tail(result.log, 30)}"
        assert projects.probe(project, tag).shows(project.probe["expect"]), variant
        seconds.append(result.seconds)
    corpus.rebuilds[name] = (seconds[0], seconds[1])
