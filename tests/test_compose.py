"""Compose files: each service's Dockerfile is linted with its build context, target and build args."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from godockerlint.cli.command import cli

COMPOSE = """\
# the app
services:
  api:
    build:
      context: ./api
      dockerfile: build/Dockerfile.api
      target: ${API_TARGET:-build}
      args:
        GOPROXY: https://goproxy.cn,direct
  web:
    build: ./web
  db:
    image: postgres:16
"""
# No ARG GOPROXY anywhere; the `build` stage is final only with compose's target.
API = """\
FROM golang:1.25 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \\
    CGO_ENABLED=0 go build -o /out/app .
CMD ["/out/app"]

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
"""
# The final base is a build argument: distroless by default, the toolchain with compose's args.
WEB = """\
ARG FINAL=gcr.io/distroless/static-debian12:nonroot
FROM golang:1.25 AS build
ARG GOPROXY
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \\
    CGO_ENABLED=0 go build -o /app .
FROM ${FINAL}
COPY --from=build /app /app
CMD ["/app"]
"""
SELECT = ["--select", "GDL101,GDL209,GDL401"]
NOTE = ("; compose service 'api' (compose.yaml) passes the build arg GOPROXY, but the Dockerfile never "
        "declares `ARG GOPROXY`, so the value is dropped")
API_101 = ("api/build/Dockerfile.api:4:43: GDL101 warning: stage 'build' runs `go mod download` without "
           "`ARG GOPROXY`: --build-arg GOPROXY=... cannot reach go; declare `ARG GOPROXY` before this RUN")
API_401 = ("api/build/Dockerfile.api:1:1: GDL401 error: the final stage 'build' ships the Go toolchain image "
           "golang:1.25 to production: build in one stage and copy the binary into "
           "gcr.io/distroless/static-debian12:nonroot")


def run(args):
    return CliRunner().invoke(cli, [*SELECT, *args], catch_exceptions=False)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def work(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("API_TARGET", raising=False)
    write(tmp_path / "compose.yaml", COMPOSE)
    write(tmp_path / "api" / "build" / "Dockerfile.api", API)
    write(tmp_path / "api" / "go.mod", "module example.com/api\n\ngo 1.22\n\nrequire example.com/dep v1.0.0\n")
    write(tmp_path / "api" / ".dockerignore", ".git\n")  # in the context, not next to the Dockerfile
    write(tmp_path / "web" / "Dockerfile", WEB)
    write(tmp_path / "web" / ".dockerignore", ".git\n")
    return tmp_path


def test_compose_services_are_linted_with_their_context_target_and_args(work):
    result = run(["compose.yaml"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        API_401,  # target: build makes the toolchain stage final
        API_101 + NOTE,  # compose passes GOPROXY, the Dockerfile never declares it
        # no GDL209: the context ./api has a .dockerignore
        "Found 2 problems (1 error, 1 warning).",
    ]


def test_the_dockerfiles_alone_lint_differently(work):
    result = run(["api/build/Dockerfile.api", "web/Dockerfile"])
    assert result.stdout.splitlines() == [
        API_101,
        "api/build/Dockerfile.api:5:1: GDL209 warning: `COPY . .` sends the whole context but the context has no "
        ".dockerignore: every git operation busts this layer and the Go build after it, and VCS stamping can fail; "
        "create .dockerignore with `.git`, `Dockerfile*`, `.dockerignore` and your local build outputs",
        "Found 2 problems (2 warnings).",
    ]


def test_build_args_reach_the_dockerfile(work):
    write(work / "compose.yaml", "services:\n  web:\n    build:\n      context: web\n      args:\n"
                                 "        - FINAL=golang:1.25\n")
    result = run(["compose.yaml"])
    assert result.stdout.splitlines() == [
        "web/Dockerfile:10:1: GDL401 error: the final stage #1 ships the Go toolchain image golang:1.25 to "
        "production: build in one stage and copy the binary into gcr.io/distroless/static-debian12:nonroot; "
        "no fix: no go build in the stage writes a binary",
        "Found 1 problem (1 error).",
    ]


def test_args_and_target_are_interpolated_from_the_environment(work, monkeypatch):
    monkeypatch.setenv("API_TARGET", "")  # :- takes the default for an empty value too
    assert run(["compose.yaml"]).stdout.splitlines()[0] == API_401
    write(work / "compose.yaml", COMPOSE.replace("${API_TARGET:-build}", "$API_TARGET"))
    monkeypatch.setenv("API_TARGET", "")  # no target: the distroless stage is final again
    result = run(["compose.yaml"])
    assert result.stdout.splitlines() == [API_101 + NOTE, "Found 1 problem (1 warning)."]
    # `- GOPROXY` without a value: still passed by compose, so the note is there
    write(work / "compose.yaml", "services:\n  api:\n    build:\n      context: api\n"
                                 "      dockerfile: build/Dockerfile.api\n      args: [GOPROXY]\n")
    monkeypatch.setenv("GOPROXY", "https://proxy.example.com")
    assert NOTE in run(["compose.yaml"]).stdout


def test_a_stage_without_the_arg_when_the_file_declares_it_elsewhere(work):
    write(work / "api" / "build" / "Dockerfile.api", API + "\nFROM golang:1.25 AS tools\nARG GOPROXY\n")
    out = run(["compose.yaml"]).stdout
    assert ("; compose service 'api' (compose.yaml) passes the build arg GOPROXY, but this stage does not "
            "declare `ARG GOPROXY`, so the value never reaches go") in out


def test_folder_discovery_finds_compose_files_and_lints_each_dockerfile_once(work):
    result = run(["."])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines == [API_401, API_101 + NOTE, "Found 2 problems (1 error, 1 warning)."]


def test_dockerfile_inline(work):
    write(work / "compose.yml", "services:\n  x:\n    build:\n      context: api\n      dockerfile_inline: |\n"
                                "        FROM golang:1.25\n        RUN --mount=type=bind,source=go.mod,target=go.mod go mod download\n")
    result = run(["compose.yml"])
    assert result.stdout.splitlines()[1].startswith(
        "compose.yml#services.x.build.dockerfile_inline:2:51: GDL101 warning: stage #0 runs `go mod download`")


def test_a_broken_compose_file_is_one_line_and_the_others_are_linted(work):
    write(work / "docker-compose.yml", "services:\n  api:\n    build: [\n")
    result = run(["docker-compose.yml", "api/build/Dockerfile.api"])
    assert result.exit_code == 2
    assert result.stderr.startswith("godockerlint: error: docker-compose.yml:4: invalid YAML: ")
    assert result.stderr.count("\n") == 1
    assert result.stdout.splitlines()[0] == API_101


def test_a_huge_compose_file_is_refused_in_one_line_without_quoting_it(work):
    # compose files are YAML of a few kilobytes, like the config: a 300 KiB one is not parsed
    write(work / "compose.yaml", COMPOSE + "# SECRET_TOKEN=s3cr3t\n" * (300 * 1024 // 22))
    result = run(["compose.yaml", "api/build/Dockerfile.api"])
    assert result.exit_code == 2
    assert result.stderr == ("godockerlint: error: compose.yaml: file too large "
                             "(more than 262144 bytes; the limit is 256 KiB)\n")
    assert result.stdout.splitlines()[0] == API_101  # the other file is still linted


def test_a_compose_file_at_the_limit_is_read(work):
    write(work / "compose.yaml", COMPOSE + "#" * (256 * 1024 - len(COMPOSE) - 1) + "\n")
    assert (work / "compose.yaml").stat().st_size == 256 * 1024
    result = run(["compose.yaml"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "Found 2 problems (1 error, 1 warning)."


@pytest.mark.parametrize("text, message", [
    ("services:\n  api:\n    build:\n      context: api\n      dockerfile: nope/Dockerfile\n",
     "compose.yaml:5: service 'api': Dockerfile api/nope/Dockerfile: no such file"),
    ("services:\n  api:\n    build: ./missing\n", "compose.yaml:3: service 'api': build context missing is not a folder"),
    ("services:\n  api:\n    build: 3\n", "compose.yaml:3: service 'api': `build` must be a path or a mapping"),
    ("version: '3'\n", "compose.yaml:1: not a compose file: expected a `services:` mapping"),
    ("services:\n  api:\n    build: https://github.com/a/b.git\n",
     "compose.yaml:3: service 'api': remote build context https://github.com/a/b.git cannot be linted"),
])
def test_bad_services_are_errors(work, text, message):
    write(work / "compose.yaml", text)
    result = run(["compose.yaml"])
    assert (result.exit_code, result.stderr) == (2, f"godockerlint: error: {message}\n")


def test_two_services_building_one_dockerfile_report_it_once(work):
    write(work / "compose.yaml", COMPOSE.replace("  web:\n    build: ./web\n", "  worker:\n    build:\n"
                                                 "      context: ./api\n      dockerfile: build/Dockerfile.api\n"
                                                 "      target: build\n"))
    result = run(["compose.yaml"])
    assert result.stdout.splitlines() == [
        API_401,
        API_101,  # from worker, which does not pass GOPROXY
        API_101 + NOTE,  # from api, which does
        "Found 3 problems (1 error, 2 warnings).",
    ]


# -- a compose file cannot make godockerlint read outside its project folder ------------------

SHADOW = "root:$6$Qw3rtyS4lt$hAsHvAlUeThAtMuStNeVeRbEsHoWn:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"


@pytest.fixture
def outside(tmp_path, monkeypatch):
    """A compose project in project/, and a secret file beside it (outside the project)."""
    project = tmp_path / "project"
    write(project / ".git" / "HEAD", "ref: refs/heads/main\n")
    write(tmp_path / "shadow", SHADOW)
    write(tmp_path / "other" / "Dockerfile", API)
    monkeypatch.chdir(project)
    return project


@pytest.mark.parametrize("build, key", [
    ("build:\n      context: .\n      dockerfile: {shadow}\n", "dockerfile"),
    ("build:\n      context: .\n      dockerfile: ../shadow\n", "dockerfile"),
    ("build:\n      context: ..\n      dockerfile: shadow\n", "context"),
    ("build: ../other\n", "context"),
    ("build:\n      context: {other}\n", "context"),
    ("build:\n      context: .\n      dockerfile: link/Dockerfile\n", "dockerfile"),  # a link out of the project
])
@pytest.mark.parametrize("fmt", ["text", "github", "json"])
def test_compose_paths_outside_the_project_are_refused_without_reading_them(outside, build, key, fmt):
    (outside / "link").symlink_to(outside.parent / "other")
    text = build.format(shadow=outside.parent / "shadow", other=outside.parent / "other")
    write(outside / "compose.yaml", f"services:\n  api:\n    {text}")
    for args in (["compose.yaml"], ["."]):
        result = CliRunner().invoke(cli, ["--format", fmt, *args], catch_exceptions=False)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("godockerlint: error: compose.yaml:")
        assert result.stderr.count("\n") == 1
        assert "outside the compose project folder" in result.stderr and f"build.{key}" in result.stderr
        out = result.stdout + result.stderr
        assert "root:" not in out and "Qw3rty" not in out and "GDL" not in out  # nothing of the file


def test_compose_paths_inside_the_project_are_still_linted(outside):
    write(outside / "svc" / "Dockerfile", API)
    write(outside / "compose.yaml", "services:\n  api:\n    build:\n      context: ./svc\n"
                                    "      dockerfile: ../svc/./Dockerfile\n")
    result = CliRunner().invoke(cli, ["--select", "GDL101", "compose.yaml"], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("svc/Dockerfile:4:43: GDL101 warning: ")


def test_a_dockerfile_outside_the_project_named_on_the_command_line_is_linted(outside):
    result = CliRunner().invoke(cli, ["--select", "GDL101", "../other/Dockerfile"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stdout.startswith("../other/Dockerfile:4:43: GDL101 warning: ")
