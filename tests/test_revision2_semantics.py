"""rules.md "Real-world semantics (revision 2)", issue-15 families: what a user sees on the shapes
the families name (finding code, line and the words of the message that carry the decision)."""

from __future__ import annotations

from godockerlint.lint.engine import lint_bytes
from godockerlint.core.settings import Settings

GO_MOD = "module example.com/app\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n"


def lint(tmp_path, text, files=None, codes=None):
    for rel, body in (files or {}).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(body)
    found = lint_bytes(text.encode(), "Dockerfile", Settings(), context_dir=tmp_path)
    return [(f.line, f.code, f.message) for f in found if codes is None or f.code in codes]


def codes_at(found):
    return [(line, code) for line, code, _ in found]


# -- family 1: Go version and module mode ------------------------------------------------
def test_gopath_era_golang_1_6_gets_no_module_cache_or_trimpath_advice(tmp_path):
    found = lint(tmp_path, "FROM golang:1.6\nWORKDIR /go/src/github.com/acme/app\nCOPY . .\n"
                           "RUN go get -d ./... && go build -o /usr/bin/app .\nCMD [\"app\"]\n",
                 {"main.go": "package main\nfunc main() {}\n"}, codes={"GDL101", "GDL106", "GDL201", "GDL202",
                                                                       "GDL203", "GDL303"})
    assert codes_at(found) == [(4, "GDL203"), (4, "GDL303")]
    assert "has no build cache; a GOCACHE cache mount needs Go >= 1.10" in found[0][2]
    assert "lacks -ldflags \"-s -w\"" in found[1][2] and found[1][2].endswith("(-trimpath needs Go >= 1.13)")


def test_alpine_3_4_apk_go_is_gopath_mode(tmp_path):
    found = lint(tmp_path, "FROM alpine:3.4\nRUN apk add --no-cache go git\nENV GOPATH /go\n"
                           "COPY . /go/src/app\nWORKDIR /go/src/app\nRUN go get github.com/lib/pq && go build -o /app .\n",
                 {"main.go": "package main\nfunc main() {}\n"}, codes={"GDL101", "GDL106", "GDL202", "GDL203"})
    assert [(line, code) for line, code, _ in found] == [(6, "GDL203")]  # info: a build cache needs Go >= 1.10
    assert "needs Go >= 1.10" in found[0][2]


def test_go_mod_copied_means_module_mode_on_go_1_12(tmp_path):
    found = lint(tmp_path, "FROM golang:1.12\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\n"
                           "COPY . .\nRUN go build -o /app .\n",
                 {"go.mod": GO_MOD.replace("1.22", "1.12"), "go.sum": ""}, codes={"GDL202"})
    assert codes_at(found) == [(4, "GDL202")]


def test_go_build_i_is_fine_before_go_1_20(tmp_path):
    text = "FROM golang:{v}\nWORKDIR /go/src/app\nCOPY . .\nRUN go build -i -o /app .\n"
    assert lint(tmp_path, text.format(v="1.9"), codes={"GDL305"}) == []
    assert codes_at(lint(tmp_path, text.format(v="1.22"), codes={"GDL305"})) == [(4, "GDL305")]


# -- family 2: GDL106 --------------------------------------------------------------------
def test_gopath_prefetch_chain_is_not_an_unpinned_install(tmp_path):
    found = lint(tmp_path, "FROM golang:1.8\nRUN go get github.com/gorilla/mux && go get github.com/lib/pq\n",
                 codes={"GDL106"})
    assert found == []


def test_go_install_pinned_by_go_mod_and_local_patterns_are_silent(tmp_path):
    found = lint(tmp_path, "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\n"
                           "RUN go install github.com/golang/mock/mockgen && go install ../...\n",
                 {"go.mod": GO_MOD, "go.sum": ""}, codes={"GDL106"})
    assert found == []


def test_one_gdl106_finding_per_run(tmp_path):
    found = lint(tmp_path, "FROM golang:1.22 AS tools\n"
                           "RUN go install a.example/x@latest && go install b.example/y@latest\n", codes={"GDL106"})
    assert codes_at(found) == [(2, "GDL106")]
    assert found[0][2].endswith("(and 1 more in this RUN; no fix: which version to pin is the owner's choice)")


