"""Keeping secrets out of every report: masking credentials in text.

Rules must never print a secret, but a rule that quotes a value (a GOPROXY, a
flag) may quote one by accident. The engine therefore passes every finding's
message and fix description through `redact()`, with the secret values found
in the Dockerfile (`secret_values()`), and reporters that show inserted fix
text pass it through `redact()` too. Masking keeps what helps the reader (the
scheme and host of a URL, a token's well-known prefix) and drops the rest:
`https://user:****@proxy.example.com`, `ghp_****`.
"""

from __future__ import annotations

import re

URL_RE = re.compile(r"([A-Za-z][A-Za-z0-9+-]*)://([^/\s@'\"`]+)@([^/\s'\"@`]+)")
TOKEN_PREFIXES = ("github_pat_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "glpat-", "gldt-", "glcbt-", "xoxb-",
                  "xoxp-", "npm_", "AKIA", "ASIA", "hf_", "sk-")
TOKEN_RE = re.compile(r"\b(github_pat_|gh[pousr]_|glpat-|gldt-|glcbt-|xox[bp]-|npm_|hf_)[A-Za-z0-9_-]{8,}"
                      r"|\b(AKIA|ASIA)[A-Z0-9]{12,}")
# The prefixes alone: a quick search that every TOKEN_RE match passes (TOKEN_RE's \b makes it slow to scan).
TOKEN_HINT_RE = re.compile(r"github_pat_|gh[pousr]_|glpat-|gldt-|glcbt-|xox[bp]-|npm_|hf_|AKIA|ASIA")
PUBLIC_USERS = frozenset({"git", "oauth2", "x-access-token", "gitlab-ci-token", "x-token-auth", "token", "__token__",
                          "anonymous"})
VAR_ONLY_RE = re.compile(r"^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$")
MASK = "****"


def token_like(s: str) -> bool:
    if s.startswith(TOKEN_PREFIXES):
        return True
    return len(s) >= 20 and bool(re.search(r"[A-Za-z]", s)) and bool(re.search(r"\d", s)) and "$" not in s


def mask_part(s: str) -> str:
    """A user name or token reduced to something safe to print (a lone variable reference is kept)."""
    if VAR_ONLY_RE.match(s):
        return s
    for p in TOKEN_PREFIXES:
        if s.startswith(p):
            return p + MASK
    return MASK


def masked_url(scheme: str, userinfo: str, host: str) -> str:
    user, sep, password = userinfo.partition(":")
    if sep:
        keep_user = not token_like(user) and password != "x-oauth-basic" and len(user) <= 32 and "$(" not in user
        shown = f"{user if keep_user else mask_part(user)}:{mask_part(password) if password else ''}"
    else:
        shown = user if user in PUBLIC_USERS or not token_like(user) and VAR_ONLY_RE.match(user) else mask_part(user)
    return f"{scheme}://{shown}@{host}"


def redact(text: str, secrets=()) -> str:
    """`text` with URL credentials, well-known token shapes and the given secret values masked."""
    if not text:
        return text
    if secrets:
        for s in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
            if s in text:
                text = text.replace(s, mask_part(s))
    if "://" in text and "@" in text:  # what every URL_RE match holds (most messages have neither)
        text = URL_RE.sub(_masked_url_match, text)
    if TOKEN_HINT_RE.search(text):
        text = TOKEN_RE.sub(_masked_token_match, text)
    return text


def _masked_url_match(m: re.Match) -> str:
    scheme, userinfo, host = m.groups()
    user, sep, _ = userinfo.partition(":")
    if not sep and (user in PUBLIC_USERS or not token_like(user)):
        return m.group(0)
    return masked_url(scheme, userinfo, host)


def _masked_token_match(m: re.Match) -> str:
    return (m.group(1) or m.group(2)) + MASK


SECRET_NAME_RE = re.compile(r"TOKEN|PASSWORD|PASSWD|SECRET|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|NETRC", re.I)
GITHUB_PUBLIC = frozenset({
    "GITHUB_SHA", "GITHUB_REF", "GITHUB_REF_NAME", "GITHUB_REF_TYPE", "GITHUB_HEAD_REF", "GITHUB_BASE_REF",
    "GITHUB_REPOSITORY", "GITHUB_REPOSITORY_OWNER", "GITHUB_REPOSITORY_ID", "GITHUB_RUN_ID", "GITHUB_RUN_NUMBER",
    "GITHUB_RUN_ATTEMPT", "GITHUB_ACTOR", "GITHUB_ACTOR_ID", "GITHUB_TRIGGERING_ACTOR", "GITHUB_SERVER_URL",
    "GITHUB_API_URL", "GITHUB_GRAPHQL_URL", "GITHUB_WORKFLOW", "GITHUB_WORKFLOW_REF", "GITHUB_WORKFLOW_SHA",
    "GITHUB_JOB", "GITHUB_EVENT_NAME", "GITHUB_ACTION", "GITHUB_ACTIONS", "GITHUB_WORKSPACE", "GITHUB_BRANCH",
    "GITHUB_TAG", "GITHUB_COMMIT", "GITHUB_URL",
})


def secret_name(name: str) -> bool:
    """Does a variable's name say it holds a secret?"""
    up = name.upper()
    if up.startswith("GITHUB_"):
        return up not in GITHUB_PUBLIC
    return bool(SECRET_NAME_RE.search(up))


def secret_values(facts) -> set[str]:
    """Literal secrets written in the Dockerfile: values of secret-named variables, URL passwords and tokens."""
    from godockerlint.analysis import assignments

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


def redact_finding(f, secrets=()):
    """The finding with its message and fix description redacted (the fix's edits are left intact)."""
    from dataclasses import replace

    from godockerlint.findings import Fix

    message = redact(f.message, secrets)
    fix = f.fix
    if fix is not None and fix.message:
        fix_message = redact(fix.message, secrets)
        if fix_message != fix.message:
            if type(fix) is Fix:
                fix = Fix(fix.edits, fix.applicability, fix_message)
            else:  # a LazyFix: a plain object made for this finding alone
                fix.message = fix_message
    if message == f.message and fix is f.fix:
        return f
    return replace(f, message=message, fix=fix)
