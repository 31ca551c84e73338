"""Compose files: lint each service's Dockerfile as compose builds it.

For every service with a `build:` (a context path, or a mapping with `context`,
`dockerfile` (relative to the context), `dockerfile_inline`, `target` and `args`),
the service's Dockerfile is linted with that build context, target and build
arguments. Findings point at the Dockerfile (or, for `dockerfile_inline`, at
`<compose file>#services.<name>.build.dockerfile_inline`).

`${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$VAR` and `$$` are interpolated from
the environment in the values read; `args` given as `- NAME` take the value from the
environment. A build argument compose passes still needs an `ARG` in the Dockerfile:
when GOPROXY is one and GDL101 fires, the finding says so.

A compose file over 256 KiB (the config file's limit) is a one-line error, not read.
A compose file cannot make godockerlint read outside its project folder (the compose
file's folder, links resolved): a `build.context` or `build.dockerfile` that leads
outside it, by an absolute path, `..` or a symbolic link, is a one-line error that
quotes nothing of the file it names, and that file is never opened. A Dockerfile
outside the project is linted when it is named on the command line.

ruamel.yaml is imported only when a compose file is read.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from godockerlint.lint.config import TOO_DEEP
from godockerlint.lint.discovery import shown_name

# a compose file, like godockerlint's own config, is YAML of a few kilobytes: a larger one
# (a mistaken file, an attack) is refused unread, as Dockerfiles over 1 MiB are
MAX_COMPOSE_BYTES = 256 * 1024
_VAR = re.compile(r"\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")
_ARG_GOPROXY = re.compile(r"^[ \t]*ARG[ \t]+(?:[^\n]*[ \t])?GOPROXY\b", re.I | re.M)


class ComposeError(Exception):
    """A compose file that cannot be used at all; str() is one line, `file[:line]: message`."""


@dataclass(frozen=True)
class Service:
    """One service's build, or `error` (a one-line message) when it cannot be linted."""

    name: str
    compose: str  # the compose file as displayed
    line: int
    display: str = ""  # the Dockerfile as reports show it
    dockerfile: Path | None = None
    inline: str | None = None  # dockerfile_inline
    context: Path | None = None
    target: str | None = None
    args: dict[str, str] = field(default_factory=dict)  # resolved values
    arg_names: tuple[str, ...] = ()  # every build arg compose passes, with or without a value
    error: str | None = None

    def settings(self, base):
        """The Settings for this service: its context, target (else --target) and build args."""
        return replace(base, context=self.context, target=self.target or base.target, build_args=dict(self.args))


def interpolate(value: str, env: Mapping[str, str]) -> str:
    def sub(m: re.Match) -> str:
        if m.group(1):
            return "$"
        name = m.group(2) or m.group(5)
        got = env.get(name)
        if m.group(3) == ":-":
            return got if got else m.group(4)
        if m.group(3) == "-":
            return got if got is not None else m.group(4)
        return got or ""

    return _VAR.sub(sub, value)


def _line(node, key, default: int) -> int:
    try:
        return node.lc.key(key)[0] + 1
    except (AttributeError, KeyError, TypeError):
        return default