# -- family 6: cache paths --------------------------------------------------------------------
def test_red_hat_go_toolset_home(tmp_path):
    found = lint(tmp_path, "FROM registry.access.redhat.com/ubi9/go-toolset:1.21\nCOPY go.mod go.sum ./\n"
                           "RUN go mod download\nCOPY . .\nRUN go build -o /tmp/app .\n",
                 {"go.mod": GO_MOD.replace("1.22", "1.21"), "go.sum": ""},
                 codes={"GDL202"})
    assert codes_at(found) == [(3, "GDL202")]
    assert "/opt/app-root/src/go/pkg/mod" in found[0][2]


def test_red_hat_go_toolset_starts_in_its_home(tmp_path):
    # no WORKDIR: go-toolset's is /opt/app-root/src, so `-o catalog` writes /opt/app-root/src/catalog
    text = ("FROM registry.access.redhat.com/ubi9/go-toolset:1.21 AS builder\nCOPY . .\n"
            "RUN CGO_ENABLED=0 go build -trimpath -o catalog ./cmd/catalog\n"
            "FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4\n"
            "COPY --from=builder /opt/app-root/src/catalog /usr/local/bin/catalog\n"
            "COPY --from=builder catalog /usr/local/bin/other\nUSER 1001\nENTRYPOINT [\"catalog\"]\n")
    found = lint(tmp_path, text, {"go.mod": GO_MOD.replace("1.22", "1.21"), "go.sum": "",
                                  "cmd/catalog/main.go": "package main\nfunc main() {}\n"},
                 codes={"GDL303", "GDL306"})
    assert codes_at(found) == [(3, "GDL303"), (6, "GDL306")]  # the shipped binary; `catalog` is /catalog there
    assert "lacks -ldflags" in found[0][2]
    assert "copies /catalog: its paths start at the root of stage 'builder', not at its WORKDIR " \
           "/opt/app-root/src, where the go build writes /opt/app-root/src/catalog" in found[1][2]


def test_unknown_builder_image_names_the_cache_as_unknown_and_raises_no_error(tmp_path):
    found = lint(tmp_path, "FROM quay.io/acme/go-builder:2 AS build\nWORKDIR /src\nCOPY . .\n"
                           "RUN --mount=type=cache,target=/root/go/pkg/mod go build -o /out/app .\n",
                 {"go.mod": GO_MOD, "main.go": "package main\nfunc main() {}\n"},
                 codes={"GDL202", "GDL203", "GDL204"})
    assert codes_at(found) == [(4, "GDL203")]
    assert "GOCACHE is unknown for quay.io/acme/go-builder:2" in found[0][2]


def test_arg_builder_and_parent_mount(tmp_path):
    found = lint(tmp_path, "ARG IMG=golang:1.22\nFROM ${IMG} AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\n"
                           "RUN --mount=type=cache,target=/go/pkg go mod download\n",
                 {"go.mod": GO_MOD, "go.sum": ""}, codes={"GDL202", "GDL204"})
    assert found == []


# -- family 7: nothing to fetch -----------------------------------------------------------
def test_single_file_build_without_go_mod_downloads_nothing(tmp_path):
    found = lint(tmp_path, "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /hello hello.go\n",
                 {"hello.go": "package main\nfunc main() {}\n"}, codes={"GDL101", "GDL201", "GDL202"})
    assert found == []


def test_goflags_mod_vendor_downloads_nothing(tmp_path):
    found = lint(tmp_path, "FROM golang:1.22 AS build\nENV GOFLAGS=-mod=vendor\nWORKDIR /src\nCOPY . .\n"
                           "RUN go build -o /app .\n", {"go.mod": GO_MOD, "main.go": "package main\n"},
                 codes={"GDL101", "GDL201", "GDL202"})
    assert found == []


# -- family 8: shipped binaries, one finding per instruction ------------------------------------
FINAL = "\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n"


def test_gdl303_only_for_the_binary_that_ships(tmp_path):
    found = lint(tmp_path, "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\n"
                           "RUN go build ./... && go build -o /out/debug . && go test ./...\n"
                           "RUN CGO_ENABLED=0 go build -o /out/app .\n" + FINAL,
                 {"go.mod": GO_MOD, "main.go": "package main\n"}, codes={"GDL303"})
    assert codes_at(found) == [(5, "GDL303")]


