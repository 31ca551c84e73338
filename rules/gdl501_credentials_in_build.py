"""Credentials are passed to the build in a way that leaks them.

Build arguments and ENV values are recorded in the image: `docker history`
shows every `ARG` value used by a RUN, ENV is in the image config of the stage
that sets it, and BuildKit's provenance attestations (on by default with
`docker buildx build --push`) record the build arguments. RUN command lines are
in the history too, and files copied in stay in a layer even when a later step
deletes them. Anyone who can pull the image, or read the registry's build
metadata, gets the token.

What is flagged, in every stage and among the global ARGs:

- a URL with credentials in its userinfo, in an ARG/ENV value or a RUN
  command: `https://user:token@proxy.example.com` (a GOPROXY with a password,
  split at the last `@` as Go does), a token alone in an http(s) URL's user
  part (`https://TOKEN@proxy`, `TOKEN:x-oauth-basic@`, `TOKEN:@`), a
  scheme-less `user:password@host.example.com`; in RUN, a variable in the userinfo counts when
  it comes from an ARG or ENV (a value read from `/run/secrets/...` with
  `$(cat ...)`, or from a secret mount's `env=`, does not);
- tokens in `git config url."https://<token>@github.com/".insteadOf ...`
  (any userinfo other than `git@`);
- an ARG or ENV whose name says it holds a secret: `*TOKEN*`, `*PASSWORD*`,
  `*PASSWD*`, `*SECRET*`, `*API_KEY*`, `*ACCESS_KEY*`, `*PRIVATE_KEY*`,
  `*CREDENTIAL*`, `*NETRC*`, a `PASS`, `PAT`, `CREDS` or `PW` part (`DB_PASS`),
  `GITHUB_*` (the GitHub Actions metadata that is not secret, such
  as `GITHUB_SHA`, `GITHUB_REF` or `GITHUB_REPOSITORY`, is exempt); a bare
  `ARG GITHUB_TOKEN` counts, since `--build-arg` fills it; an inline
  `TOKEN=literal cmd` in a RUN counts, `TOKEN=$(cat /run/secrets/t) cmd`
  does not;
- a RUN or heredoc that writes a literal token (`ghp_…`, an AWS key pair as
  `aws configure set aws_secret_access_key …`) or a `.netrc` password
  (`echo "machine h login u password X" > ~/.netrc`, a heredoc);
- COPY/ADD of `.netrc`, `.git-credentials`, anything under `.ssh/`, or an SSH
  private key (`id_rsa`, `id_ed25519`, `id_ecdsa`, `id_dsa`).

An empty value (`ENV GITHUB_TOKEN=""`, `ARG NPM_TOKEN=`) is not a credential
and is not reported (rules.md revision 2); a bare `ARG GITHUB_TOKEN` still is.

The message never prints a secret: URLs are shown with the password masked
(`https://user:****@proxy`) and token-like user names reduced to their
well-known prefix (`ghp_****`).

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
ARG GITHUB_TOKEN
ENV GOPRIVATE=github.com/acme/*
RUN git config --global url."https://${GITHUB_TOKEN}@github.com/".insteadOf "https://github.com/"
WORKDIR /src
COPY . .
RUN go build -o /out/app .
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
ENV GOPRIVATE=github.com/acme/*
WORKDIR /src
COPY . .
RUN --mount=type=secret,id=netrc,target=/root/.netrc \\
    go build -o /out/app .
```

Best practice (emptied):

```dockerfile
FROM golang:1.25 AS build
ENV GITHUB_TOKEN=""
WORKDIR /src
COPY . .
RUN go build -o /out/app .
```

No fix: the secret has to be handed to BuildKit differently
(`docker build --secret id=netrc,src=$HOME/.netrc` with
`RUN --mount=type=secret,id=netrc,target=/root/.netrc ...`, or
`--mount=type=secret,id=token,env=GITHUB_TOKEN`, or `--mount=type=ssh` for SSH
keys), and a secret that was already pushed in an image must be rotated.
"""