def load_services(path: Path, display: str, env: Mapping[str, str] | None = None) -> list[Service]:
    """Every service of the compose file that has a `build`; raises ComposeError when the
    file cannot be read or is not a compose file."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    env = os.environ if env is None else env
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_COMPOSE_BYTES + 1)  # never more in memory, nor to parse
        if len(data) > MAX_COMPOSE_BYTES:
            raise ComposeError(f"{display}: file too large (more than {MAX_COMPOSE_BYTES} bytes; the limit is "
                               f"{MAX_COMPOSE_BYTES // 1024} KiB)")
        text = data.decode("utf-8-sig")
    except FileNotFoundError:
        raise ComposeError(f"{display}: no such file or directory") from None
    except UnicodeDecodeError:
        raise ComposeError(f"{display}: not UTF-8 text") from None
    except OSError as exc:
        raise ComposeError(f"{display}: {exc.strerror or exc}") from None
    try:
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{display}:{mark.line + 1}" if mark else display
        raise ComposeError(f"{where}: invalid YAML: {exc.problem or exc.context}") from None
    except YAMLError as exc:
        raise ComposeError(f"{display}: invalid YAML: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise ComposeError(f"{display}: {TOO_DEEP}") from None
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        line = _line(data, "services", 1) if isinstance(data, dict) else 1
        raise ComposeError(f"{display}:{line}: not a compose file: expected a `services:` mapping")
    folder = path.parent.resolve()
    services = []
    for name, spec in data["services"].items():
        line = _line(data["services"], name, 1)
        if not isinstance(spec, dict) or "build" not in spec:
            continue  # an image-only service: nothing to lint
        services.append(_service(str(name), spec, line, display, folder, env))
    return services


def _service(name: str, spec, line: int, display: str, folder: Path, env: Mapping[str, str]) -> Service:
    build = spec["build"]
    line = _line(spec, "build", line)
    base = Service(name=name, compose=display, line=line)

    def fail(message: str, key: str | None = None, node=None) -> Service:
        at = _line(node, key, line) if key is not None else line
        return replace(base, error=f"{display}:{at}: service '{name}': {message}")

    if isinstance(build, str):
        build = {"context": build}
    if not isinstance(build, dict):
        return fail("`build` must be a path or a mapping")
    for key in ("context", "dockerfile", "dockerfile_inline", "target"):
        if key in build and not isinstance(build[key], str):
            return fail(f"`build.{key}` must be a string", key, build)
    context_value = interpolate(build.get("context") or ".", env)
    if "://" in context_value or context_value.startswith("git@"):
        return fail(f"remote build context {context_value} cannot be linted", "context", build)
    display_folder = os.path.dirname(display)
    context_display = os.path.normpath(os.path.join(display_folder, context_value))
    context = (folder / context_value).resolve()
    if not _inside(context, folder):
        return fail(_OUTSIDE.format(key="context", value=context_value), "context" if "context" in build else None,
                    build)
    if not context.is_dir():
        return fail(f"build context {context_display} is not a folder", "context" if "context" in build else None,
                    build)
    args, names = {}, []
    raw_args = build.get("args") or {}
    if isinstance(raw_args, dict):
        items = [(str(k), None if v is None else interpolate(str(v), env)) for k, v in raw_args.items()]
    elif isinstance(raw_args, list):
        items = []
        for item in raw_args:
            key, sep, value = str(item).partition("=")
            items.append((key.strip(), interpolate(value, env) if sep else None))
    else:
        return fail("`build.args` must be a mapping or a list", "args", build)
    for key, value in items:
        names.append(key)
        if value is None:
            value = env.get(key)  # `- NAME`: from the environment, as compose does
        if value is not None:
            args[key] = value
    target = interpolate(build["target"], env) if build.get("target") else None
    common = dict(context=context, target=target, args=args, arg_names=tuple(names))
    if "dockerfile_inline" in build:
        return replace(base, display=shown_name(f"{display}#services.{name}.build.dockerfile_inline"),
                       inline=build["dockerfile_inline"], **common)
    dockerfile_value = interpolate(build.get("dockerfile") or "Dockerfile", env)
    if os.path.isabs(dockerfile_value):
        dockerfile, shown = Path(dockerfile_value), dockerfile_value
    else:
        dockerfile = context / dockerfile_value
        shown = os.path.normpath(os.path.join(context_display, dockerfile_value))
    if not _inside(dockerfile.resolve(), folder):
        return fail(_OUTSIDE.format(key="dockerfile", value=dockerfile_value),
                    "dockerfile" if "dockerfile" in build else None, build)
    if not dockerfile.is_file():
        return fail(f"Dockerfile {shown}: no such file", "dockerfile" if "dockerfile" in build else None, build)
    return replace(base, display=shown_name(shown), dockerfile=dockerfile, **common)


_OUTSIDE = ("`build.{key}` {value} is outside the compose project folder: not read (name the Dockerfile "
            "on the command line to lint it)")


def _inside(path: Path, folder: Path) -> bool:
    """Whether `path` (resolved) is `folder` (resolved) or below it."""
    return path == folder or folder in path.parents


def annotate(service: Service, findings, text: str):
    """Findings of the service's Dockerfile, GDL101's message completed when compose passes GOPROXY."""
    if "GOPROXY" not in service.arg_names:
        return findings
    declared = bool(_ARG_GOPROXY.search(text))
    if declared:
        note = (f"; compose service '{service.name}' ({service.compose}) passes the build arg GOPROXY, "
                f"but this stage does not declare `ARG GOPROXY`, so the value never reaches go")
    else:
        note = (f"; compose service '{service.name}' ({service.compose}) passes the build arg GOPROXY, "
                f"but the Dockerfile never declares `ARG GOPROXY`, so the value is dropped")
    for i, f in enumerate(findings):
        if f.code == "GDL101":
            findings[i] = replace(f, message=f.message + note)
    return findings
