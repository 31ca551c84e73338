"""Keeping secrets out of every output: masking credentials in text.

One redaction, applied where text leaves the program: `Redactor` holds the
secret values of every file of the run (analysis/secrets.py: values of
secret-named variables, URL passwords and tokens written in the Dockerfile)
and the command line passes everything it prints or writes through it: each
report (so SARIF fixes' inserted text too), diffs (context lines included),
warnings, error messages, baseline files. `redact()` masks, with or without
those values, every credential form it can recognise by shape:

- URL userinfo: a password (`https://user:pw@host`, split at the last `@`
  before the host, as Go does), a token alone in the user part of an
  http(s) URL (`https://TOKEN@host`, `TOKEN:x-oauth-basic@`, `TOKEN:@`), and
  scheme-less `user:pw@host.domain`;
- well-known token shapes (`ghp_…`, `glpat-…`, `AKIA…`);
- `NAME=value` where the name says it holds a secret (`API_KEY`, `*TOKEN*`,
  `*PASS*`, `AWS_SECRET_ACCESS_KEY`…), and `aws configure set
  aws_secret_access_key VALUE`;
- a `.netrc` password (`login bot password X`, a `password X` line).

Masking keeps what helps the reader (the scheme and host of a URL, a token's
well-known prefix, a variable's name) and drops the rest:
`https://user:****@proxy.example.com`, `ghp_****`, `API_KEY=****`.
"""

from __future__ import annotations

import functools
import re

