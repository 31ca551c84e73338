"""Tiny HTTP client for the services under test (stdlib only)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from typing import Tuple


def http_get(url: str, timeout: float = 5.0) -> Tuple[int, str]:
    """(status, body) of a GET; HTTP errors are returned, connection errors raise OSError."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def responsive(url: str) -> bool:
    try:
        return http_get(url, timeout=2.0)[0] == 200
    except OSError:
        return False


def wait_for(url: str, timeout: float = 30.0) -> Tuple[int, str]:
    """GET url, retrying connection errors until timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return http_get(url)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
