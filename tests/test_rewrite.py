"""The fix engine over generated Go Dockerfiles (hypothesis), and what the whole-file rewrite keeps."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from godockerlint.core.findings import Edit
from godockerlint.fix.fixer import apply_edits, fix_bytes
from godockerlint.parse.parser import parse
from godockerlint.core.settings import Settings

IMAGES = ["golang:1.25", "golang:1.25-alpine", "golang", "golang:1.24-bookworm"]
WORKDIRS = ["", "WORKDIR /src", "WORKDIR /app"]
ENVS = ["", "ENV GOPROXY=https://goproxy.io,direct", "ENV CGO_ENABLED=0", "ARG GOPROXY", "ENV APP=1 GOFLAGS=-mod=mod"]
COPIES = ["COPY . .", "COPY go.mod go.sum ./\nRUN go mod download\nCOPY . .", "COPY go.mod ./\nCOPY cmd/ cmd/"]
BUILDS = ["RUN go build -o /out/app .", "RUN CGO_ENABLED=0 go build -o server ./cmd/server",
          "RUN --mount=type=cache,target=/root/.cache/go-build go build -ldflags='-X main.v=1' -o /bin/app .",
          "RUN go mod tidy && go build -o /out/app .", "RUN go install ./cmd/tool",
          "RUN <<EOF\nset -e\ngo build -o /out/app .\nEOF"]
RUNTIME = ["", "EXPOSE 8080", 'CMD ["/out/app"]', "CMD /out/app -addr :8080", "USER 1000", 'ENTRYPOINT ["./server"]',
           "LABEL a=b", "HEALTHCHECK CMD /out/app -check"]
FINALS = ["", "FROM alpine:3.20\nRUN apk add --no-cache ca-certificates\nCOPY --from=0 /out/app /app\nCMD [\"/app\"]",
          "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=0 /out/app /app"]


@st.composite
def dockerfiles(draw):
    lines = [f"FROM {draw(st.sampled_from(IMAGES))}"]
    lines += [draw(st.sampled_from(WORKDIRS)), draw(st.sampled_from(ENVS)), "# keep this comment",
              draw(st.sampled_from(COPIES)), draw(st.sampled_from(BUILDS))]
    lines += draw(st.lists(st.sampled_from(RUNTIME), max_size=3))
    final = draw(st.sampled_from(FINALS))
    if final:
        lines += ["", final]
    text = "\n".join(ln for ln in lines if ln is not None) + "\n"
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text


def _check(text: str, unsafe: bool):
    s = Settings(syntax="none")
    out = fix_bytes(text.encode(), "Dockerfile", s, context_dir=None, unsafe=unsafe)
    assert out.text is not None
    parse(out.text)  # the output always parses
    again = fix_bytes(out.data(), "Dockerfile", s, context_dir=None, unsafe=unsafe)
    assert again.text == out.text  # idempotent
    # each pass changed only its edited spans
    for before, edits in out.passes:
        pos = 0
        for e in sorted(edits, key=lambda e: (e.start, e.end)):
            assert e.start >= pos or e.start == e.end
            pos = max(pos, e.end)
    texts = [b for b, _ in out.passes] + [out.text]
    for (before, edits), after in zip(out.passes, texts[1:]):
        assert apply_edits(before, edits) == after
        if edits and not (len(edits) == 1 and edits[0].start == 0 and edits[0].end == len(before)):
            _outside_unchanged(before, edits, after)
    return out


def _outside_unchanged(before: str, edits, after: str) -> None:
    """Every byte outside the edits is in the result, in order, at the shifted place."""
    shift = 0
    pos = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        assert after[pos + shift:e.start + shift] == before[pos:e.start]
        shift += len(e.text) - (e.end - e.start)
        pos = e.end
    assert after[pos + shift:] == before[pos:]


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfiles())
def test_safe_fix_never_raises_parses_is_idempotent(text):
    out = _check(text, unsafe=False)
    assert "# keep this comment" in out.text  # safe fixes keep what they do not edit
    newline = "\r\n" if "\r\n" in text else "\n"
    if newline == "\r\n":
        assert "\n" not in out.text.replace("\r\n", "")


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfiles())
def test_unsafe_fix_never_raises_parses_is_idempotent(text):
    out = _check(text, unsafe=True)
    assert "# keep this comment" in out.text  # the rewrite keeps comments too


def test_rewrite_is_refused_for_what_it_cannot_carry():
    from godockerlint.lint.engine import lint_bytes

    text = ("FROM golang:1.25\nWORKDIR /src\nCOPY . .\nRUN apt-get update && apt-get install -y libfoo\n"
            "RUN go build -o /app .\nCMD /app | tee log\n")
    [f] = [f for f in lint_bytes(text.encode(), "Dockerfile", Settings(), context_dir=None) if f.code == "GDL401"]
    assert f.fix is None
    assert f.level == "info"
    assert f.message == ("a single-stage build ships the Go toolchain image golang:1.25; no fix: moving to distroless "
                         "would need a shell for the shell-form CMD on line 6; the run-time packages libfoo")


def test_rewrite_uses_go_mod_version_for_an_untagged_image(tmp_path):
    from godockerlint.lint.engine import lint_bytes

    (tmp_path / "go.mod").write_text("module example.com/hello\n\ngo 1.24\n\ntoolchain go1.24.3\n")
    (tmp_path / "main.go").write_text("package main\n\nfunc main() {}\n")
    text = "FROM golang:alpine\nWORKDIR /src\nCOPY . .\nRUN go build .\nCMD [\"./hello\", \"-v\"]\n"
    out = fix_bytes(text.encode(), "Dockerfile", Settings(syntax="none"), context_dir=tmp_path, unsafe=True)
    # the version comes from go.mod's toolchain line; GDL602 then pins the CGO-off stage to $BUILDPLATFORM
    assert out.text.startswith("FROM --platform=$BUILDPLATFORM golang:1.24.3-alpine AS build\n")
    assert "COPY --from=build /src/hello /src/hello\n" in out.text
    assert 'CMD ["/src/hello", "-v"]\n' in out.text


def test_rewrite_cgo_uses_base_image(tmp_path):
    (tmp_path / "go.mod").write_text("module example.com/c\n\ngo 1.25\n")
    (tmp_path / "main.go").write_text('package main\n\nimport "C"\n\nfunc main() {}\n')
    text = "FROM golang:1.25\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n"
    out = fix_bytes(text.encode(), "Dockerfile", Settings(syntax="none"), context_dir=tmp_path, unsafe=True)
    assert "FROM gcr.io/distroless/base-debian12:nonroot\n" in out.text
    assert "CGO_ENABLED=0" not in out.text


def test_rewrite_dependency_step_carries_a_local_replace_or_is_left_out(tmp_path):
    # `replace m => ./folder`: go mod download reads folder/go.mod, so the step binds it; a folder
    # outside the build context cannot be in the step, so there is no step (not a broken one)
    (tmp_path / "go.mod").write_text("module example.com/relay\n\ngo 1.22\n\nrequire example.com/money v0.0.0\n\n"
                                     "replace example.com/money => ./third_party/money\n")
    (tmp_path / "go.sum").write_text("")
    (tmp_path / "third_party" / "money").mkdir(parents=True)
    (tmp_path / "third_party" / "money" / "go.mod").write_text("module example.com/money\n\ngo 1.22\n")
    (tmp_path / "main.go").write_text("package main\n\nfunc main() {}\n")
    text = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /relay .\nCMD [\"/relay\"]\n"
    out = fix_bytes(text.encode(), "Dockerfile", Settings(syntax="none"), context_dir=tmp_path, unsafe=True)
    assert "--mount=type=bind,source=third_party/money/go.mod,target=third_party/money/go.mod \\\n" in out.text
    (tmp_path / "go.mod").write_text("module example.com/relay\n\ngo 1.22\n\nrequire example.com/money v0.0.0\n\n"
                                     "replace example.com/money => ../money\n")
    out = fix_bytes(text.encode(), "Dockerfile", Settings(syntax="none"), context_dir=tmp_path, unsafe=True)
    assert "FROM gcr.io/distroless/static-debian12:nonroot\n" in out.text
    assert "go mod download" not in out.text


def test_rewrite_mounts_no_cache_on_a_run_that_deletes_it(tmp_path):
    # rm -rf of a mounted folder fails ("Device or resource busy"): the build RUN keeps no GOCACHE mount
    (tmp_path / "main.go").write_text("package main\n\nfunc main() {}\n")
    text = ("FROM golang:1.12-alpine\nWORKDIR /go/src/github.com/oldco/relay\nADD . .\n"
            "RUN go build -o /usr/local/bin/relay . && rm -rf $GOPATH/pkg $HOME/.cache\nENTRYPOINT [\"relay\"]\n")
    out = fix_bytes(text.encode(), "Dockerfile", Settings(syntax="none"), context_dir=tmp_path, unsafe=True)
    assert "FROM gcr.io/distroless/static-debian12:nonroot\n" in out.text
    assert "--mount=type=cache" not in out.text