# userinfo holds no `/` (so it never runs into the next URL of a list) and ends at the last `@`
URL_RE = re.compile(r"([A-Za-z][A-Za-z0-9+-]*)://([^/\\\s'\"`<>]+)@([^/\\\s'\"@`,|<>]+)")
# `user:pw@host.domain` without a scheme (the host has a dot: `golang:1.25@sha256:…` is an image)
SCHEMELESS_RE = re.compile(r"(?<![\w./:@%+$-])([A-Za-z0-9._~%+-]+):([^\\\s/'\"`@<>]+)@"
                           r"([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# NAME=value, NAME="value", NAME = value (the name decides: see secret_name)
# (never a backslash taken into a mask: the text may be a rendered JSON or XML document)
ASSIGN_RE = re.compile(r"(?<![\w$])([A-Za-z_][A-Za-z0-9_]*)([ \t]*=[ \t]*)"
                       r"(\\\"[^\"\\\n]*\\\"|\"[^\"\\\n]*\"|'[^'\\\n]*'|[^\\\s'\"`;&|)]+)")
# `aws configure set aws_secret_access_key VALUE`, `aws_secret_access_key: VALUE`
AWS_RE = re.compile(r"\b(aws_secret_access_key|aws_session_token|aws_access_key_id)([ \t]*[:=]?[ \t]*)"
                    r"([A-Za-z0-9/+=]{16,})", re.I)
# .netrc: `machine h login u password X` on one line, or a `password X` line of its own
NETRC_RE = re.compile(r"((?:^[\s+\-\"']*|\blogin[ \t]+\S+[ \t]+)password[ \t]+)([^\\\s\"'`]+)", re.M)
ACCOUNT_NAME_RE = re.compile(r"[a-z][a-z._-]{0,31}")
# schemes whose user name is an account, not a credential
ACCOUNT_SCHEMES = frozenset({"ssh", "git+ssh", "ssh+git", "sftp", "scp", "rsync", "smb", "ldap", "mailto"})
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


def user_is_credential(scheme: str, user: str) -> bool:
    """A URL's user part without a password: a token, unless it is a public account name,
    a variable reference, or the account of an ssh-like scheme."""
    if not user or user in PUBLIC_USERS or VAR_ONLY_RE.match(user):
        return False
    if token_like(user):
        return True
    # `https://john@bitbucket.org/team/repo.git`: an account name (lower-case letters, no digit)
    return scheme.lower() not in ACCOUNT_SCHEMES and not ACCOUNT_NAME_RE.fullmatch(user)


def masked_userinfo(scheme: str, userinfo: str) -> str:
    user, sep, password = userinfo.partition(":")
    if sep:
        keep_user = (password not in ("", "x-oauth-basic") and not token_like(user) and len(user) <= 32
                     and "$(" not in user)
        return f"{user if keep_user else mask_part(user)}:{mask_part(password) if password else ''}"
    return mask_part(user) if user_is_credential(scheme, user) else user


def masked_url(scheme: str, userinfo: str, host: str) -> str:
    return f"{scheme}://{masked_userinfo(scheme, userinfo)}@{host}"


_MEMO_TEXT = 1000  # texts up to this length, without secret values, are memoised: findings repeat messages


def redact(text: str, secrets=()) -> str:
    """`text` with every credential form above and the given secret values masked."""
    if not text:
        return text
    if not secrets and len(text) <= _MEMO_TEXT:
        return _redact_plain(text)
    return _redact(text, secrets)


@functools.lru_cache(maxsize=20_000)
def _redact_plain(text: str) -> str:
    return _redact(text, ())


def _redact(text: str, secrets) -> str:
    if "@" in text:  # what every URL match holds (most messages have none)
        if "://" in text:
            text = URL_RE.sub(_masked_url_match, text)
        text = SCHEMELESS_RE.sub(_masked_schemeless_match, text)
    if "=" in text:
        text = ASSIGN_RE.sub(_masked_assignment, text)
    if "aws_" in text or "AWS_" in text:
        text = AWS_RE.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    if "password" in text:
        text = NETRC_RE.sub(lambda m: m.group(1) + mask_part(m.group(2)), text)
    if TOKEN_HINT_RE.search(text):
        text = TOKEN_RE.sub(_masked_token_match, text)
    if secrets:  # after the shapes, which read the text around a secret (a URL's user and password)
        for s in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
            if s in text:
                text = text.replace(s, mask_part(s))
    return text


def credentials(text: str) -> list[str]:
    """The credentials written in `text`, each as `redact` shows it (for GDL501's messages)."""
    found = []
    if "@" in text:
        found += [masked_url(*m.groups()) for m in URL_RE.finditer(text) if _url_has_credential(m)]
        found += [f"{m.group(1)}:{mask_part(m.group(2))}@{m.group(3)}" for m in SCHEMELESS_RE.finditer(text)
                  if not VAR_ONLY_RE.match(m.group(2))]
    found += [m.group(1) + m.group(2) + MASK for m in AWS_RE.finditer(text)]
    found += ["password " + mask_part(m.group(2)) for m in NETRC_RE.finditer(text) if "password" in m.group(1)]
    found += [(m.group(1) or m.group(2)) + MASK for m in TOKEN_RE.finditer(text)]
    return found


def _url_has_credential(m: re.Match) -> bool:
    scheme, userinfo, _ = m.groups()
    user, sep, password = userinfo.partition(":")
    return bool(sep) and (password or not VAR_ONLY_RE.match(user)) or user_is_credential(scheme, user)


def _masked_url_match(m: re.Match) -> str:
    if not _url_has_credential(m):
        return m.group(0)
    return masked_url(*m.groups())


def _masked_schemeless_match(m: re.Match) -> str:
    user, password, host = m.groups()
    return f"{user}:{mask_part(password)}@{host}"


def _masked_assignment(m: re.Match) -> str:
    name, eq, value = m.groups()
    if not secret_name(name):
        return m.group(0)
    quote = value[:2] if value[:2] == '\\"' else value[0] if value[:1] in ("'", '"') else ""
    inner = value[len(quote):-len(quote)] if quote else value
    if not inner or VAR_ONLY_RE.match(inner) or inner.startswith(("$(", "`", "${")) or inner == MASK:
        return m.group(0)
    return f"{name}{eq}{quote}{mask_part(inner)}{quote}"


def _masked_token_match(m: re.Match) -> str:
    return (m.group(1) or m.group(2)) + MASK


SECRET_NAME_RE = re.compile(r"TOKEN|PASSWORD|PASSWD|PASSPHRASE|SECRET|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|NETRC"
                            r"|CREDENTIAL|(?:^|_)(?:PASS|PAT|CREDS?|PW)(?:$|_)|_PWD$", re.I)
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


def redact_finding(f, secrets=()):
    """The finding with its message and fix description redacted (the fix's edits are left intact)."""
    from dataclasses import replace

    from godockerlint.core.findings import Fix

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


class Redactor:
    """The run's one redaction: the secret values of every file linted so far (in the forms the
    report formats escape them to) and every shape `redact` knows. The command line passes
    every text it prints or writes through it, and the findings it hands to the formatters."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()

    def reset(self) -> None:
        self.secrets.clear()

    def add(self, values) -> None:
        import json
        from html import escape

        for v in values or ():
            if not v or len(v) < 4 or v in self.secrets:
                continue
            self.secrets.add(v)
            # as a JSON string, an XML attribute and a GitHub workflow command spell it
            self.secrets.update({json.dumps(v)[1:-1], json.dumps(v, ensure_ascii=False)[1:-1], escape(v),
                                 v.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")})

    def __call__(self, text: str) -> str:
        return redact(text, self.secrets)

    def finding(self, f, fixes: bool = True):
        """The finding as the reports show it: message masked and, with `fixes` (a report that
        shows fixes: SARIF), the fix's description and text (its edits masked when read)."""
        from dataclasses import replace

        message = self(f.message)
        if not fixes or f.fix is None:
            return f if message == f.message else replace(f, message=message)
        return replace(f, message=message, fix=_ShownFix(f.fix, self))


class _ShownFix:
    """A fix as a report shows it: the same applicability and offsets, the texts masked."""

    __slots__ = ("_fix", "_redact", "applicability", "message", "_edits")

    def __init__(self, fix, redactor) -> None:
        self._fix, self._redact = fix, redactor
        self.applicability = fix.applicability
        self.message = redactor(fix.message) if fix.message else fix.message
        self._edits = None

    @property
    def edits(self):
        if self._edits is None:
            from godockerlint.core.findings import Edit

            self._edits = tuple(Edit(e.start, e.end, self._redact(e.text)) for e in self._fix.edits)
        return self._edits
