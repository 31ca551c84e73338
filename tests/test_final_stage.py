"""The final-stage fixes prove or refuse (issue 13's families; issue 15's GDL401/403/405/407 semantics).

Each test lints a Dockerfile with its build context, takes the one finding of the rule under test,
and checks what a user sees: the level, the message (with its one-clause "no fix:" reason when the
fix is refused) and, when a fix is offered, the exact text that fix alone produces.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from godockerlint.lint.engine import lint_bytes
from godockerlint.fix.fixer import apply_edits
from godockerlint.core.settings import Settings

GOMOD = "module example.com/shop/api\n\ngo 1.22\n"
MAIN = "package main\n\nfunc main() {}\n"
CGO_MAIN = 'package main\n\nimport "C"\n\nfunc main() {}\n'
BUILD = "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/app .\n\n"
STATIC = "gcr.io/distroless/static-debian12:nonroot"
BASE = "gcr.io/distroless/base-debian12:nonroot"


def one(tmp_path: Path, text: str, code: str, files: dict[str, str] | None = None):
    for name, body in {"go.mod": GOMOD, "main.go": MAIN, **(files or {})}.items():
        if body is None:
            continue
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body)
    found = [f for f in lint_bytes(text.encode(), "Dockerfile", Settings(syntax="none"), context_dir=tmp_path)
             if f.code == code]
    assert len(found) == 1, [f.message for f in found]
    return found[0]


def fixed(text: str, finding) -> str:
    assert finding.fix is not None, finding.message
    return apply_edits(text, finding.fix.edits)


# -- family 1: the single-stage split, only when all its conditions hold -----------------------

def test_split_names_the_binary_after_the_module_path(tmp_path):
    text = "FROM golang:1.22-alpine\nWORKDIR /src\nCOPY . .\nRUN go build\nEXPOSE 8080\nCMD [\"./api\"]\n"
    f = one(tmp_path, text, "GDL401")
    assert f.level == "error"
    assert f.fix.message == f"split into a build stage and a {STATIC} final stage; it runs as 65532:65532 instead " \
                            f"of root (no USER)"
    assert fixed(text, f) == (
        "FROM golang:1.22-alpine AS build\nWORKDIR /src\nCOPY . .\n"
        "RUN --mount=type=cache,target=/root/.cache/go-build \\\n"
        "    CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\"\n\n"
        f"FROM {STATIC}\nWORKDIR /src\nCOPY --from=build /src/api /src/api\nUSER 65532:65532\nEXPOSE 8080\n"
        "CMD [\"/src/api\"]\n")


def test_split_of_a_gopath_go_install_uses_gopath_bin_and_no_trimpath_before_go_1_13(tmp_path):
    text = "FROM golang:1.10\nWORKDIR /go/src/github.com/acme/pinger\nCOPY . .\nRUN go install\nCMD [\"pinger\"]\n"
    f = one(tmp_path, text, "GDL401", {"go.mod": None})
    out = fixed(text, f)
    assert "go install -ldflags=\"-s -w\"\n" in out
    assert out.endswith(f"FROM {STATIC}\nWORKDIR /go/src/github.com/acme/pinger\n"
                        "COPY --from=build /go/bin/pinger /go/bin/pinger\nUSER 65532:65532\nCMD [\"/go/bin/pinger\"]\n")
    assert "cgo is turned off (golang:1.10 has gcc and CGO_ENABLED is unset; nothing in the build needs cgo)" \
        in f.fix.message


def test_split_of_go_install_pattern_copies_every_main_package(tmp_path):
    text = ("FROM golang:1.23\nWORKDIR /go/src/github.com/shelfware/inventory\nCOPY . .\nRUN go install ./cmd/...\n"
            "CMD [\"inventory-server\"]\n")
    f = one(tmp_path, text, "GDL401", {"cmd/inventory-server/main.go": MAIN, "cmd/inventory-migrate/main.go": MAIN,
                                       "internal/db/db.go": "package db\n", "main.go": None})
    assert fixed(text, f).endswith(
        "COPY --from=build /go/bin/inventory-migrate /go/bin/inventory-migrate\n"
        "COPY --from=build /go/bin/inventory-server /go/bin/inventory-server\n"
        "USER 65532:65532\nCMD [\"/go/bin/inventory-server\"]\n")


def test_split_carries_config_files_next_to_the_binary(tmp_path):
    text = "FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN go build -o server .\nCMD [\"./server\"]\n"
    f = one(tmp_path, text, "GDL401", {"links.conf": "a b\n", "README.md": "x\n"})
    assert fixed(text, f).endswith(
        f"FROM {STATIC}\nWORKDIR /app\nCOPY --from=build /app/server /app/server\n"
        "COPY --from=build /app/links.conf /app/links.conf\nUSER 65532:65532\nCMD [\"/app/server\"]\n")


def test_split_keeps_root_and_says_so_for_a_privileged_port(tmp_path):
    text = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /bin/api .\nEXPOSE 80\nCMD [\"/bin/api\"]\n"
    f = one(tmp_path, text, "GDL401")
    assert f.fix.message.endswith("it keeps running as root (no USER): it listens on port 80, which a non-root user "
                                  "cannot bind on Kubernetes or containerd")
    assert fixed(text, f).endswith(f"FROM {STATIC}\nWORKDIR /src\nCOPY --from=build /bin/api /bin/api\nUSER 0:0\n"
                                   "EXPOSE 80\nCMD [\"/bin/api\"]\n")


@pytest.mark.parametrize("text, files, reason", [
    ("FROM golang:1.21\nWORKDIR /src\nCOPY main.go .\nRUN go build\nCMD [\"./src\"]\n", {"go.mod": None},
     "the binary's name of `go build` on line 4 is not known without go.mod"),
    ("FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /bin/web ./web\nCMD [\"/bin/web\"]\n",
     {"web/main.go": MAIN, "web/index.tmpl": "x"},
     "the Go package folder web/ also holds web/index.tmpl, which the app may read at run time"),
    ("FROM golang:1.22-alpine\nRUN apk add --no-cache gcc musl-dev\nWORKDIR /src\nCOPY . .\nRUN go build -o /bin/api .\n"
     "CMD [\"/bin/api\"]\n", {"main.go": CGO_MAIN},
     "the binary is built with cgo against musl (the sources `import \"C\"`), and distroless has no musl"),
    ("FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /bin/api . && mkdir /data\nCMD [\"/bin/api\"]\n", {},
     "the RUN on line 4 runs mkdir, whose effect the final image would not have"),
    ("FROM golang:1.22\nRUN apt-get update && apt-get install -y git\nWORKDIR /src\nCOPY . .\n"
     "RUN go build -o /bin/api .\nCMD [\"/bin/api\", \"-c\", \"/etc/api/*.yaml\"]\nCOPY conf/*.yaml /etc/api/\n", {},
     "COPY conf/*.yaml on line 7 is not carried into the final image"),
])
def test_split_is_refused_with_its_reason(tmp_path, text, files, reason):
    f = one(tmp_path, text, "GDL401", files)
    assert f.level == "error"
    assert f.fix is None
    assert f.message.endswith(f"; no fix: {reason}")


@pytest.mark.parametrize("text, files, level, need", [
    ("FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN go build -o /usr/local/bin/app .\nCOPY docker-entrypoint.sh /\n"
     "ENTRYPOINT [\"/docker-entrypoint.sh\"]\n", {"docker-entrypoint.sh": "#!/bin/sh\nexec app \"$@\"\n"}, "info",
     "; no fix: moving to distroless would need a shell for the entrypoint script /docker-entrypoint.sh"),
    ("FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN go build -o /bin/app .\nCMD /bin/app -v\n", {}, "info",
     "; no fix: moving to distroless would need a shell for the shell-form CMD on line 5"),
    ("FROM golang:1.22\nWORKDIR /app\nCOPY . .\nCMD [\"go\", \"run\", \".\"]\n", {}, "info",
     "; no fix: moving to distroless would need the Go toolchain for `go run` at start"),
    ("FROM golang:1.22 AS test\nWORKDIR /src\nCOPY . .\nRUN go test ./...\n", {}, "info",
     ", which looks intended (it has no CMD or ENTRYPOINT: a build, test or CI image); no fix: an image made for the "
     "toolchain's own work stays on it"),
    ("FROM golang:1.22-alpine\nRUN apk add --no-cache git openssh-client\nWORKDIR /src\nCOPY . .\n"
     "RUN go build -o /bin/sync . && apk add --no-cache rsync\nENTRYPOINT [\"/bin/sync\"]\n", {}, "info",
     "; no fix: moving to distroless would need rsync at run time"),
])
def test_toolchain_final_that_needs_more_is_info_without_a_rewrite(tmp_path, text, files, level, need):
    f = one(tmp_path, text, "GDL401", files)
    assert (f.level, f.fix) == (level, None)
    assert f.message.endswith(need), f.message


# -- family 2 and 3: moving a distribution final to distroless --------------------------------

def test_move_keeps_the_working_directory_of_relative_paths(tmp_path):
    text = BUILD + "FROM alpine:3.19\nCOPY --from=build /out/app .\nCOPY config.yaml .\nCMD [\"./app\", \"-c\", \"config.yaml\"]\n"
    f = one(tmp_path, text, "GDL401")
    assert f.level == "warning"
    assert f.fix.applicability == "unsafe"
    assert f.fix.message == f"use {STATIC} as the final base, with `WORKDIR /` (the old base ran in /); it runs as " \
                            f"65532:65532 instead of root"
    assert fixed(text, f) == BUILD + (f"FROM {STATIC}\nWORKDIR /\nCOPY --from=build /out/app .\nCOPY config.yaml .\n"
                                      "CMD [\"./app\", \"-c\", \"config.yaml\"]\n")


def test_move_of_an_implicit_cgo_binary_goes_to_base(tmp_path):
    text = ("FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\n\n"
            "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y ca-certificates\n"
            "WORKDIR /srv\nCOPY --from=build /out/app /usr/local/bin/app\nENTRYPOINT [\"app\"]\n")
    f = one(tmp_path, text, "GDL401")
    assert f.message.endswith(f": use {BASE}")
    assert fixed(text, f).endswith(f"FROM {BASE}\nWORKDIR /srv\nCOPY --from=build /out/app /usr/local/bin/app\n"
                                   "ENTRYPOINT [\"app\"]\n")


@pytest.mark.parametrize("final, files, reason", [
    ("FROM alpine:3.19\nCOPY --from=build /out/app /app\nEXPOSE 80\nENTRYPOINT [\"/app\"]\n", {},
     f"it listens on port 80 as root, and {STATIC} runs as 65532, which cannot bind a port below 1024 on Kubernetes "
     "or containerd"),
    ("FROM alpine:3.19 AS base\nRUN apk add --no-cache ca-certificates\n\nFROM base\n"
     "COPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n", {},
     "its base is the stage 'base', which the move must not replace"),
    ("FROM ubuntu:22.04 AS kaniko-base\n\nFROM kaniko-base AS kaniko\nCOPY --from=build /out/app /kaniko/app\n"
     "ENTRYPOINT [\"/kaniko/app\"]\n", {}, "its base is the stage 'kaniko-base', which the move must not replace"),
    ("FROM alpine:3.19\nCOPY --from=build /out/app /app\nUSER daemon\nENTRYPOINT [\"/app\"]\n", {},
     f"the user daemon does not exist in {STATIC}"),
    ("FROM alpine:3.19\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/sbin/tini\", \"--\", \"/app\"]\n", {},
     "the ENTRYPOINT runs /sbin/tini, which comes from alpine:3.19"),
])
def test_move_is_refused_with_its_reason(tmp_path, final, files, reason):
    f = one(tmp_path, BUILD + final, "GDL401", files)
    assert (f.level, f.fix) == ("warning", None)
    assert f.message.endswith(f"; no fix: {reason}"), f.message


def test_move_of_a_musl_cgo_binary_is_refused(tmp_path):
    text = ("FROM golang:1.22-alpine AS build\nRUN apk add --no-cache gcc musl-dev\nWORKDIR /src\nCOPY . .\n"
            "RUN go build -o /out/app .\n\nFROM alpine:3.19\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n")
    f = one(tmp_path, text, "GDL401", {"main.go": CGO_MAIN})
    assert f.fix is None
    assert f.message == (f"the final stage runs a Go binary on alpine:3.19, which ships a shell and a package manager: "
                         f"use {STATIC} with a CGO_ENABLED=0 build, or {BASE} with a glibc builder; no fix: the binary "
                         f"is built with cgo against musl (the sources `import \"C\"`), and distroless has no musl")


@pytest.mark.parametrize("final, need", [
    ("FROM alpine:3.19\nRUN addgroup -S app && adduser -S app -G app\nCOPY --from=build /out/app /app\nUSER app\n"
     "ENTRYPOINT [\"/app\"]\n", "a shell for the RUN on line 7"),
    ("FROM alpine:3.19\nRUN apk add --no-cache bash curl\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n",
     "the run-time packages bash, curl"),
    ("FROM alpine:3.19\nCOPY --from=build /out/app /app\n",
     "a command: without CMD or ENTRYPOINT the image runs alpine:3.19's shell"),
])
def test_distribution_final_that_needs_more_is_info(tmp_path, final, need):
    f = one(tmp_path, BUILD + final, "GDL401")
    assert (f.level, f.fix) == ("info", None)
    assert f.message.endswith(f"; no fix: moving to {STATIC} would need {need}")


@pytest.mark.parametrize("base", ["cgr.dev/chainguard/static:latest", "cgr.dev/chainguard/glibc-dynamic",
                                  "scratch"])
def test_accepted_finals(tmp_path, base):
    text = BUILD + f"FROM {base}\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n"
    found = [f for f in lint_bytes(text.encode(), "Dockerfile", Settings(), context_dir=tmp_path) if f.code == "GDL401"]
    assert found == []


# -- GDL405: scratch -> distroless -------------------------------------------------------------

def test_scratch_move_keeps_cwd(tmp_path):
    text = BUILD + "FROM scratch\nCOPY --from=build /out/app .\nENTRYPOINT [\"./app\"]\n"
    f = one(tmp_path, text, "GDL405")
    assert fixed(text, f) == BUILD + f"FROM {STATIC}\nWORKDIR /\nCOPY --from=build /out/app .\nENTRYPOINT [\"./app\"]\n"
    assert f.fix.message == (f"use {STATIC}, which carries CA certificates and tzdata, with `WORKDIR /` (scratch ran "
                             "in /); it runs as 65532:65532 instead of root")


def test_scratch_move_refused_for_a_privileged_port(tmp_path):
    text = BUILD + "FROM scratch\nCOPY --from=build /out/app /app\nEXPOSE 443\nENTRYPOINT [\"/app\"]\n"
    f = one(tmp_path, text, "GDL405")
    assert f.fix is None
    assert f.message.endswith(f"; no fix: it listens on port 443 as root, and {STATIC} runs as 65532, which cannot "
                              "bind a port below 1024 on Kubernetes or containerd")


# -- family 4: only tags that exist (GDL403 + GDL407 together) --------------------------------

def test_gdl403_and_gdl407_fixes_together_give_an_existing_tag(tmp_path):
    from godockerlint.fix.fixer import fix_bytes

    text = BUILD + "FROM gcr.io/distroless/base\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n"
    (tmp_path / "go.mod").write_text(GOMOD)
    out = fix_bytes(text.encode(), "Dockerfile", Settings(syntax="none", select=frozenset({"GDL403", "GDL407"})),
                    context_dir=tmp_path, unsafe=True)
    assert out.text == BUILD + ("FROM gcr.io/distroless/base-debian12\nCOPY --from=build /out/app /app\n"
                                "USER 65532:65532\nENTRYPOINT [\"/app\"]\n")


@pytest.mark.parametrize("ref, fix", [
    ("gcr.io/distroless/static:nonroot", "gcr.io/distroless/static-debian12:nonroot"),
    ("gcr.io/distroless/static:debug-nonroot-arm64", "gcr.io/distroless/static-debian12:debug-nonroot-arm64"),
    ("gcr.io/distroless/java:latest", None),  # java17-debian12, not java-debian12
    ("gcr.io/distroless/base:nonroot-debian11", None),  # not a tag of base-debian12
])
def test_gdl407_suffix_fix_only_to_existing_images(tmp_path, ref, fix):
    text = BUILD + f"FROM {ref}\nCOPY --from=build /out/app /app\nUSER 65532:65532\nENTRYPOINT [\"/app\"]\n"
    f = one(tmp_path, text, "GDL407")
    if fix is None:
        assert f.fix is None
    else:
        assert fixed(text, f) == text.replace(ref, fix)


@pytest.mark.parametrize("ref, message", [
    ("gcr.io/distroless/static-debian12:latest", "the final base gcr.io/distroless/static-debian12:latest uses the "
     "moving tag :latest, which distroless republishes on every rebuild; use :nonroot or pin a digest "
     "(`gcr.io/distroless/static-debian12@sha256:...`); no fix: godockerlint does not invent a digest"),
    ("busybox:latest-${ARCH}", "the final base busybox:latest-${ARCH} uses the moving tag latest-${ARCH}: every build "
     "may ship another release; pin a version tag or a digest; no fix: godockerlint does not invent a version"),
])
def test_gdl407_moving_tags(tmp_path, ref, message):
    text = BUILD + f"ARG ARCH\nFROM {ref}\nCOPY --from=build /out/app /app\nUSER 65532:65532\nENTRYPOINT [\"/app\"]\n"
    text = text.replace("ARG ARCH\n", "") if "$" not in ref else "ARG ARCH\n" + text.replace("ARG ARCH\n", "")
    f = one(tmp_path, text, "GDL407")
    assert f.message == message


def test_gdl407_leaves_an_untagged_golang_final_to_gdl502(tmp_path):
    text = "FROM golang\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n"
    found = [f.code for f in lint_bytes(text.encode(), "Dockerfile", Settings(), context_dir=tmp_path)]
    assert "GDL502" in found and "GDL407" not in found


# -- GDL403: numeric users, copied passwd, privilege drop, ports -------------------------------

@pytest.mark.parametrize("final", [
    "FROM alpine:3.19\nCOPY --from=build /out/app /app\nUSER 10001:10001\nENTRYPOINT [\"/app\"]\n",
    "FROM scratch\nCOPY --from=build /etc/passwd /etc/passwd\nCOPY --from=build /out/app /app\nUSER appuser\n"
    "ENTRYPOINT [\"/app\"]\n",
])
def test_gdl403_accepts_numeric_and_passwd_users(tmp_path, final):
    text = BUILD + final
    found = [f for f in lint_bytes(text.encode(), "Dockerfile", Settings(), context_dir=tmp_path) if f.code == "GDL403"]
    assert found == []


def test_gdl403_privilege_drop_is_by_design(tmp_path):
    text = BUILD + ("FROM alpine:3.19\nRUN apk add --no-cache su-exec\nCOPY --from=build /out/app /app\n"
                    "COPY entrypoint.sh /\nENTRYPOINT [\"/entrypoint.sh\"]\n")
    f = one(tmp_path, text, "GDL403", {"entrypoint.sh": "#!/bin/sh\nexec su-exec app /app\n"})
    assert (f.level, f.fix) == ("info", None)
    assert f.message == ("the final stage starts as root by design: su-exec drops privileges when the container starts; "
                         "no fix: the image switches user itself")


def test_gdl403_gosu_in_the_entrypoint_script_is_by_design(tmp_path):
    text = BUILD + ("FROM debian:bookworm-slim\nCOPY --from=build /out/app /app\nCOPY start /usr/local/bin/\n"
                    "ENTRYPOINT [\"start\"]\n")
    f = one(tmp_path, text, "GDL403", {"start": "#!/bin/bash\nset -e\nexec gosu app /app \"$@\"\n"})
    assert f.level == "info"


def test_gdl403_fix_adds_the_user_and_is_refused_for_a_privileged_port(tmp_path):
    text = BUILD + "FROM gcr.io/distroless/static-debian12\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n"
    f = one(tmp_path, text, "GDL403")
    assert f.fix.applicability == "unsafe"
    assert fixed(text, f) == text.replace("ENTRYPOINT", "USER 65532:65532\nENTRYPOINT")
    text80 = text.replace("ENTRYPOINT", "EXPOSE 80\nENTRYPOINT")
    f = one(tmp_path, text80, "GDL403")
    assert f.fix is None
    assert f.message.endswith("; no fix: it listens on port 80, which a non-root user cannot bind on Kubernetes or "
                              "containerd")


def test_docstring_examples_of_the_new_cases():
    """The extra examples in GDL401's and GDL403's docstrings give what their captions say."""
    import re

    from godockerlint.lint.rule import load_rules

    rules = load_rules()
    fence = re.compile(r"```dockerfile\n(.*?)```", re.S)
    gdl401 = fence.findall(rules["GDL401"].doc)
    gdl403 = fence.findall(rules["GDL403"].doc)

    def of(text, code):
        return [f for f in lint_bytes(text.encode(), "Dockerfile", Settings(), context_dir=None) if f.code == code]

    [script] = of(gdl401[2], "GDL401")
    assert (script.level, script.fix) == ("info", None)
    assert "a shell for the entrypoint script /docker-entrypoint.sh" in script.message
    [musl] = of(gdl401[3], "GDL401")
    assert musl.fix is None and "no fix: the binary is built with cgo against musl" in musl.message
    [drop] = of(gdl403[2], "GDL403")
    assert drop.level == "info" and "by design: su-exec" in drop.message


def test_split_of_a_final_built_on_a_go_stage_carries_what_that_stage_gave(tmp_path):
    text = ("FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nCOPY --from=node:20 /usr/share/doc/node /srv/doc\n"
            "ENV APP_MODE=prod\nRUN go build -o /out/app .\nEXPOSE 8080\n\n"
            "FROM build AS final\nENTRYPOINT [\"/out/app\"]\n")
    f = one(tmp_path, text, "GDL401", {"templates/index.html": "<p>\n"})
    assert fixed(text, f).endswith(
        f"FROM {STATIC} AS final\nWORKDIR /src\nCOPY --from=build /out/app /out/app\n"
        "COPY --from=build /src/templates /src/templates\nCOPY --from=build /srv/doc /srv/doc\n"
        "ENV APP_MODE=prod\nUSER 65532:65532\nEXPOSE 8080\nENTRYPOINT [\"/out/app\"]\n")


def test_split_of_go_build_into_a_folder_names_each_main_package(tmp_path):
    text = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o bin/ ./cmd/...\nCMD [\"bin/api\"]\n"
    f = one(tmp_path, text, "GDL401", {"cmd/api/main.go": MAIN, "cmd/worker/main.go": MAIN, "main.go": None})
    assert fixed(text, f).endswith(
        f"FROM {STATIC}\nWORKDIR /src\nCOPY --from=build /src/bin/api /src/bin/api\n"
        "COPY --from=build /src/bin/worker /src/bin/worker\nUSER 65532:65532\nCMD [\"/src/bin/api\"]\n")


def test_split_puts_no_cache_mount_on_a_run_that_removes_the_cache(tmp_path):
    # `rm -rf /root/.cache` of a mounted GOCACHE fails the build ("Device or resource busy")
    text = ("FROM golang:1.12-alpine\nWORKDIR /go/src/app\nADD . .\n"
            "RUN go build -o /usr/local/bin/app . && rm -rf /go/src /root/.cache\nENTRYPOINT [\"app\"]\n")
    f = one(tmp_path, text, "GDL401", {"go.mod": None})
    out = fixed(text, f)
    assert "--mount=type=cache" not in out
    assert "RUN CGO_ENABLED=0 go build -ldflags=\"-s -w\" -o /usr/local/bin/app . && rm -rf /go/src /root/.cache\n" in out