def test_if_else_branches_are_one_finding_with_one_fix(tmp_path):
    found = lint_bytes(("FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\n"
                        "RUN if [ -n \"$X\" ]; then go build -o /out/app .; else go build -o /out/app ./cmd; fi\n"
                        + FINAL).encode(), "Dockerfile", Settings(), context_dir=tmp_path)
    gdl301 = [f for f in found if f.code == "GDL303"]
    assert [f.line for f in gdl301] == [4]
    assert len(gdl301[0].fix.edits) == 2


def test_git_describe_build_gets_build_arg_advice(tmp_path):
    found = lint(tmp_path, "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\n"
                           "RUN go build -ldflags \"-X main.v=$(git describe --tags)\" -o /out/app .\n" + FINAL,
                 {"go.mod": GO_MOD, "main.go": "package main\n"}, codes={"GDL209"})
    assert codes_at(found) == [(3, "GDL209")]
    assert "pass the version in as a build argument" in found[0][2]


def test_empty_secret_value_is_not_a_credential(tmp_path):
    assert lint(tmp_path, "FROM golang:1.22\nENV GITHUB_TOKEN=\"\"\nARG NPM_TOKEN=\n", codes={"GDL501"}) == []


def test_no_gdl602_on_a_single_stage_never_built_multi_platform(tmp_path):
    text = "FROM golang:1.22-alpine\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app .\nCMD [\"/app\"]\n"
    assert lint(tmp_path, text, codes={"GDL602"}) == []


# -- family 9: misses ------------------------------------------------------------------------
def test_copied_path_the_build_never_writes(tmp_path):
    found = lint(tmp_path, "FROM golang:1.22 AS build\nWORKDIR /app\nCOPY . .\nRUN go build -o main .\n"
                           "\nFROM alpine:3.20\nCOPY --from=build /app/first /first\n",
                 {"go.mod": GO_MOD, "main.go": "package main\n"}, codes={"GDL306"})
    assert codes_at(found) == [(7, "GDL306")]


def test_go_mod_init_and_combined_flags(tmp_path):
    found = lint(tmp_path, "FROM golang:1.22\nCOPY *.go ./\nRUN go mod init app && go mod tidy && go get -dR ./...\n",
                 codes={"GDL105", "GDL305"})
    assert codes_at(found) == [(3, "GDL105"), (3, "GDL305")]
    assert "go mod init" in found[0][2] and "-dR" in found[1][2]


def test_goprivate_in_a_gopath_mode_stage(tmp_path):
    found = lint(tmp_path, "FROM golang:1.13\nENV GOPRIVATE=git.acme.io\nWORKDIR /go/src/git.acme.io/x\n"
                           "COPY . .\nRUN go get -d ./...\n", {"main.go": "package main\n"}, codes={"GDL110"})
    assert codes_at(found) == [(5, "GDL110")]


def test_copy_pwd_is_a_whole_context_copy(tmp_path):
    found = lint(tmp_path, "FROM golang:1.22 AS build\nWORKDIR /app\nCOPY $PWD ./\nRUN go mod download\n",
                 {"go.mod": GO_MOD, "main.go": "package main\n"}, codes={"GDL201", "GDL210"})
    assert codes_at(found) == [(4, "GDL201")]


def test_gopath_tree_on_a_module_mode_go_fails_without_go_mod(tmp_path):
    text = "FROM golang:{v}\nWORKDIR /go/src/github.com/acme/app\nCOPY . .\nRUN go get -d -v && go build -o /app\n"
    files = {"app.go": "package main\nfunc main() {}\n"}
    found = lint(tmp_path, text.format(v="alpine"), files, codes={"GDL210"})
    assert codes_at(found) == [(4, "GDL210")]
    assert "the build context has no go.mod" in found[0][2]
    assert lint(tmp_path, text.format(v="1.15"), files, codes={"GDL210"}) == []
    assert lint(tmp_path, text.format(v="1.22").replace("RUN ", "ENV GO111MODULE=off\nRUN "), files,
                codes={"GDL210"}) == []
