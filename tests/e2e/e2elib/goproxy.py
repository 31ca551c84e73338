"""A slow Go module proxy (GOPROXY protocol) on 127.0.0.1, over synthetic modules.

The GOPROXY protocol is static files under ``<escaped module path>/@v/``:
``list``, ``<version>.info`` (JSON: Version, Time), ``<version>.mod`` and
``<version>.zip`` (entries prefixed ``<module>@<version>/``), plus
``<module>/@latest``. :func:`write_tree` generates such a tree for the
synthetic modules below; :class:`GoProxy` serves it from a thread, sleeps
``delay`` seconds before every answer (a distant mirror: 200 ms by default)
and records every request, so a test can count what a build fetched.

The synthetic modules are generated Go code, large enough that compiling them
takes seconds, and byte-for-byte deterministic (fixed zip timestamps, fixed
content), so fixtures/app/go.sum, written once by the Go toolchain against this
proxy, stays valid. :meth:`ModuleTree.add_module` adds a module version at run
time (for the "add one module to go.mod" tests) and returns its go.sum lines.

Run it by hand: ``python tests/e2e/e2elib/goproxy.py --port 3000`` (Ctrl-C stops).
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # run as a script: this folder's http.py must not shadow the stdlib's http
    _here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here] + [os.path.dirname(_here)]

import argparse
import dataclasses
import io
import json
import threading
import time
import urllib.parse
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

try:  # imported as part of the e2elib package
    from .gosum import gosum_lines
except ImportError:  # run as a script
    from e2elib.gosum import gosum_lines  # type: ignore[no-redef]

#: Port of the "default" proxy: the stand-in golang images name it in
#: $GOROOT/go.env (as the real images name proxy.golang.org), and the
#: hard-coded-GOPROXY scenario names it in its Dockerfile.
DEFAULT_PROXY_PORT = int(os.environ.get("GODOCKERLINT_E2E_PROXY_PORT", "27181"))
#: (GODOCKERLINT_E2E_PROXY_PORT moves it when 27181 is taken on a dev machine; the stand-ins
#: are rebuilt for it, and the hardcoded-goproxy scenario, which names 27181, then fails.)
DEFAULT_DELAY = 0.2

MODULE_PREFIX = "godockerlint.test/synth"
#: Fixed timestamp of every generated module version (.info Time, zip entries).
MODULE_TIME = "2026-01-15T12:00:00Z"
_ZIP_DATE = (2026, 1, 15, 12, 0, 0)
#: The `go` line of the synthetic modules' go.mod files.
MODULE_GO_LINE = "1.21"


@dataclasses.dataclass(frozen=True)
class ModuleSpec:
    """One synthetic module version."""

    name: str  # last path element, also the root package name
    version: str
    requires: Tuple[Tuple[str, str], ...] = ()  # (module name, version)
    subpackages: Tuple[str, ...] = ("kernel",)
    files_per_package: int = 3
    funcs_per_file: int = 400

    @property
    def path(self) -> str:
        return f"{MODULE_PREFIX}/{self.name}"


#: The modules fixtures/app requires (directly or through another module).
#: alpha has two versions: beta requires v1.0.0, the app v1.1.0 (MVS picks
#: v1.1.0; go.sum keeps v1.0.0's go.mod hash, as in real projects).
STATIC_MODULES: Tuple[ModuleSpec, ...] = (
    ModuleSpec("alpha", "v1.0.0"),
    ModuleSpec("alpha", "v1.1.0"),
    ModuleSpec("beta", "v1.2.0", requires=(("alpha", "v1.0.0"),)),
    ModuleSpec("gamma", "v0.3.1", subpackages=("kernel", "table")),
    ModuleSpec("delta", "v1.0.4", requires=(("gamma", "v0.3.1"),)),
)

#: Small modules the real-project corpus (fixtures/projects) depends on: a few
#: dozen generated functions each, so a project compiles in seconds. ``logfmt``
#: requires ``strutil`` (a transitive dependency, as in real projects).
SMALL_MODULES: Tuple[ModuleSpec, ...] = (
    ModuleSpec("strutil", "v0.4.2", files_per_package=1, funcs_per_file=25),
    ModuleSpec("logfmt", "v1.3.0", requires=(("strutil", "v0.4.2"),), files_per_package=1, funcs_per_file=25),
    ModuleSpec("flagx", "v0.9.1", files_per_package=1, funcs_per_file=25),
)

#: Name of the module the "go.mod edit" tests add (at a version unique to the run).
EXTRA_MODULE = "epsilon"


def escape_module_path(path: str) -> str:
    """Module path escaping of the GOPROXY protocol (upper case -> '!' + lower)."""
    return "".join("!" + c.lower() if c.isupper() else c for c in path)


def _go_function(pkg: str, index: int, salt: int) -> str:
    mul = 6364136223846793005 + 2 * (index * 7919 + salt)
    cases = "\n".join(
        f"\tcase {c}:\n\t\tx = x*{3 + 2 * c + index % 11} + {(index * 131 + c * 17 + salt) % 9973}"
        for c in range(7)
    )
    return (
        f"// F{index} is generated code of package {pkg}.\n"
        f"func F{index}(x uint64) uint64 {{\n"
        f"\tfor i := 0; i < {3 + index % 5}; i++ {{\n"
        f"\t\tx = x*{mul % (1 << 64)} + {1442695040888963407 + index}\n"
        f"\t\tx ^= x >> {13 + index % 17}\n"
        f"\t}}\n"
        f"\tswitch x % 7 {{\n{cases}\n\t}}\n"
        f"\tr := Record{index % 4}{{A: x, B: uint32(x >> 7), C: int(x % 1024)}}\n"
        f"\treturn r.Mix() ^ uint64(len(names[{index} % len(names)]))\n"
        f"}}\n"
    )


def _records(count: int = 4) -> str:
    out = []
    for r in range(count):
        out.append(
            f"// Record{r} is a generated record type.\n"
            f"type Record{r} struct {{\n\tA uint64\n\tB uint32\n\tC int\n}}\n\n"
            f"// Mix combines the fields of a Record{r}.\n"
            f"func (r Record{r}) Mix() uint64 {{\n"
            f"\treturn r.A*{31 + r} ^ uint64(r.B)<<{r + 3} ^ uint64(r.C)*{977 + r}\n}}\n"
        )
    return "\n".join(out)


def module_files(spec: ModuleSpec) -> Dict[str, bytes]:
    """Files of one module version (paths relative to the module root)."""
    files: Dict[str, bytes] = {}
    salt = sum(ord(c) for c in spec.name + spec.version)
    requires = "".join(f"\t{MODULE_PREFIX}/{n} {v}\n" for n, v in spec.requires)
    gomod = f"module {spec.path}\n\ngo {MODULE_GO_LINE}\n"
    if requires:
        gomod += f"\nrequire (\n{requires})\n"
    files["go.mod"] = gomod.encode()
    files["LICENSE"] = b"Synthetic test module generated by the godockerlint end-to-end suite.\n"

    sub_imports = []
    for sub in spec.subpackages:
        sub_imports.append(f'\t"{spec.path}/{sub}"')
        for f in range(spec.files_per_package):
            base = f * spec.funcs_per_file
            body = [f"// Code generated by the godockerlint e2e suite. DO NOT EDIT.\n\npackage {sub}\n"]
            if f == 0:
                body.append(
                    f'var names = []string{{"{spec.name}", "{spec.version}", "{sub}", "godockerlint"}}\n\n'
                    + _records()
                )
            for i in range(spec.funcs_per_file):
                body.append(_go_function(sub, base + i, salt))
            files[f"{sub}/gen{f}.go"] = "\n".join(body).encode()
        total = spec.files_per_package * spec.funcs_per_file
        table = ", ".join(f"F{i}" for i in range(total))
        files[f"{sub}/table.go"] = (
            f"// Code generated by the godockerlint e2e suite. DO NOT EDIT.\n\npackage {sub}\n\n"
            f"var funcs = []func(uint64) uint64{{{table}}}\n\n"
            f"// Sum runs every generated function once, in order.\n"
            f"func Sum(seed uint64) uint64 {{\n\tfor _, f := range funcs {{\n\t\tseed = f(seed)\n\t}}\n\treturn seed\n}}\n"
        ).encode()

    dep_imports = [f'\t{n} "{MODULE_PREFIX}/{n}"' for n, _ in spec.requires]
    imports = "\n".join(sorted(dep_imports + sub_imports))
    sums = " ^ ".join(f"{sub}.Sum({i + 1})" for i, sub in enumerate(spec.subpackages))
    deps = "".join(f" ^ {n}.Checksum()" for n, _ in spec.requires)
    files[f"{spec.name}.go"] = (
        f"// Package {spec.name} is a synthetic module served by the godockerlint e2e test proxy.\n"
        f"package {spec.name}\n\nimport (\n{imports}\n)\n\n"
        f'// Name is the module\'s short name.\nconst Name = "{spec.name}"\n\n'
        f'// Version is the module version this code was generated for.\nconst Version = "{spec.version}"\n\n'
        f"// Checksum is a deterministic value computed by all generated code of the module.\n"
        f"func Checksum() uint64 {{\n\treturn {sums}{deps}\n}}\n"
    ).encode()
    return files


def module_zip(spec: ModuleSpec, files: Dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for rel in sorted(files):
            info = zipfile.ZipInfo(f"{spec.path}@{spec.version}/{rel}", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[rel])
    return buf.getvalue()


def _semver_key(version: str) -> Tuple[int, ...]:
    core = version.lstrip("v").split("-", 1)[0].split("+", 1)[0]
    return tuple(int(p) for p in core.split("."))


class ModuleTree:
    """A GOPROXY file tree on disk. Thread-safe for add_module."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()

    def add_module(self, spec: ModuleSpec) -> List[str]:
        """Write spec into the tree and return its two go.sum lines."""
        files = module_files(spec)
        with self._lock:
            vdir = self.root / escape_module_path(spec.path) / "@v"
            vdir.mkdir(parents=True, exist_ok=True)
            info = json.dumps({"Version": spec.version, "Time": MODULE_TIME}).encode()
            (vdir / f"{spec.version}.info").write_bytes(info)
            (vdir / f"{spec.version}.mod").write_bytes(files["go.mod"])
            (vdir / f"{spec.version}.zip").write_bytes(module_zip(spec, files))
            versions = sorted(
                {p.name[: -len(".info")] for p in vdir.glob("*.info")}, key=_semver_key
            )
            (vdir / "list").write_text("".join(v + "\n" for v in versions))
            latest = json.dumps({"Version": versions[-1], "Time": MODULE_TIME}).encode()
            (vdir.parent / "@latest").write_bytes(latest)
        return gosum_lines(spec.path, spec.version, {k: v for k, v in files.items()}, files["go.mod"])

    def modules(self) -> List[str]:
        return sorted(str(p.parent.relative_to(self.root)) for p in self.root.glob("**/@v"))


