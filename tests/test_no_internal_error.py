"""Hostile and careless inputs never reach "internal error" or a traceback.

Each case gives the documented result: findings (a GDL001 for a file that is not a
Dockerfile), or one `godockerlint: error: ...` line per problem and exit 2. Every report
format stays a valid document and one finding stays one line of text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.dom.minidom
from pathlib import Path

import pytest

FORMATS = ["text", "json", "sarif", "github", "gitlab", "checkstyle"]
DEEP = 5000  # far past Python's recursion limit


def _gdl(args, cwd, *, stdin=None, shell_prefix: str | None = None, input_bytes: bytes | None = None):
    """Run godockerlint; `shell_prefix` runs it from sh (for `<&-`, `>&-`, a deleted cwd)."""
    if shell_prefix is not None:
        cmd = shell_prefix + " " + " ".join(_q(a) for a in [sys.executable, "-m", "godockerlint", *args])
        proc = subprocess.run(["sh", "-c", cmd], cwd=cwd, capture_output=True, timeout=120)
    else:
        proc = subprocess.run([sys.executable, "-m", "godockerlint", *args], cwd=cwd, capture_output=True,
                              timeout=120, stdin=stdin, input=input_bytes)
    err = proc.stderr.decode("utf-8", "replace")
    assert "internal error" not in err and "Traceback" not in err, err
    assert proc.returncode in (0, 1, 2), (proc.returncode, err)
    for line in err.splitlines():  # one-line messages, and the --fix/--diff summary
        assert line.startswith(("godockerlint: ", "Fixed ", "Would fix ")), err
    return proc


def _q(arg) -> str:
    arg = os.fsdecode(arg)
    return "'" + arg.replace("'", "'\\''") + "'"


def _check_document(fmt: str, out: bytes) -> str:
    text = out.decode("utf-8")  # strict: no lone surrogates, no stray bytes
    if fmt in ("json", "sarif", "gitlab"):
        json.loads(text)
        assert "\\ud" not in text.lower()  # no escaped lone surrogate either
    elif fmt == "checkstyle":
        xml.dom.minidom.parseString(out)
    return text


@pytest.mark.parametrize("instruction", ["CMD", "RUN", "ENTRYPOINT"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_json_nested_thousands_deep(tmp_path: Path, instruction: str, fmt: str):
    (tmp_path / "Dockerfile").write_text(f"FROM golang:1.25\n{instruction} {'[' * DEEP}{']' * DEEP}\n")
    proc = _gdl(["--format", fmt, "Dockerfile"], tmp_path)
    assert proc.returncode == 1
    _check_document(fmt, proc.stdout)


def test_json_nested_thousands_deep_with_fix(tmp_path: Path):
    text = f"FROM golang:1.25\nRUN go build -o /app .\nCMD {'[' * DEEP}\"x\"{']' * DEEP}\n"
    (tmp_path / "Dockerfile").write_text(text)
    proc = _gdl(["--diff", "Dockerfile"], tmp_path)
    assert proc.returncode == 1  # a diff
    proc = _gdl(["--fix", "Dockerfile"], tmp_path)
    assert proc.returncode == 1  # GDL401 remains (unsafe)


BAD_NAMES = [b"Dockerfile.line\nbreak", b"Dockerfile.\xff\xfe", b"Dockerfile.tab\there"]


@pytest.mark.skipif(sys.platform != "linux", reason="file names of arbitrary bytes")
@pytest.mark.parametrize("name", BAD_NAMES, ids=["newline", "not-utf8", "tab"])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("how", ["folder", "named"])
def test_file_names_that_are_not_plain_text(tmp_path: Path, name: bytes, fmt: str, how: str):
    folder = os.fsencode(tmp_path)
    with open(os.path.join(folder, name), "wb") as fh:
        fh.write(b"FROM golang:1.25\nRUN go build -o /app .\n")
    args = ["--format", fmt, "." if how == "folder" else os.fsdecode(name)]
    proc = _gdl(args, tmp_path)
    assert proc.returncode == 1, proc.stderr
    text = _check_document(fmt, proc.stdout)
    assert "GDL" in text
    if fmt == "text":
        findings = [line for line in text.splitlines() if " GDL" in line]
        assert findings and all(line.startswith("Dockerfile.") for line in findings)
        assert len(findings) == text.count(" GDL")  # one line per finding


@pytest.mark.parametrize("fmt", FORMATS)
def test_stdin_closed(tmp_path: Path, fmt: str):
    proc = _gdl(["--format", fmt, "-"], tmp_path, shell_prefix="exec 0<&-;")
    assert proc.returncode == 2
    assert proc.stderr.decode().count("godockerlint: error:") == 1


def test_stdin_closed_with_fix(tmp_path: Path):
    proc = _gdl(["--fix", "-"], tmp_path, shell_prefix="exec 0<&-;")
    assert proc.returncode == 2


@pytest.mark.parametrize("args", [["Dockerfile"], ["--format", "json", "Dockerfile"], ["--diff", "Dockerfile"],
                                  ["--statistics", "Dockerfile"], ["--list-rules"], ["--explain", "GDL101"],
                                  ["--version"]])
def test_stdout_closed(tmp_path: Path, args):
    (tmp_path / "Dockerfile").write_text("FROM golang:1.25\nRUN go build -o /app .\n")
    proc = _gdl(args, tmp_path, shell_prefix="exec 1>&-;")
    assert proc.returncode == 2
    assert b"stdout" in proc.stderr


def test_stdout_a_closed_pipe(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text("FROM golang:1.25\nRUN go build -o /app .\n" * 200)
    proc = subprocess.run(["sh", "-c", f"{_q(sys.executable)} -m godockerlint Dockerfile Dockerfile; echo $? >&2"
                           " | head -c 10 >/dev/null"], cwd=tmp_path, capture_output=True, timeout=120)
    assert b"internal error" not in proc.stderr and b"Traceback" not in proc.stderr


@pytest.mark.parametrize("args", [["{abs}"], ["."], ["--fix", "{abs}"], ["--format", "sarif", "{abs}"],
                                  ["-"], ["--init"]])
def test_deleted_working_directory(tmp_path: Path, args):
    df = tmp_path / "project" / "Dockerfile"
    df.parent.mkdir()
    df.write_text("FROM golang:1.25\nRUN go build -o /app .\n")
    gone = tmp_path / "gone"
    gone.mkdir()
    args = [a.replace("{abs}", str(df)) for a in args]
    proc = _gdl(args, tmp_path, shell_prefix=f"cd {_q(gone)} && rmdir {_q(gone)} && exec </dev/null &&")
    if args[-1] == str(df):
        assert proc.returncode == 1  # an absolute path is still linted
        assert b"GDL" in proc.stdout
    else:
        assert proc.returncode == 2
        assert proc.stderr.decode().count("godockerlint: error:") == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_compose_dockerfile_name_with_a_newline(tmp_path: Path, fmt: str):
    with open(os.path.join(os.fsencode(tmp_path), b"Docker\nfile"), "wb") as fh:
        fh.write(b"FROM golang:1.25\nRUN go build -o /app .\n")
    (tmp_path / "compose.yaml").write_text('services:\n  api:\n    build:\n      context: .\n'
                                           '      dockerfile: "Docker\\nfile"\n')
    proc = _gdl(["--format", fmt, "compose.yaml"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    text = _check_document(fmt, proc.stdout)
    if fmt == "text":
        assert all(line.startswith(("Docker\\nfile:", "Found ")) for line in text.splitlines())


@pytest.mark.parametrize("kind", ["config", "compose", "baseline"])
@pytest.mark.parametrize("shape", ["lists", "mappings"])
def test_yaml_and_json_nested_thousands_deep(tmp_path: Path, kind: str, shape: str):
    """A config, compose or baseline file nested past Python's stack: one line naming the file, exit 2."""
    (tmp_path / "Dockerfile").write_text("FROM golang:1.25\nRUN go build -o /app .\n")
    if kind == "baseline":
        deep = "[" * DEEP + "]" * DEEP if shape == "lists" else '{"a": ' * DEEP + "1" + "}" * DEEP
        name, text = "baseline.json", '{"godockerlint-baseline": 1, "findings": ' + deep + "}"
        args = ["--baseline", name, "Dockerfile"]
    else:
        deep = "[" * DEEP + "]" * DEEP if shape == "lists" else "{a: " * DEEP + "1" + "}" * DEEP
        name = "cfg.yaml" if kind == "config" else "compose.yaml"
        text = ("ignore: " if kind == "config" else "services: ") + deep + "\n"
        args = ["--config", name, "Dockerfile"] if kind == "config" else [name]
    (tmp_path / name).write_text(text)
    proc = _gdl(args, tmp_path)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert f"godockerlint: error: {name}: " in err and "nested too deeply" in err, err
