"""`godockerlint lsp`: real sessions over stdio against the installed console script.

Each test starts the server as an editor does (`godockerlint lsp`), speaks JSON-RPC to it with
tests/lsp_client.py and checks what an editor would show or apply: diagnostics and their ranges,
code action edits (applied, they give the CLI's `--fix` text byte for byte), hover, completion,
re-lints on change and on config change, a document that does not parse, shutdown and exit.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from lsp_client import LspSession, apply_text_edits, console_script  # noqa: E402


ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "fixtures" / "app"

# A good multi-stage build except that `go mod download` cannot be pointed at another proxy.
NO_GOPROXY = """\
FROM golang:1.25-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \\
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
"""

# The shape most real projects start from: one toolchain stage, sources before go.mod.
SINGLE_STAGE = """\
FROM golang:1.25

WORKDIR /app
COPY . .
RUN go build -o /app/server .

EXPOSE 8080
CMD ["/app/server", "-addr", ":8080"]
"""


def project(tmp_path: Path, dockerfile: str, name: str = "Dockerfile", newline: str = "\n") -> Path:
    """A build context in a git repository of its own (config lookup stops there)."""
    (tmp_path / ".git").mkdir(exist_ok=True)
    for f in APP.iterdir():
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / ".dockerignore").write_text(".git\n")
    path = tmp_path / name
    path.write_bytes(dockerfile.replace("\n", newline).encode("utf-8"))
    return path


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([console_script(), *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture
def session(tmp_path):
    s = LspSession(tmp_path)
    yield s
    s.kill()


def start(session: LspSession, root: Path, options=None) -> dict:
    return session.initialize(root, {"debounce": 50, **(options or {})})


def whole_range(text: str) -> dict:
    return {"start": {"line": 0, "character": 0}, "end": {"line": len(text.splitlines()) + 1, "character": 0}}


def actions(session, uri, rng, only=None, diagnostics=()):
    context = {"diagnostics": list(diagnostics)}
    if only:
        context["only"] = only
    return session.request("textDocument/codeAction",
                           {"textDocument": {"uri": uri}, "range": rng, "context": context}) or []


# --- initialize, diagnostics ------------------------------------------------------------------

def test_initialize_advertises_what_the_server_does(session, tmp_path):
    caps = start(session, tmp_path)["capabilities"]
    assert caps["codeActionProvider"]["codeActionKinds"] == ["quickfix", "source.fixAll.godockerlint"]
    assert caps["hoverProvider"] is True
    assert set(caps["completionProvider"]["triggerCharacters"]) == {"=", ","}
    assert caps["textDocumentSync"]["openClose"] is True
    assert caps["textDocumentSync"]["change"] == 2  # incremental
    assert session.close() == 0


def test_open_publishes_the_findings_of_the_cli_with_their_ranges(session, tmp_path):
    path = project(tmp_path, NO_GOPROXY)
    start(session, tmp_path)
    uri = session.open(path)
    diags = session.diagnostics(uri)
    gdl101 = [d for d in diags if d["code"] == "GDL101"]
    assert gdl101 == [{
        "range": {"start": {"line": 3, "character": 42}, "end": {"line": 3, "character": 57}},
        "severity": 2,
        "code": "GDL101",
        "codeDescription": {"href": gdl101[0]["codeDescription"]["href"]},
        "source": "godockerlint",
        "message": "stage 'build' runs `go mod download` without `ARG GOPROXY`: --build-arg GOPROXY=... "
                   "cannot reach go; declare `ARG GOPROXY` before this RUN",
        "data": gdl101[0]["data"],
    }]
    assert gdl101[0]["codeDescription"]["href"].endswith("#gdl101")
    # every diagnostic is a finding of `godockerlint --format json` on the same file, same order
    report = json.loads(cli("--format", "json", "Dockerfile", cwd=tmp_path).stdout)
    assert [(d["code"], d["message"]) for d in diags] == [(f["code"], f["message"]) for f in report]
    assert session.close() == 0


def test_json_sarif_and_lsp_ranges_agree(session, tmp_path):
    # a line with characters outside the BMP: LSP counts UTF-16 units, the reports characters
    text = SINGLE_STAGE.replace("WORKDIR /app", "LABEL description=\"🐹 gopher 🐳\"\nWORKDIR /app") \
        .replace("RUN go build", "RUN echo 🐹 && go build")
    path = project(tmp_path, text)
    start(session, tmp_path)
    uri = session.open(path)
    diags = session.diagnostics(uri)
    report = json.loads(cli("--format", "json", "Dockerfile", cwd=tmp_path).stdout)
    sarif = json.loads(cli("--format", "sarif", "Dockerfile", cwd=tmp_path).stdout)
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in sarif["runs"][0]["results"]]
    lines = text.splitlines()

    def utf16(line: int, column: int) -> int:
        return len(lines[line - 1][:column - 1].encode("utf-16-le")) // 2

    assert len(diags) == len(report) == len(regions) > 3
    for d, f, region in zip(diags, report, regions):
        assert (region["startLine"], region["startColumn"], region["endLine"], region["endColumn"]) == \
            (f["line"], f["column"], f["end_line"], f["end_column"])
        assert d["range"] == {"start": {"line": f["line"] - 1, "character": utf16(f["line"], f["column"])},
                              "end": {"line": f["end_line"] - 1, "character": utf16(f["end_line"], f["end_column"])}}
    run_line = next(d for d in diags if d["code"] == "GDL203")
    # `RUN echo 🐹 && go build`: `go` is the 15th character (column 15 in the reports) and starts
    # after 15 UTF-16 units (the gopher takes two)
    assert next(f for f in report if f["code"] == "GDL203")["column"] == 15
    assert run_line["range"]["start"] == {"line": 5, "character": 15}
    assert run_line["range"]["end"]["character"] == len("RUN echo 🐹 && go build -o /app/server .".encode("utf-16-le")) // 2
    session.close()


def test_related_location_points_at_the_source_copy(session, tmp_path):
    path = project(tmp_path, SINGLE_STAGE)
    start(session, tmp_path)
    uri = session.open(path)
    gdl201 = next(d for d in session.diagnostics(uri) if d["code"] == "GDL201")
    assert gdl201["relatedInformation"] == [{
        "location": {"uri": uri, "range": {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 8}}},
        "message": "the sources are copied here",
    }]
    sarif = json.loads(cli("--format", "sarif", "Dockerfile", cwd=tmp_path).stdout)
    import jsonschema

    jsonschema.validate(sarif, json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text()))
    (result,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "GDL201"]
    assert result["relatedLocations"] == [{
        "id": 0, "message": {"text": "the sources are copied here"},
        "physicalLocation": {"artifactLocation": {"uri": "Dockerfile"},
                             "region": {"startLine": 4, "startColumn": 1, "endLine": 4, "endColumn": 9}}}]
    session.close()


def test_only_dockerfiles_are_linted(session, tmp_path):
    project(tmp_path, NO_GOPROXY)
    start(session, tmp_path)
    yaml_uri = session.open(tmp_path / "compose.yaml", text="services: {}\n", language_id="yaml")
    by_name = session.open(tmp_path / "api.Dockerfile", text=NO_GOPROXY, language_id="plaintext")
    by_language = session.open(tmp_path / "build-recipe", text=NO_GOPROXY, language_id="dockerfile")
    containerfile = session.open(tmp_path / "Containerfile.dev", text=NO_GOPROXY, language_id="plaintext")
    for uri in (by_name, by_language, containerfile):
        assert "GDL101" in [d["code"] for d in session.diagnostics(uri)]
    session.request("textDocument/hover", {"textDocument": {"uri": yaml_uri},
                                           "position": {"line": 0, "character": 0}})  # a round trip
    assert not any(m.get("params", {}).get("uri") == yaml_uri for m in session.notifications
                   if m.get("method") == "textDocument/publishDiagnostics")
    session.close()


def test_change_relints_the_unsaved_text(session, tmp_path):
    path = project(tmp_path, NO_GOPROXY)
    start(session, tmp_path)
    uri = session.open(path)
    assert "GDL101" in [d["code"] for d in session.diagnostics(uri, version=1)]
    fixed = NO_GOPROXY.replace("WORKDIR /src\n", "ARG GOPROXY\nWORKDIR /src\n")
    session.change(uri, 2, fixed)
    assert "GDL101" not in [d["code"] for d in session.diagnostics(uri, version=2)]
    assert path.read_text() == NO_GOPROXY  # nothing was written
    session.change(uri, 3, fixed + "RUN <<EOF\necho half-typed\n")  # an unterminated heredoc
    broken = session.diagnostics(uri, version=3)
    assert [d["code"] for d in broken] == ["GDL001"]
    assert broken[0]["severity"] == 1 and broken[0]["range"]["start"]["line"] == 12
    session.change(uri, 4, fixed)
    assert "GDL001" not in [d["code"] for d in session.diagnostics(uri, version=4)]
    session.close()


def test_quick_edits_are_debounced_into_one_lint(session, tmp_path):
    path = project(tmp_path, NO_GOPROXY)
    start(session, tmp_path, {"debounce": 400})
    uri = session.open(path)
    session.diagnostics(uri, version=1)
    for v in range(2, 7):
        session.change(uri, v, NO_GOPROXY + "# " + "x" * v + "\n")
    session.diagnostics(uri, version=6)
    session.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}})
    published = [m for m in session.notifications if m.get("method") == "textDocument/publishDiagnostics"]
    assert [m["params"]["version"] for m in published] == []  # versions 2-5 were never linted
    session.close()


def test_a_document_that_does_not_parse_gets_gdl001_and_the_server_goes_on(session, tmp_path):
    project(tmp_path, NO_GOPROXY)
    start(session, tmp_path)
    bad = "FROM golang:1.25\nRUN <<EOF\necho never closed\n"
    uri = session.open(tmp_path / "Dockerfile.bad", text=bad)
    diags = session.diagnostics(uri)
    assert [d["code"] for d in diags] == ["GDL001"]
    assert diags[0]["severity"] == 1
    proc = subprocess.run([console_script(), "--format", "json", "--stdin-filename", "Dockerfile.bad", "-"],
                          input=bad, capture_output=True, text=True, cwd=tmp_path)
    (f,) = json.loads(proc.stdout)
    assert diags[0]["message"] == f["message"]
    assert diags[0]["range"]["start"] == {"line": f["line"] - 1, "character": f["column"] - 1}
    # no quick fix or ignore for a parse error, and everything still answers
    assert [a["kind"] for a in actions(session, uri, whole_range(bad))] == []
    good = session.open(tmp_path / "Dockerfile", text=NO_GOPROXY)
    assert "GDL101" in [d["code"] for d in session.diagnostics(good)]
    assert session.close() == 0


def test_garbage_and_unknown_requests_do_not_end_the_server(session, tmp_path):
    path = project(tmp_path, NO_GOPROXY)
    start(session, tmp_path)
    session.proc.stdin.write(b"Content-Length: 9\r\n\r\n{not json")
    session.proc.stdin.flush()
    session.send({"jsonrpc": "2.0", "id": 999, "method": "godockerlint/nothing", "params": {}})
    reply = session.wait(lambda m: m.get("id") == 999)
    assert reply["error"]["code"] == -32601  # method not found
    session.notify("textDocument/didChange", {"textDocument": {"uri": "file:///nowhere/Dockerfile", "version": 3},
                                              "contentChanges": [{"text": "FROM x\n"}]})
    session.request("textDocument/codeAction", {"textDocument": {"uri": "file:///nowhere/Dockerfile"},
                                                "range": whole_range(""), "context": {"diagnostics": []}})
    uri = session.open(path)
    assert "GDL101" in [d["code"] for d in session.diagnostics(uri)]
    assert session.close() == 0


def test_many_open_documents_each_get_their_diagnostics(session, tmp_path):
    project(tmp_path, NO_GOPROXY)
    start(session, tmp_path)
    uris = [session.open(tmp_path / f"svc{i}.Dockerfile", text=NO_GOPROXY if i % 2 else SINGLE_STAGE)
            for i in range(24)]
    for i, uri in enumerate(uris):
        codes = [d["code"] for d in session.diagnostics(uri)]
        assert ("GDL101" in codes) and (("GDL401" in codes) == (i % 2 == 0))
    session.notify("textDocument/didClose", {"textDocument": {"uri": uris[0]}})
    assert session.diagnostics(uris[0]) == []  # closed: its diagnostics are cleared
    assert session.close() == 0


# --- code actions -----------------------------------------------------------------------------

def test_quick_fix_edit_gives_the_cli_fixed_text(session, tmp_path):
    path = project(tmp_path, NO_GOPROXY)
    start(session, tmp_path)
    uri = session.open(path)
    diag = next(d for d in session.diagnostics(uri) if d["code"] == "GDL101")
    acts = actions(session, uri, diag["range"], only=["quickfix"], diagnostics=[diag])
    fix = next(a for a in acts if a["title"].startswith("Fix GDL101"))
    assert fix["title"] == "Fix GDL101: insert `ARG GOPROXY`"
    assert fix["kind"] == "quickfix" and fix["isPreferred"] is True
    assert fix["diagnostics"][0]["code"] == "GDL101"
    edited = apply_text_edits(NO_GOPROXY, fix["edit"]["changes"][uri])
    proc = cli("--fix", "--select", "GDL101", "Dockerfile", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert edited == path.read_text(encoding="utf-8")
    assert "ARG GOPROXY" in edited
    session.close()


def test_unsafe_fixes_are_separate_actions_that_say_what_changes(session, tmp_path):
    path = project(tmp_path, SINGLE_STAGE)
    start(session, tmp_path)
    uri = session.open(path)
    diag = next(d for d in session.diagnostics(uri) if d["code"] == "GDL401")
    acts = actions(session, uri, diag["range"], only=["quickfix"], diagnostics=[diag])
    unsafe = [a for a in acts if a["title"].startswith("Fix GDL401")]
    assert len(unsafe) == 1
    assert unsafe[0]["title"].startswith("Fix GDL401 (unsafe: ") and unsafe[0]["title"].endswith(")")
    assert unsafe[0]["isPreferred"] is False
    edited = apply_text_edits(SINGLE_STAGE, unsafe[0]["edit"]["changes"][uri])
    assert "FROM gcr.io/distroless/" in edited
    session.close()


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_fix_all_gives_exactly_what_fix_writes(session, tmp_path, newline):
    path = project(tmp_path, SINGLE_STAGE, newline=newline)
    original = path.read_bytes().decode("utf-8")
    start(session, tmp_path)
    uri = session.open(path, text=original)
    session.diagnostics(uri)
    acts = actions(session, uri, {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                   only=["source.fixAll"])
    assert [a["kind"] for a in acts] == ["source.fixAll.godockerlint"]
    edited = apply_text_edits(original, acts[0]["edit"]["changes"][uri])
    proc = cli("--fix", "Dockerfile", cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr  # findings without a safe fix remain
    assert edited.encode("utf-8") == path.read_bytes()  # byte for byte, line endings included
    assert edited != original
    session.close()


def test_ignore_action_inserts_and_extends_the_inline_comment(session, tmp_path):
    path = project(tmp_path, SINGLE_STAGE)
    start(session, tmp_path)
    uri = session.open(path)
    diags = session.diagnostics(uri)
    gdl202 = next(d for d in diags if d["code"] == "GDL202")
    ignore = next(a for a in actions(session, uri, gdl202["range"], diagnostics=[gdl202])
                  if a["title"] == "Ignore GDL202 for this instruction")
    text = apply_text_edits(SINGLE_STAGE, ignore["edit"]["changes"][uri])
    assert text == SINGLE_STAGE.replace("RUN go build", "# godockerlint ignore=GDL202\nRUN go build")
    session.change(uri, 2, text)
    diags = session.diagnostics(uri, version=2)
    assert "GDL202" not in [d["code"] for d in diags]
    gdl203 = next(d for d in diags if d["code"] == "GDL203")
    ignore = next(a for a in actions(session, uri, gdl203["range"], diagnostics=[gdl203])
                  if a["title"] == "Ignore GDL203 for this instruction")
    text = apply_text_edits(text, ignore["edit"]["changes"][uri])
    assert "# godockerlint ignore=GDL202,GDL203\nRUN go build" in text
    session.change(uri, 3, text)
    codes = [d["code"] for d in session.diagnostics(uri, version=3)]
    assert "GDL203" not in codes and "GDL002" not in codes
    session.close()


# --- hover, completion --------------------------------------------------------------------------

def test_hover_shows_the_rule_documentation(session, tmp_path):
    path = project(tmp_path, NO_GOPROXY)
    start(session, tmp_path)
    uri = session.open(path)
    diag = next(d for d in session.diagnostics(uri) if d["code"] == "GDL101")
    hover = session.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": diag["range"]["start"]})
    value = hover["contents"]["value"]
    assert hover["contents"]["kind"] == "markdown"
    assert value.startswith("**GDL101** `goproxy-arg-missing` (warning, fix: safe)")
    assert "Anti-pattern:" in value and "Best practice:" in value and "```dockerfile" in value
    explain = cli("--explain", "GDL101", cwd=tmp_path).stdout
    doc_body = explain.split("\n\n", 1)[1].rsplit("\n\n", 1)[0].strip()  # the docstring --explain prints
    assert doc_body in value
    assert hover["range"] == diag["range"]
    nothing = session.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                     "position": {"line": 1, "character": 2}})
    assert nothing is None
    session.close()


def test_completion_of_rule_ids_in_ignore_comments(session, tmp_path):
    path = project(tmp_path, NO_GOPROXY)
    start(session, tmp_path)
    text = "# godockerlint ignore=GDL2\n" + NO_GOPROXY
    uri = session.open(path, text=text)
    session.diagnostics(uri)
    result = session.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                         "position": {"line": 0, "character": 26}})
    labels = [i["label"] for i in result["items"]]
    assert labels and all(label.startswith("GDL2") for label in labels)
    assert "GDL201" in labels and "GDL101" not in labels
    item = next(i for i in result["items"] if i["label"] == "GDL201")
    assert item["detail"] == "gomod-after-sources"
    after_comma = session.request("textDocument/completion", {
        "textDocument": {"uri": uri}, "position": {"line": 0, "character": 22}})
    assert len(after_comma["items"]) > 30  # right after `=`: every rule
    elsewhere = session.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                            "position": {"line": 1, "character": 4}})
    assert elsewhere is None
    session.close()


# --- configuration ----------------------------------------------------------------------------

def test_config_change_reloads_and_relints(session, tmp_path):
    path = project(tmp_path, NO_GOPROXY)
    start(session, tmp_path)
    registration = session.wait(lambda m: m.get("method") == "client/registerCapability")
    (reg,) = registration["params"]["registrations"]
    assert reg["method"] == "workspace/didChangeWatchedFiles"
    assert {w["globPattern"] for w in reg["registerOptions"]["watchers"]} == {
        "**/.godockerlint.yaml", "**/.godockerlint.yml"}
    uri = session.open(path)
    assert "GDL101" in [d["code"] for d in session.diagnostics(uri)]
    config = tmp_path / ".godockerlint.yaml"
    config.write_text("ignore: [GDL101]\n")
    session.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": config.as_uri(), "type": 1}]})
    assert "GDL101" not in [d["code"] for d in session.diagnostics(uri)]
    config.write_text("ignore: [GDL101\n")  # a broken config: one clear message, no crash
    session.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": config.as_uri(), "type": 2}]})
    shown = session.wait(lambda m: m.get("method") == "window/showMessage")
    assert shown["params"]["message"].startswith(".godockerlint.yaml:2: invalid YAML")  # file:line, cwd-relative
    assert shown["params"]["type"] == 1  # error
    (problem,) = session.diagnostics(uri)  # and in the document, until the config is fixed
    assert problem["message"] == "not linted: " + shown["params"]["message"]
    assert problem["severity"] == 1 and problem["range"]["start"] == {"line": 0, "character": 0}
    config.write_text("select: [GDL101]\n")
    session.notify("textDocument/didSave", {"textDocument": {"uri": config.as_uri()}})
    assert [d["code"] for d in session.diagnostics(uri)] == ["GDL101"]
    assert session.close() == 0


def test_context_setting_is_the_build_context(session, tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    project(app, NO_GOPROXY)
    docker = tmp_path / "docker"
    docker.mkdir()
    path = docker / "Dockerfile"
    path.write_text(NO_GOPROXY)
    start(session, tmp_path, {"context": str(app)})
    uri = session.open(path)
    with_context = [d["code"] for d in session.diagnostics(uri)]
    proc = cli("--format", "json", "--context", str(app), str(path), cwd=tmp_path)
    assert with_context == [f["code"] for f in json.loads(proc.stdout)]
    session.notify("workspace/didChangeConfiguration", {"settings": {"godockerlint": {"context": None}}})
    without = [d["code"] for d in session.diagnostics(uri)]
    proc = cli("--format", "json", str(path), cwd=tmp_path)
    assert without == [f["code"] for f in json.loads(proc.stdout)]
    assert with_context != without  # the context's go.mod and .dockerignore matter
    session.close()


# --- the command line ---------------------------------------------------------------------------

def test_exit_ends_the_server_with_status_0(session, tmp_path):
    start(session, tmp_path)
    assert session.close() == 0
    assert b"Traceback" not in session.stderr


def test_without_the_lsp_extra_the_command_says_how_to_install_it(tmp_path):
    probe = ("import sys; sys.modules['pygls'] = None; sys.argv = ['godockerlint', 'lsp']\n"
             "from godockerlint.cli.command import main; main()")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == "godockerlint: error: the language server needs the lsp extra: " \
                          "pip install 'godockerlint[lsp]'\n"


def test_lsp_is_a_reserved_word_and_dot_slash_lints_a_file_named_so(tmp_path):
    project(tmp_path, NO_GOPROXY, name="lsp")
    proc = cli("./lsp", cwd=tmp_path)
    assert proc.returncode == 1
    assert "lsp:4:43: GDL101 warning" in proc.stdout
    assert "godockerlint lsp" in cli("--help", cwd=tmp_path).stdout.replace("\n", " ").replace("  ", " ")
    bad = cli("lsp", "--tcp", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr == "godockerlint: error: lsp: unknown option '--tcp' " \
                                                 "(see 'godockerlint lsp --help')\n"


def test_secrets_never_reach_the_editor(session, tmp_path):
    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    text = NO_GOPROXY.replace(
        "WORKDIR /src\n",
        f"ENV GOPROXY=https://builder:hunter2secret@proxy.corp.example,direct\n"
        f"RUN git config --global url.\"https://{token}@github.com/\".insteadOf \"https://github.com/\"\n"
        "WORKDIR /src\n")
    path = project(tmp_path, text)
    start(session, tmp_path)
    uri = session.open(path)
    diags = session.diagnostics(uri)
    assert "GDL501" in [d["code"] for d in diags]
    acts = actions(session, uri, whole_range(text))
    hover = session.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                   "position": diags[0]["range"]["start"]})
    seen = json.dumps([diags, [a["title"] for a in acts], hover])
    assert "hunter2secret" not in seen and token not in seen and token[4:] not in seen
    session.close()
