"""go.sum hashes ("h1:", golang.org/x/mod/sumdb/dirhash Hash1) in Python.

Hash1 is the SHA-256 of a summary with one line per file, sorted by name:
``<hex sha256 of the file>  <name>\\n``. For a module zip the names are the
zip entry names (``<module>@<version>/path``); for the go.mod line the single
file is named ``go.mod``. The zip's encoding, timestamps and compression do not
enter the hash. tests/e2e/test_e2e_support.py checks this against the go.sum
that the Go toolchain wrote for fixtures/app.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Iterable, Tuple


def hash1(files: Iterable[Tuple[str, bytes]]) -> str:
    summary = hashlib.sha256()
    for name, data in sorted(files, key=lambda item: item[0]):
        if "\n" in name:
            raise ValueError(f"file name with a newline: {name!r}")
        summary.update(f"{hashlib.sha256(data).hexdigest()}  {name}\n".encode())
    return "h1:" + base64.b64encode(summary.digest()).decode()


def gosum_lines(module: str, version: str, zip_files: dict, gomod: bytes) -> list:
    """The two go.sum lines for module@version; zip_files maps path inside the module to bytes."""
    prefix = f"{module}@{version}/"
    zip_hash = hash1((prefix + path, data) for path, data in zip_files.items())
    mod_hash = hash1([("go.mod", gomod)])
    return [f"{module} {version} {zip_hash}", f"{module} {version}/go.mod {mod_hash}"]
