"""The literal secrets a Dockerfile writes (values of secret-named variables, URL passwords
and tokens), found from its facts; core/redact.py masks them in every output."""
from __future__ import annotations

from godockerlint.core.redact import URL_RE, secret_name, token_like


def secret_values(facts) -> set[str]:
    """Literal secrets written in the Dockerfile: values of secret-named variables, URL passwords and tokens."""
    from godockerlint.analysis.facts import assignments

    out: set[str] = set()
    texts: list[str] = []
    for a in assignments(facts):
        v = a.value or ""
        if secret_name(a.name) and v and "$" not in v:
            out.add(v)
        texts.append(v)
    for sf in facts.stages:
        for run in sf.runs:
            for cmd, _, _ in run.commands:
                texts.extend(w.value for w in cmd.words if "@" in w.value)
    for t in texts:
        for m in URL_RE.finditer(t):
            user, sep, password = m.group(2).partition(":")
            if sep and password and "$" not in password:
                out.add(password)
            if token_like(user) and "$" not in user:
                out.add(user)
    return out