def write_tree(root: Path, specs: Iterable[ModuleSpec] = STATIC_MODULES + SMALL_MODULES) -> ModuleTree:
    tree = ModuleTree(root)
    for spec in specs:
        tree.add_module(spec)
    return tree


@dataclasses.dataclass(frozen=True)
class Request:
    time: float
    method: str
    path: str
    status: int


class _Handler(BaseHTTPRequestHandler):
    server_version = "godockerlint-e2e-goproxy/1"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self._serve(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(send_body=False)

    def _serve(self, send_body: bool) -> None:
        proxy: GoProxy = self.server.goproxy  # type: ignore[attr-defined]
        raw_path = urllib.parse.urlsplit(self.path).path
        rel = urllib.parse.unquote(raw_path).lstrip("/")
        status, body, ctype = 404, b"not found: " + rel.encode() + b"\n", "text/plain; charset=utf-8"
        parts = rel.split("/")
        if rel and ".." not in parts and "" not in parts:
            target = proxy.root / rel
            if target.is_file():
                status, body = 200, target.read_bytes()
                if rel.endswith(".zip"):
                    ctype = "application/zip"
                elif rel.endswith(".info") or rel.endswith("@latest"):
                    ctype = "application/json"
        if proxy.delay > 0:
            time.sleep(proxy.delay)
        proxy._record(Request(time.time(), self.command, "/" + rel, status))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # silence stderr
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class GoProxy:
    """A GOPROXY server on 127.0.0.1 in a background thread.

    ``port=0`` picks a free port. ``delay`` is slept before every answer.
    ``requests`` is the log; ``mark()`` / ``since(mark)`` select one build's part.
    """

    def __init__(self, root: Path, port: int = 0, delay: float = DEFAULT_DELAY, name: str = "goproxy") -> None:
        self.root = Path(root)
        self.delay = delay
        self.name = name
        self._log: List[Request] = []
        self._log_lock = threading.Lock()
        try:
            self._server = _Server(("127.0.0.1", port), _Handler)
        except OSError as exc:
            raise RuntimeError(f"{name}: cannot listen on 127.0.0.1:{port}: {exc}") from exc
        self._server.goproxy = self  # type: ignore[attr-defined]
        self._thread: Optional[threading.Thread] = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "GoProxy":
        self._thread = threading.Thread(target=self._server.serve_forever, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> "GoProxy":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _record(self, req: Request) -> None:
        with self._log_lock:
            self._log.append(req)

    @property
    def requests(self) -> List[Request]:
        with self._log_lock:
            return list(self._log)

    def mark(self) -> int:
        with self._log_lock:
            return len(self._log)

    def since(self, mark: int) -> List[Request]:
        with self._log_lock:
            return list(self._log[mark:])


def modules_requested(requests: Sequence[Request]) -> List[str]:
    """Module paths named by proxy requests (sorted, unique)."""
    out = set()
    for r in requests:
        path = r.path.lstrip("/")
        for sep in ("/@v/", "/@latest"):
            if sep in path:
                out.add(path.split(sep, 1)[0])
                break
        else:
            out.add(path)
    return sorted(out)


def main(argv: Optional[Sequence[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--delay", type=float, default=DEFAULT_DELAY)
    ap.add_argument("--tree", type=Path, help="directory for the module tree (default: a temp dir)")
    args = ap.parse_args(argv)
    import tempfile

    root = args.tree or Path(tempfile.mkdtemp(prefix="goproxy-"))
    write_tree(root)
    with GoProxy(root, port=args.port, delay=args.delay) as proxy:
        print(f"serving {root} at {proxy.url} (delay {proxy.delay}s); Ctrl-C stops", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