from __future__ import annotations

import posixpath
import re

from godockerlint.analysis.facts import assignments, shell_word_span
from godockerlint.analysis.words import copy_sources
from godockerlint.core.redact import (AWS_RE, NETRC_RE, PUBLIC_USERS, SCHEMELESS_RE, TOKEN_RE, URL_RE, credentials,
                                 masked_url, secret_name, user_is_credential)

CODE = "GDL501"
NAME = "credentials-in-build"
SEVERITY = "error"
FIX = "none"
SUMMARY = "Credentials in the build (URL userinfo, token ARG/ENV, copied .netrc/SSH keys) leak into the image."

KEY_FILES = frozenset({".netrc", "_netrc", ".git-credentials", "id_rsa", "id_ed25519", "id_ecdsa", "id_dsa"})


def _vars(s: str) -> list[str]:
    return re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", s)


def url_credentials(text: str, *, persisted: bool, insteadof: bool = False, build_vars=frozenset()):
    """Masked URLs whose userinfo holds a credential.

    `persisted`: the text itself is stored in the image (ARG/ENV values): any variable counts.
    Otherwise (a RUN command line) a variable counts when it is in `build_vars` (ARG/ENV)."""
    out = []
    for m in URL_RE.finditer(text):
        scheme, userinfo, host = m.groups()
        if "$(" in userinfo or "`" in userinfo:
            continue  # read at run time, typically from /run/secrets
        user, sep, password = userinfo.partition(":")
        names = _vars(userinfo)
        if names and not persisted and not any(n in build_vars for n in names):
            continue
        if sep or names or user_is_credential(scheme, user) or insteadof and user not in PUBLIC_USERS:
            out.append(masked_url(scheme, userinfo, host))
    for m in SCHEMELESS_RE.finditer(text):  # user:password@host.example.com
        names = _vars(m.group(2))
        if not names or persisted or any(n in build_vars for n in names):
            out.append(credentials(m.group(0))[0])
    return out


SECRET_FORM = "use `RUN --mount=type=secret,id=netrc,target=/root/.netrc ...` (docker build --secret id=netrc,src=...)"


def check(ctx):
    facts = ctx.facts
    seen: set[tuple[int, int]] = set()

    def once(where):
        key = (where.line, where.column)
        if key in seen:
            return False
        seen.add(key)
        return True

    for a in assignments(facts):
        value = a.value or ""
        kind = a.kind
        persisted = kind in ("global-arg", "arg", "env")
        urls = url_credentials(value, persisted=persisted, build_vars=_build_vars(a))
        label = {"global-arg": "`ARG", "arg": "`ARG", "env": "`ENV"}.get(kind, "`RUN sets")
        if urls:
            if once(a.span):
                yield ctx.report(a.span, f"{label} {a.name}` to a URL with credentials ({urls[0]}): "
                                         f"{_persists(kind)}; {SECRET_FORM} and a URL without userinfo")
            continue
        if not secret_name(a.name):
            continue
        if a.value is not None and not a.value.strip():
            continue  # `ENV GITHUB_TOKEN=""`, `ARG NPM_TOKEN=`: an empty value is not a credential
        if persisted:
            if once(a.span):
                secret_id = a.name.lower()
                yield ctx.report(a.span, f"{label} {a.name}` passes a secret to the build: {_persists(kind)}; "
                                         f"use `RUN --mount=type=secret,id={secret_id},env={a.name} ...` "
                                         f"(docker build --secret id={secret_id},env={a.name})")
        elif value and "$" not in value and "`" not in value and once(a.span):
            yield ctx.report(a.span, f"`{a.name}` is set to a literal value in a RUN command: command lines are kept "
                                     f"in the image history; use `RUN --mount=type=secret,id={a.name.lower()},"
                                     f"env={a.name} ...`")

    for sf in facts.stages:
        for run in sf.runs:
            build_vars = _BuildVars(run)
            for cmd, _, _ in run.commands:
                words = cmd.words
                name = cmd.name.rsplit("/", 1)[-1]
                insteadof = name == "git" and any(w.value.lower().endswith(".insteadof") or
                                                  w.value.lower() == "insteadof" for w in words)
                for w in words:
                    if "@" not in w.value:
                        continue
                    urls = url_credentials(w.value, persisted=False, insteadof=insteadof, build_vars=build_vars)
                    if not urls:
                        continue
                    span = shell_word_span(facts, run, cmd, w)
                    if not once(span):
                        continue
                    what = "a git insteadOf rule with a token" if insteadof else "a URL with credentials"
                    yield ctx.report(span, f"`RUN` uses {what} ({urls[0]}): the command line is kept in the image "
                                           f"history{' and the token in the layer' if insteadof else ''}; "
                                           f"{SECRET_FORM}")
        for ins in sf.stage.instructions:  # tokens and .netrc passwords written by a RUN or a heredoc
            if ins.keyword in ("RUN", "COPY", "ADD") and not any(k[0] in ins_lines(ins) for k in seen):
                written = _written_secret(ins.args + "".join("\n" + h.body for h in ins.heredocs))
                if written and once(ins.span):
                    yield ctx.report(ins, f"`{ins.keyword}` writes a credential ({written[0]}) into the image "
                                          f"history or a layer; {written[1]}")
        for ins in sf.stage.instructions:
            if ins.keyword not in ("COPY", "ADD") or ins.heredocs:
                continue
            for src in copy_sources(ins):
                kind = _key_file(src)
                if kind:
                    how = ("use `RUN --mount=type=ssh ...` (docker build --ssh default)" if kind == "ssh"
                           else SECRET_FORM)
                    yield ctx.report(ins, f"`{ins.keyword}` puts {posixpath.basename(src.rstrip('/')) or src} into a "
                                          f"layer, where it stays even if a later step deletes it; {how}")
                    break


