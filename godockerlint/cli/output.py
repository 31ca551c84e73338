"""What the command line prints: every line passes through the run's one redaction.

Shared by the command (`command.py`) and `--init` (`init.py`), so neither imports the other.
"""

from __future__ import annotations

import click

from godockerlint.core.redact import Redactor

PROG = "godockerlint"
# The one redaction of the run: everything printed or written about the files passes through it.
REDACT = Redactor()


def say(text: str, **kw) -> None:
    """click.echo, with the run's secrets and every credential shape masked."""
    click.echo(REDACT(text), **kw)


def error(message: str) -> None:
    """Print a one-line error on stderr (a multi-line message is joined into one line)."""
    say(f"{PROG}: error: {' '.join(message.splitlines())}", err=True)
