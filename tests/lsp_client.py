"""A minimal LSP client for the tests: JSON-RPC over the stdio of a `godockerlint lsp` process.

It speaks the wire format itself (Content-Length framed JSON), so the tests check what an editor
really receives, not what pygls's own client would make of it.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path


def console_script() -> str:
    """The installed `godockerlint` console script of this environment."""
    script = Path(sys.executable).with_name("godockerlint")
    if not script.exists():
        raise RuntimeError(f"no console script next to {sys.executable}: install the project (pip install -e .)")
    return str(script)


class LspSession:
    def __init__(self, cwd: Path, *, args=("lsp",), env=None) -> None:
        full_env = {**os.environ, **(env or {})}
        self.proc = subprocess.Popen([console_script(), *args], cwd=cwd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env)
        self.messages: queue.Queue = queue.Queue()
        self.notifications: list[dict] = []
        self.next_id = 1
        self.stderr = b""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._err = threading.Thread(target=self._read_err, daemon=True)
        self._err.start()

    # --- wire ---------------------------------------------------------------------------------

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    self.messages.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                key, _, value = line.decode("ascii").partition(":")
                headers[key.strip().lower()] = value.strip()
            body = out.read(int(headers["content-length"]))
            self.messages.put(json.loads(body))

    def _read_err(self) -> None:
        self.stderr = self.proc.stderr.read()

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params, timeout: float = 30):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        msg = self.wait(lambda m: m.get("id") == rid and "method" not in m, timeout)
        if "error" in msg:
            raise AssertionError(f"{method} failed: {msg['error']}")
        return msg.get("result")

    def wait(self, predicate, timeout: float = 30) -> dict:
        """The first message (from now on or already seen) for which predicate holds."""
        for i, m in enumerate(self.notifications):
            if predicate(m):
                return self.notifications.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out; stderr: {self.stderr[-2000:]!r}")
            try:
                m = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            if m is None:
                raise AssertionError(f"the server closed its output; stderr: {self.stderr[-2000:]!r}")
            if "method" in m and "id" in m:  # a request from the server (registerCapability...): accept it
                self.send({"jsonrpc": "2.0", "id": m["id"], "result": None})
            if predicate(m):
                return m
            self.notifications.append(m)

    def diagnostics(self, uri: str, timeout: float = 30, version=None) -> list[dict]:
        def wanted(m):
            if m.get("method") != "textDocument/publishDiagnostics" or m["params"]["uri"] != uri:
                return False
            return version is None or m["params"].get("version") == version
        return self.wait(wanted, timeout)["params"]["diagnostics"]

    # --- session ------------------------------------------------------------------------------

    def initialize(self, root: Path, options=None, capabilities=None) -> dict:
        caps = capabilities if capabilities is not None else {
            "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}, "configuration": False},
            "textDocument": {"publishDiagnostics": {"relatedInformation": True},
                             "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": [
                                 "quickfix", "source.fixAll"]}}}},
        }
        result = self.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(),
                                             "capabilities": caps, "initializationOptions": options or {}})
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: str | None = None, language_id: str = "dockerfile", version: int = 1) -> str:
        uri = path.as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": language_id, "version": version,
            "text": path.read_text(encoding="utf-8") if text is None else text}})
        return uri

    def change(self, uri: str, version: int, text: str) -> None:
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                               "contentChanges": [{"text": text}]})

    def close(self) -> int:
        """shutdown + exit; the process's exit code."""
        if self.proc.poll() is None:
            self.request("shutdown", None)
            self.notify("exit", None)
        try:
            return self.proc.wait(timeout=20)
        finally:
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def apply_text_edits(text: str, edits: list[dict]) -> str:
    """Apply LSP TextEdits (positions in UTF-16 code units, as clients count by default) to text."""
    lines = text.splitlines(True)

    def offset(pos) -> int:
        line, character = pos["line"], pos["character"]
        if line >= len(lines):
            return len(text)
        start = sum(len(x) for x in lines[:line])
        units, i = 0, 0
        content = lines[line]
        while units < character and i < len(content):
            units += 2 if ord(content[i]) > 0xFFFF else 1
            i += 1
        return start + i

    spans = sorted(((offset(e["range"]["start"]), offset(e["range"]["end"]), e["newText"]) for e in edits),
                   reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text
