"""GDL101's fix makes `--build-arg GOPROXY` reach go when the file hard-codes an override.

Real Dockerfiles declare `ARG GOPROXY` and then override it with an inline
`GOPROXY=... go mod download` (a prefix beats the environment), or hard-code the
prefix without any ARG. The fix turns the hard-coded value into the ARG's default
and removes the override. Proof by real builds: the before file, built with only
`--build-arg GOPROXY=<the local proxy>`, fails (its go asks the hard-coded mirror,
which these offline machines cannot reach); the fixed file, built the same way,
succeeds and its modules come from the local proxy named by the build argument.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from e2elib import appedit, baseimages, dockercli

pytestmark = pytest.mark.e2e

HARD_CODED = "https://goproxy.cn,direct"

BEFORE = {
    # ARG declared, then overridden by the inline prefix
    "arg-overridden": """\
FROM golang:{minor}-bookworm AS builder
ARG GOPROXY
WORKDIR /workspace
COPY go.mod go.sum ./
RUN GOPROXY={proxy} go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /workspace/bin/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=builder /workspace/bin/app /app
EXPOSE 8080
ENTRYPOINT ["/app", "-addr", ":8080"]
""",
    # no ARG at all, the mirror hard-coded inline
    "inline-only": """\
FROM golang:{minor}-bookworm AS builder
WORKDIR /workspace
COPY go.mod go.sum ./
RUN GOPROXY={proxy} go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /workspace/bin/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=builder /workspace/bin/app /app
EXPOSE 8080
ENTRYPOINT ["/app", "-addr", ":8080"]
""",
}


def _fix(dockerfile: Path, context: Path) -> str:
    config = dockerfile.parent / "godockerlint.yaml"
    config.write_text("syntax: none\nci-cache: persistent\n")
    proc = subprocess.run([sys.executable, "-m", "godockerlint", "--fix", "--quiet", "--config", str(config),
                           "--context", str(context), str(dockerfile)], capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return dockerfile.read_text()


@pytest.mark.parametrize("shape", sorted(BEFORE))
def test_build_arg_goproxy_reaches_go_after_the_fix(shape, base_images, second_goproxy, goproxy_tree, tmp_path,
                                                     build_tag):
    app = appedit.copy_app(tmp_path / "app")
    module, version = appedit.add_module(app, goproxy_tree)  # in no cache: it must be fetched
    before = tmp_path / "before" / "Dockerfile"
    before.parent.mkdir()
    before.write_text(BEFORE[shape].format(minor=baseimages.go_minor(), proxy=HARD_CODED))
    fixed = tmp_path / "fixed" / "Dockerfile"
    fixed.parent.mkdir()
    fixed.write_text(before.read_text())
    text = _fix(fixed, app)

    assert f"ARG GOPROXY={HARD_CODED}\n" in text, text
    assert "GOPROXY=https://goproxy.cn,direct go" not in text, text
    args = {"GOPROXY": second_goproxy.url}  # the only way to a module proxy these builds have

    with pytest.raises(dockercli.DockerError):
        dockercli.build(before, app, build_tag("before"), build_args=args)

    mark = second_goproxy.mark()
    dockercli.build(fixed, app, build_tag("fixed"), build_args=args)
    via_arg = second_goproxy.since(mark)
    assert any(r.path == f"/{module}/@v/{version}.zip" and r.status == 200 for r in via_arg), \
        [f"{r.method} {r.path} -> {r.status}" for r in via_arg]
