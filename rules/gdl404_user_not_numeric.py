"""The final stage's USER is a name, not a numeric uid.

Kubernetes enforces `runAsNonRoot: true` (and the `restricted` Pod Security
Standard) by reading the image's user before the container starts. It cannot
resolve a name such as `app` or `nonroot` (there is no passwd lookup at that
point), so the pod is refused with "container has runAsNonRoot and image has
non-numeric user (app), cannot verify user is non-root", even though the user
is not root. A numeric `USER 10001:10001` is verifiable, and works on images
without an `/etc/passwd` entry for it.

The USER checked is the one in effect in the final stage (its own, or one
inherited through `FROM <stage>`); only its user part counts (`USER
10001:app` is verifiable). `USER root` is GDL403's business; a user that comes
from a build argument expanding to nothing is not judged; only final stages
that run a Go binary are checked.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
USER nonroot:nonroot
ENTRYPOINT ["/app"]
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
USER 65532:65532
ENTRYPOINT ["/app"]
```

Fix (safe): on a distroless or Chainguard base, `USER nonroot` (or
`nonroot:nonroot`) becomes `USER 65532:65532`, the uid and gid those images
give that user: the process runs as exactly the same user. Other names need
the uid chosen where the user is created (`adduser -u`), so they are reported
only; when the file creates the user with an explicit uid (`adduser -u 1000
... geth`), the message names it (a name also selects the user's
supplementary groups, so the number is not offered as a fix).
"""

from __future__ import annotations

from godockerlint.analysis.words import image_name
from godockerlint.fix.edits import replace_span
from godockerlint.core.findings import SAFE, Fix

CODE = "GDL404"
NAME = "user-not-numeric"
SEVERITY = "info"
FIX = "safe"
SUMMARY = "A named USER in the final stage: Kubernetes runAsNonRoot cannot verify it."


def check(ctx):
    final = ctx.facts.final
    if not final.root_base or not final.runs_go_binary or final.user is None:
        return
    user_ins = ctx.facts.final_needs.user_ins
    if user_ins is None:
        return
    user = final.user.strip()
    uid, _, gid = user.partition(":")
    if not uid or uid.isdigit() or uid == "root":
        return
    fix = None
    name = image_name(final.root_base.lower())
    distroless = "distroless" in name or name.startswith("cgr.dev/chainguard/")  # both: nonroot is 65532
    created = _created_uid(ctx.facts, final, uid)
    if distroless and uid == "nonroot" and gid in ("", "nonroot", "65532") and "$" not in user_ins.args:
        span = user_ins.args_span
        end = span.start + len(user_ins.args.rstrip())
        fix = Fix((replace_span(span.start, end, "65532:65532"),), SAFE, "use `USER 65532:65532`")
        family = "distroless" if "distroless" in name else "Chainguard images"
        advice = f"use `USER 65532:65532`, the same user on {family}"
    elif created:
        line, number = created
        advice = (f"use its numeric uid: line {line} creates {uid} with uid {number} (`USER {number}` and the "
                  f"gid of its group); no fix: the name also selects the user's groups, which a number may not")
    else:
        advice = ("use its numeric uid:gid (e.g. `adduser -u 10001` and `USER 10001:10001`); no fix: the uid is "
                  "chosen where the user is created")
    yield ctx.report(
        user_ins,
        f"`USER {user}` names the user {uid}: Kubernetes runAsNonRoot cannot verify a non-numeric user and "
        f"refuses the pod; {advice}",
        fix=fix,
    )


def _created_uid(facts, final, name: str) -> tuple[int, str] | None:
    """(line, uid) of the RUN of the final stage's chain that creates user `name` with an explicit uid
    (`adduser -u 1000 ... name`, `useradd --uid 1000 name`), or None."""
    for st in facts.final_chain:
        for run in st.runs:
            for cmd, _, _ in run.commands:
                words = [w.value for w in cmd.words]
                if not words or words[0].rsplit("/", 1)[-1] not in ("adduser", "useradd") or words[-1] != name:
                    continue
                for k, w in enumerate(words):
                    if w in ("-u", "--uid") and k + 1 < len(words) and words[k + 1].isdigit():
                        return run.instruction.line, words[k + 1]
                    if w.startswith("--uid=") and w[6:].isdigit():
                        return run.instruction.line, w[6:]
    return None