def ins_lines(ins) -> range:
    return range(ins.span.line, ins.span.end_line + 1)


AWS_FORM = ("use `RUN --mount=type=secret,id=aws,target=/root/.aws/credentials ...` "
            "(docker build --secret id=aws,src=$HOME/.aws/credentials)")
TOKEN_FORM = "use `RUN --mount=type=secret,id=token,env=TOKEN ...` (docker build --secret id=token,env=TOKEN)"


def _written_secret(text: str) -> tuple[str, str] | None:
    """(the credential masked, how to pass it) for the first literal token, AWS key or .netrc
    password in an instruction's text."""
    for pattern in (AWS_RE, TOKEN_RE, NETRC_RE):
        for m in pattern.finditer(text):
            if "$" in m.group(m.lastindex):
                continue
            if pattern is NETRC_RE:
                return "a .netrc password", SECRET_FORM
            aws = pattern is AWS_RE or m.group(0).startswith(("AKIA", "ASIA"))
            return credentials(m.group(0))[0], AWS_FORM if aws else TOKEN_FORM
    return None


def _build_vars(a):
    if a.run is not None:
        return _BuildVars(a.run)
    return frozenset()


class _BuildVars:
    """The ARG and ENV names in scope at a RUN, as a membership test (a set of them per RUN
    copied the whole inherited environment: quadratic over a FROM chain adding ENVs)."""

    __slots__ = ("run",)

    def __init__(self, run) -> None:
        self.run = run

    def __contains__(self, name: str) -> bool:
        return name in self.run.args_declared or name in self.run.env


def _persists(kind: str) -> str:
    if kind == "env":
        return "ENV values are stored in the image config"
    if kind in ("arg", "global-arg"):
        return "build arguments are recorded in the image history and provenance"
    return "command lines are kept in the image history"


def _key_file(src: str) -> str | None:
    parts = [p for p in src.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts:
        return None
    if ".ssh" in parts or parts[-1].startswith(("id_rsa", "id_ed25519", "id_ecdsa", "id_dsa")):
        return "ssh"
    if parts[-1] in KEY_FILES:
        return "netrc"
    return None
