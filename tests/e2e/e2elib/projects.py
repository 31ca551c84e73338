"""The real-project corpus: small Go projects in fixtures/projects/<name>/, built before and after --fix.

Each project is a build context (Dockerfile, go.mod/go.sum where the project
has them, Go sources, scripts, config files) plus ``project.yaml``:

    description: the real-world shape it stands for
    families: ["13.1", "14.4"]        # issue families it is a member of (FAMILIES)
    probe:                             # how to show that the image works
      run: ["--version"]               # `docker run --rm IMAGE <run...>`: appended to the
      expect: "hello 1.0"              # ENTRYPOINT, replacing CMD; expect: substring of stdout
    # or
    probe: {http: {port: 8080, path: /healthz}, expect: "ok"}
    build_args: {KEY: value}           # optional, "{goproxy}" is the suite's proxy URL
    add_hosts: {athens.internal: 127.0.0.1}  # optional --add-host entries
    target: stage                      # optional --target
    rebuild: true                      # optional: measure a rebuild after a source edit

project.yaml is not part of the build context the suite builds (it copies the
project without it). The fixed file is the output of
``godockerlint --fix --unsafe-fixes`` on a copy, with a config holding
``syntax: none`` (no frontend pull offline), the copy as ``--context`` and the
project's ``target``.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

from . import dockercli
from .http import http_get

REPO = Path(__file__).resolve().parents[3]
PROJECTS = REPO / "fixtures" / "projects"

#: The issue families a project can be a member of: issue 13 (final stage) and 14 (build stages).
FAMILIES: Dict[str, str] = {
    "13.1": "single-stage split only when the binary, its name and all the image uses are known",
    "13.2": "a move to distroless keeps WORKDIR, files made by RUN, users and privileged ports",
    "13.3": "a base that is another stage of the file is never replaced",
    "13.4": "only distroless tags that exist",
    "13.5": "cgo: the binary's libc decides the final base",
    "14.1": "the builder's Go version decides what a fix may write",
    "14.2": "pinning an image never downgrades",
    "14.3": "flag edits merge into what is there",
    "14.4": "no cache mount on a RUN that cleans the cached path; opaque builds get the same mounts",
    "14.5": "a dependency step only with evidence of go.mod, after the settings that change fetching",
    "14.6": "GOPROXY fixes take effect",
    "14.7": "no new hadolint warning",
    "14.8": "the fix loop converges",
}

#: How a finding says why it carries no fix (the issue-13 contract: one clause in the
#: message). One pattern for the whole suite: change it here if the wording changes.
REFUSAL_RE = re.compile(r"\bno (?:automatic )?fix\b|\bnot fixed\b|\bno fix is offered\b|\bnot offered\b", re.I)

CONFIG = "syntax: none\n"
_KEYS = {"description", "families", "probe", "build_args", "add_hosts", "target", "rebuild"}


class ProjectError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class Project:
    name: str
    dir: Path
    description: str
    families: Sequence[str]
    probe: Mapping
    build_args: Mapping[str, str]
    add_hosts: Mapping[str, str]
    target: Optional[str]
    rebuild: bool

    @property
    def dockerfile(self) -> Path:
        return self.dir / "Dockerfile"


def _load_yaml(path: Path):
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(path.read_text())


def load(name: str) -> Project:
    pdir = PROJECTS / name
    path = pdir / "project.yaml"
    data = _load_yaml(path)
    if not isinstance(data, dict):
        raise ProjectError(f"{path}: not a mapping")
    unknown = set(data) - _KEYS
    if unknown:
        raise ProjectError(f"{path}: unknown keys {sorted(unknown)}")
    for key in ("description", "families", "probe"):
        if key not in data:
            raise ProjectError(f"{path}: no {key}")
    families = list(data["families"])
    bad = [f for f in families if f not in FAMILIES]
    if bad:
        raise ProjectError(f"{path}: unknown families {bad}")
    probe = data["probe"]
    if not isinstance(probe, dict) or not isinstance(probe.get("expect"), str) or not probe["expect"]:
        raise ProjectError(f"{path}: probe needs a non-empty expect")
    if ("run" in probe) == ("http" in probe):
        raise ProjectError(f"{path}: probe needs exactly one of run, http")
    if "run" in probe and not (isinstance(probe["run"], list) and all(isinstance(a, str) for a in probe["run"])):
        raise ProjectError(f"{path}: probe.run must be a list of strings")
    if "http" in probe and not (isinstance(probe["http"], dict) and isinstance(probe["http"].get("port"), int)
                                and str(probe["http"].get("path", "")).startswith("/")):
        raise ProjectError(f"{path}: probe.http needs port (int) and path (/...)")
    if not (pdir / "Dockerfile").is_file():
        raise ProjectError(f"{pdir}: no Dockerfile")
    return Project(name, pdir, str(data["description"]).strip(), families, probe,
                   {str(k): str(v) for k, v in (data.get("build_args") or {}).items()},
                   {str(k): str(v) for k, v in (data.get("add_hosts") or {}).items()},
                   data.get("target"), bool(data.get("rebuild", False)))


def names() -> List[str]:
    return sorted(p.parent.name for p in PROJECTS.glob("*/project.yaml"))


# --- godockerlint -----------------------------------------------------------------

def _godockerlint(args: Sequence[str]) -> subprocess.CompletedProcess:
    env = {"GODOCKERLINT_SERVER": "0", "NO_COLOR": "1"}
    import os

    return subprocess.run([sys.executable, "-m", "godockerlint", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=300)


_RULE_FIX: Dict[str, str] = {}


def rule_fix_kinds() -> Dict[str, str]:
    """{code: 'none'|'safe'|'unsafe'|'safe/unsafe'} from `godockerlint --list-rules`."""
    if not _RULE_FIX:
        out = _godockerlint(["--list-rules"]).stdout
        for m in re.finditer(r"^(GDL\d+)\s+\S+\s+\S+\s+(\S+)", out, re.M):
            _RULE_FIX[m.group(1)] = m.group(2)
    return dict(_RULE_FIX)


def lint_json(dockerfile: Path, context: Path, config: Path, target: Optional[str]) -> List[dict]:
    args = ["--format", "json", "--config", str(config), "--context", str(context)]
    if target:
        args += ["--target", target]
    proc = _godockerlint(args + [str(dockerfile)])
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"godockerlint on {dockerfile} exited {proc.returncode}: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


@dataclasses.dataclass
class FixOutcome:
    context: Path            # copy of the project without project.yaml (the build context)
    original: Path           # context/Dockerfile
    fixed: Path              # the fixed copy (outside the context)
    original_text: str
    fixed_text: str
    findings_before: List[dict]
    findings_after: List[dict]
    fixer_exit: int
    fixer_stderr: str

    @property
    def changed(self) -> bool:
        return self.fixed_text != self.original_text


def fix(project: Project, work: Path) -> FixOutcome:
    context = work / "context"
    shutil.copytree(project.dir, context, symlinks=True, ignore=shutil.ignore_patterns("project.yaml"))
    config = work / "godockerlint.yaml"
    config.write_text(CONFIG)
    fixed = work / "fixed" / "Dockerfile"
    fixed.parent.mkdir()
    original = context / "Dockerfile"
    shutil.copyfile(original, fixed)
    before = lint_json(original, context, config, project.target)
    args = ["--fix", "--unsafe-fixes", "--quiet", "--config", str(config), "--context", str(context)]
    if project.target:
        args += ["--target", project.target]
    proc = _godockerlint(args + [str(fixed)])
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"godockerlint --fix on {project.name} exited {proc.returncode}: {proc.stderr.strip()}")
    after = lint_json(fixed, context, config, project.target)
    return FixOutcome(context, original, fixed, original.read_text(), fixed.read_text(), before, after,
                      proc.returncode, proc.stderr)


def refused(findings: List[dict]) -> List[dict]:
    """Findings of rules that can fix, carrying no fix: the fixes godockerlint refused."""
    kinds = rule_fix_kinds()
    return [f for f in findings if f.get("fix") is None and kinds.get(f["code"], "none") != "none"]


def refusal_reason(finding: dict) -> Optional[str]:
    """The clause after the refusal marker, or None when the message gives no reason."""
    m = REFUSAL_RE.search(finding["message"])
    if not m:
        return None
    rest = finding["message"][m.end():].lstrip(" :,;-(")
    return rest.split(";")[0].rstrip(").") or finding["message"][m.start():m.end()]


# --- docker -----------------------------------------------------------------------

_FROM_RE = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)", re.I | re.M)


def tag_stand_ins_for(text: str) -> List[str]:
    """Tag the golang/alpine stand-ins as every golang:/alpine: tag `text` names that is missing.

    The fixer may pin `golang:latest` to a release the stand-ins were not tagged
    with: those tags are the same stand-in (a concession in tests/e2e/README.md).
    Distroless names are never added: a tag the fixer invents must fail the build.
    Returns the tags added."""
    from . import baseimages

    added = []
    args = {k: v.strip("\"'") for k, v in baseimages._ARG_RE.findall(text)}  # `ARG GO_VERSION=1.27` pins
    for ref in _FROM_RE.findall(text):
        ref = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), ref)
        if "$" in ref or not ref.startswith(("golang:", "alpine:")) or dockercli.image_exists(ref):
            continue
        if ref.startswith("golang:"):
            old = baseimages._old_go_tag(ref) and baseimages.golang_gopath_tags()
            source = (old or baseimages.golang_tags())[0]
        else:
            source = baseimages.ALPINE_TAGS[0]
        dockercli.run(["tag", source, ref])
        added.append(ref)
    return added


@dataclasses.dataclass
class BuildOutcome:
    tag: str
    ok: bool
    seconds: float
    log: str


def build(project: Project, dockerfile: Path, context: Path, tag: str, goproxy_url: str,
          no_cache: bool = False) -> BuildOutcome:
    args = ["build", "--progress", "plain", "-f", str(dockerfile), "-t", tag, "--network", "host"]
    if no_cache:
        args.append("--no-cache")
    if project.target:
        args += ["--target", project.target]
    build_args = {"GOPROXY": goproxy_url}
    build_args.update({k: v.replace("{goproxy}", goproxy_url) for k, v in project.build_args.items()})
    for key, value in build_args.items():
        args += ["--build-arg", f"{key}={value}"]
    for hostname, ip in project.add_hosts.items():
        args += ["--add-host", f"{hostname}:{ip}"]
    args.append(str(context))
    start = time.monotonic()
    proc = dockercli.run(args, check=False, timeout=1200)
    return BuildOutcome(tag, proc.returncode == 0, time.monotonic() - start, proc.stdout)


@dataclasses.dataclass(frozen=True)
class ProbeResult:
    exit_code: int
    output: str     # stdout of a run probe, or "HTTP <status>\n<body>"
    stderr: str = dataclasses.field(default="", compare=False)  # for the failure message only

    def shows(self, expect: str) -> bool:
        return self.exit_code == 0 and expect in self.output


def probe(project: Project, tag: str, timeout: float = 60) -> ProbeResult:
    spec = project.probe
    if "run" in spec:
        proc = subprocess.run([dockercli.DOCKER, "run", "--rm", tag, *spec["run"]], capture_output=True,
                              env=dockercli.docker_env(), timeout=timeout)
        return ProbeResult(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                           proc.stderr.decode("utf-8", "replace")[-2000:])
    port, path = spec["http"]["port"], spec["http"]["path"]
    cid = dockercli.run(["run", "-d", "-p", f"127.0.0.1::{port}", tag]).stdout.strip().splitlines()[-1]
    try:
        host_port = dockercli.run(["port", cid, str(port)]).stdout.strip().splitlines()[0].rsplit(":", 1)[-1]
        deadline = time.monotonic() + timeout
        while True:
            try:
                status, body = http_get(f"http://127.0.0.1:{host_port}{path}", timeout=5)
                return ProbeResult(0, f"HTTP {status}\n{body}")
            except OSError:
                running = dockercli.run(["inspect", "--format", "{{.State.Running}}", cid], check=False).stdout
                if "true" not in running or time.monotonic() > deadline:
                    logs = dockercli.run(["logs", "--tail", "20", cid], check=False).stdout
                    return ProbeResult(1, f"no HTTP answer on :{port}{path}", logs)
                time.sleep(0.3)
    finally:
        dockercli.run(["rm", "-f", cid], check=False)


def image_config(tag: str) -> dict:
    return dockercli.inspect_image(tag)["Config"]


def source_edit(context: Path, token: str) -> Path:
    """Append a comment to the first .go file (sorted): a source-only edit."""
    first = sorted(p for p in context.rglob("*.go") if "vendor" not in p.parts)[0]
    with first.open("a") as fh:
        fh.write(f"\n// edited by the e2e suite: {token}\n")
    return first
