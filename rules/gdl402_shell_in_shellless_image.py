"""The final stage needs a shell that its distroless or scratch base does not have.

`scratch`, the distroless images (`gcr.io/distroless/static*`, `base*`,
`cc*`) and Chainguard's `static` have no `/bin/sh`. Everything the Dockerfile
hands to a shell then fails:

- a shell-form `RUN` (and an exec-form `RUN ["/bin/sh", "-c", ...]`) fails the
  build: `exec: "/bin/sh": stat /bin/sh: no such file or directory`;
- a shell-form `CMD`, `ENTRYPOINT` or `HEALTHCHECK CMD` builds fine and fails
  when the container starts (or the health check never passes), which is
  worse: the image is pushed, the deployment crash-loops;
- a `SHELL` instruction that names a shell the image does not have breaks
  every shell-form instruction after it.

The distroless `:debug` variants ship busybox, but in `/busybox`, not at
`/bin/sh`: shell forms work there only after `SHELL ["/busybox/sh", "-c"]`
(or `SHELL ["sh", "-c"]`, found through their PATH). The final stage is the
last stage or the `--target` stage; its base is followed through `FROM
<stage>` chains. An exec-form `RUN ["/app", "migrate"]` runs a binary without
a shell and is not flagged. A base given by a build argument with no default
is not judged.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
CMD /app --port 8080
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
CMD ["/app", "--port", "8080"]
```

Fix (safe): a shell-form `CMD` or `ENTRYPOINT` whose text uses no shell syntax
(no variables, quotes-with-expansion, pipes, redirections, globs, `&&`...) is
rewritten to the exec form with the same words: the program then starts
without a shell, which is what the author meant (the shell form cannot start
at all on this image). It is not offered for a `CMD` when the stage sets an
`ENTRYPOINT` (the words would become its arguments), for an `ENTRYPOINT` when
the stage sets a `CMD`, nor on `:debug` variants (their `ENTRYPOINT` is
busybox's shell). `RUN`, `HEALTHCHECK` and `SHELL` are reported only: move the
work into a build stage and `COPY` its result.
"""

from __future__ import annotations

import json
import re

from godockerlint.analysis.words import image_shell
from godockerlint.fix.edits import replace_span
from godockerlint.core.findings import SAFE, Fix
from godockerlint.parse.shell import split_words

CODE = "GDL402"
NAME = "shell-in-shellless-image"
SEVERITY = "error"
FIX = "safe"
SUMMARY = "A distroless or scratch final stage uses a shell it does not have (RUN, shell-form CMD/ENTRYPOINT, SHELL)."

SHELL_SYNTAX = re.compile(r"[$`|&;<>()*?\[\]{}~#\\\n]")
BUSYBOX_SHELLS = frozenset({"/busybox/sh", "/busybox/ash", "sh", "ash"})
SHELL_NAMES = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh"})


def check(ctx):
    final = ctx.facts.final
    base = final.root_base
    if not base or "$" in base:
        return
    default_shell = image_shell(base)
    if default_shell == "/bin/sh":
        return
    debug = default_shell == "/busybox/sh"
    chain = ctx.facts.final_chain
    instructions = [ins for st in chain for ins in st.stage.instructions]
    has_cmd = any(i.keyword == "CMD" for i in instructions)
    has_entrypoint = any(i.keyword == "ENTRYPOINT" for i in instructions)
    shell = "/bin/sh"
    what = f"{base} has no shell" if not debug else f"{base} has busybox only in /busybox (no /bin/sh)"
    own = set(id(i) for i in final.stage.instructions)
    for ins in instructions:
        kw = ins.keyword
        if kw == "SHELL":
            shell = ins.json_args[0] if ins.json_args else ins.args.strip()
            if id(ins) in own and not _available(shell, debug):
                yield ctx.report(ins, f"`SHELL` names {shell}, which does not exist: {what}; "
                                      f"{_advice(debug)}; no fix: the image has no shell to name")
            continue
        if id(ins) not in own:
            continue
        if _available(shell, debug):
            continue
        if kw == "RUN":
            if ins.is_json:
                prog = ins.json_args[0] if ins.json_args else ""
                if prog.rsplit("/", 1)[-1] not in SHELL_NAMES or _available(prog, debug):
                    continue
                yield ctx.report(ins, f"exec-form RUN executes {prog}, which does not exist: {what}; "
                                      f"do this work in a build stage and COPY the result; no fix: the work "
                                      f"has to move to a build stage by hand")
            else:
                yield ctx.report(ins, f"shell-form RUN needs {shell}: {what}, so the build fails; "
                                      f"do this work in a build stage and COPY the result; no fix: the work "
                                      f"has to move to a build stage by hand")
        elif kw in ("CMD", "ENTRYPOINT") and not ins.is_json:
            fix = None
            other = has_entrypoint if kw == "CMD" else has_cmd
            if not debug and not other:
                fix = _exec_form_fix(ins)
            plain = not SHELL_SYNTAX.search(ins.args.strip())
            how = "use the exec form " + (json.dumps(_words(ins)) if plain else "(without shell expansions)")
            why = ""
            if fix is None:
                why = ("; no fix: it uses shell syntax" if not plain else
                       f"; no fix: with both ENTRYPOINT and CMD the exec form changes how they combine" if other
                       else "; no fix: the exec form is not proven to run the same")
            yield ctx.report(ins, f"shell-form {kw} runs `{shell} -c`: {what}, so the container cannot "
                                  f"start; {how}{why}", fix=fix)
        elif kw == "HEALTHCHECK":
            rest = ins.args.strip()
            if rest.upper().startswith("CMD") and not rest[3:].lstrip().startswith("["):
                words = rest[3:].split()
                tool = words[0].rsplit("/", 1)[-1] if words else ""
                lacks = f" ({tool} is not in {base} either)" if tool in CHECK_TOOLS else ""
                program = _program(instructions)
                how = (f"an exec-form check run by the program itself, e.g. HEALTHCHECK CMD [\"{program}\", "
                       f"\"healthcheck\"] if it has such a mode" if program else
                       "an exec-form check run by a program the image has (HEALTHCHECK CMD [\"/app\", \"healthcheck\"])")
                yield ctx.report(ins, f"shell-form HEALTHCHECK CMD runs `{shell} -c`: {what}, so the check "
                                      f"never passes{lacks}; use {how}; no fix: the check "
                                      f"command has to be written in exec form by hand")


# tools a health check usually calls, which scratch, distroless and Chainguard's static do not have
CHECK_TOOLS = frozenset({"curl", "wget", "nc", "netcat"})


def _program(instructions) -> str | None:
    """The program the container starts (exec-form ENTRYPOINT, else CMD), as written; None if unknown."""
    for kw in ("ENTRYPOINT", "CMD"):
        last = next((i for i in reversed(instructions) if i.keyword == kw), None)
        if last is not None:
            args = last.json_args if last.is_json else None
            return args[0] if args and "$" not in args[0] else None
    return None


def _available(shell: str, debug: bool) -> bool:
    return debug and shell in BUSYBOX_SHELLS


def _advice(debug: bool) -> str:
    if debug:
        return 'use SHELL ["/busybox/sh", "-c"]'
    return "remove it and use exec forms"


def _words(ins) -> list[str]:
    return [w.value for w in split_words(ins.args)]


def _exec_form_fix(ins):
    text = ins.args.strip()
    if not text or SHELL_SYNTAX.search(text) or "'" in text or '"' in text:
        return None
    words = _words(ins)
    if not words:
        return None
    new = json.dumps(words)
    span = ins.args_span
    # keep trailing blanks out of the replacement
    end = span.start + len(ins.args.rstrip()) if len(ins.args) == span.end - span.start else span.end
    return Fix((replace_span(span.start, end, new),), SAFE, f"use the exec form {new}")
