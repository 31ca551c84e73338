"""`.godockerlint.yaml`: discovery, validation, and merging with CLI flags into `Settings`.

ruamel.yaml is imported only when a config file is actually read, so a run
without a config file never pays for it.
"""

from __future__ import annotations

import os
import re
import stat
from errno import EBADF, ELOOP, ENOENT, ENOTDIR
from pathlib import Path
from typing import Any, Callable

from godockerlint.core.findings import Severity
from godockerlint.core.record import Frozen, Record, _set
from godockerlint.core.settings import Settings

CONFIG_NAMES = (".godockerlint.yaml", ".godockerlint.yml")
THRESHOLDS = ("error", "warning", "info", "none")
# A config is a few hundred bytes; its YAML parser is slow: a bound on what one run may cost.
MAX_CONFIG_BYTES = 256 * 1024
# YAML or JSON nested deeper than Python's stack: a one-line error, never a RecursionError
TOO_DEEP = "nested too deeply to read (lists or mappings inside each other thousands deep)"


class ConfigError(Exception):
    """A bad config file or flag value; str() is one line: `file[:line]: message`."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message, self.path, self.line = message, path, line

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        path = Path(self.path)
        try:  # show a config below the current folder as a relative path
            path = path.relative_to(Path.cwd()) if path.is_absolute() else path
        except ValueError:
            pass
        where = f"{path}:{self.line}" if self.line else str(path)
        return f"{where}: {self.message}"


def parse_threshold(value: str) -> Severity | None:
    """`error|warning|info` -> Severity; `none` -> None (never fail on findings)."""
    if value.strip().lower() == "none":
        return None
    return Severity.parse(value)


def rule_codes() -> list[str]:
    from godockerlint.lint.rule import load_rules

    return list(load_rules())


def check_code(value: str, *, prefix: bool) -> str:
    """Normalise a rule code (upper case); with `prefix`, `GDL2` selects every GDL2xx rule."""
    code = value.strip().upper()
    codes = rule_codes()
    if code in codes or (prefix and code and any(c.startswith(code) for c in codes)):
        return code
    from difflib import get_close_matches

    hint = get_close_matches(code, codes, n=1)
    raise ConfigError(f"unknown rule code {value!r}" + (f" (did you mean {hint[0]}?)" if hint else ""))


def find_config(folder: Path) -> Path | None:
    """The nearest config file from `folder` upwards, stopping at the repository root
    (a folder holding `.git`) or the filesystem root."""
    folder = folder.resolve()
    try:
        for d in (folder, *folder.parents):
            for name in CONFIG_NAMES:
                if (d / name).is_file():
                    return d / name
            if (d / ".git").exists():
                return None
    except PermissionError:
        return None  # a folder we may not search: no config of ours can be read there
    return None


# --- reading and validating a config file ---------------------------------------------


def load_config(path: Path) -> dict[str, Any]:
    """Read and validate a config file; returns `Settings` field values (only those set).

    Raises ConfigError naming the file and, when known, the line.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)  # never more in memory, nor to parse
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError(f"file too large (more than {MAX_CONFIG_BYTES} bytes; the limit is "
                              f"{MAX_CONFIG_BYTES // 1024} KiB)", path)
        text = data.decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError("no such file", path) from None
    except OSError as exc:
        raise ConfigError(exc.strerror or str(exc), path) from None
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", path) from None
    try:
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigError(f"invalid YAML: {exc.problem or exc.context}", path, mark.line + 1 if mark else None) from None
    except YAMLError as exc:
        raise ConfigError(f"invalid YAML: {str(exc).splitlines()[0]}", path) from None
    except RecursionError:
        raise ConfigError(TOO_DEEP, path) from None
    if data is None:
        return {}
    if not isinstance(data, CommentedMap):
        raise ConfigError("expected a mapping of settings (key: value)", path, 1)
    try:
        return _Reader(path).read(data)
    except RecursionError:
        raise ConfigError(TOO_DEEP, path) from None


def _plain(value: Any) -> Any:
    """ruamel's commented containers -> plain dicts and lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# Patterns, compiled (by `re`, once) only when a config file is read.
_GOPROXY_ENTRY = r"^(direct|off|(https?|file)://\S+)$"
_IMAGE = r"^[A-Za-z0-9][A-Za-z0-9._/:@-]*$"


class _Reader(Record):
    __slots__ = ("path", "out")

    def __init__(self, path: Path, out: dict[str, Any] | None = None) -> None:
        self.path = path
        self.out = {} if out is None else out

    def fail(self, message: str, line: int | None) -> ConfigError:
        return ConfigError(message, self.path, line)

    def read(self, data) -> dict[str, Any]:
        handlers: dict[str, Callable[[Any, int], None]] = {
            "select": self.select,
            "ignore": self.ignore,
            "severity": self.severity,
            "failure-threshold": self.failure_threshold,
            "goproxy": self.goproxy,
            "private": lambda v, ln: self.set("private", tuple(self.strings(v, ln, "private", "module globs"))),
            "allowed-final-images": lambda v, ln: self.set(
                "allowed_final_images", tuple(self.strings(v, ln, "allowed-final-images", "image globs"))
            ),
            "syntax": self.syntax,
            "ci-cache": lambda v, ln: self.set("ci_cache", self.choice(v, ln, "ci-cache", ("persistent", "ephemeral"))),
            "download-step": lambda v, ln: self.set("download_step", self.choice(v, ln, "download-step", ("auto", "bind", "copy"))),
            "final-image": self.final_image,
            "rules": self.rules,
        }
        for key in data:
            line = data.lc.key(key)[0] + 1
            if key not in handlers:
                from difflib import get_close_matches

                hint = get_close_matches(str(key), handlers, n=1)
                raise self.fail(
                    f"unknown key {key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else f" (expected one of: {', '.join(handlers)})"),
                    line,
                )
            handlers[key](data[key], _value_line(data, key))
        return self.out

    def set(self, name: str, value: Any) -> None:
        self.out[name] = value

    # value helpers

    def string(self, value: Any, line: int, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{key}: expected a non-empty string, got {_show(value)}", line)
        return value.strip()

    def choice(self, value: Any, line: int, key: str, choices: tuple[str, ...]) -> str:
        if not isinstance(value, str) or value.strip().lower() not in choices:
            raise self.fail(f"{key}: expected one of {', '.join(choices)}, got {_show(value)}", line)
        return value.strip().lower()

    def strings(self, value: Any, line: int, key: str, what: str) -> list[str]:
        if not isinstance(value, list):
            raise self.fail(f"{key}: expected a list of {what}, got {_show(value)}", line)
        return [self.string(item, _item_line(value, i, line), key) for i, item in enumerate(value)]

    def codes(self, value: Any, line: int, key: str) -> frozenset[str]:
        out = set()
        for i, item in enumerate(self.strings(value, line, key, "rule codes")):
            try:
                out.add(check_code(item, prefix=True))
            except ConfigError as exc:
                raise self.fail(f"{key}: {exc.message}", _item_line(value, i, line)) from None
        return frozenset(out)

    # keys

    def select(self, value: Any, line: int) -> None:
        self.set("select", self.codes(value, line, "select"))

    def ignore(self, value: Any, line: int) -> None:
        self.set("ignore", self.out.get("ignore", frozenset()) | self.codes(value, line, "ignore"))

    def severity(self, value: Any, line: int) -> None:
        if not isinstance(value, dict):
            raise self.fail(f"severity: expected a mapping of rule code to error, warning, info or off, got {_show(value)}", line)
        overrides: dict[str, Severity] = {}
        off: set[str] = set()
        for code in value:
            key_line = value.lc.key(code)[0] + 1
            try:
                norm = check_code(str(code), prefix=False)
            except ConfigError as exc:
                raise self.fail(f"severity: {exc.message}", key_line) from None
            level = self.choice(value[code], _value_line(value, code), f"severity: {norm}", ("error", "warning", "info", "off"))
            if level == "off":
                off.add(norm)
            else:
                overrides[norm] = Severity.parse(level)
        self.set("severity", overrides)
        self.set("ignore", self.out.get("ignore", frozenset()) | off)

    def failure_threshold(self, value: Any, line: int) -> None:
        self.set("failure_threshold", parse_threshold(self.choice(value, line, "failure-threshold", THRESHOLDS)))

    def goproxy(self, value: Any, line: int) -> None:
        proxy = self.string(value, line, "goproxy")
        for entry in re.split(r"[,|]", proxy):
            if not re.match(_GOPROXY_ENTRY, entry):
                raise self.fail(
                    f"goproxy: bad entry {entry!r} (expected https://… URLs, direct or off, separated by , or |)", line
                )
        self.set("goproxy", proxy)

    def syntax(self, value: Any, line: int) -> None:
        syntax = self.string(value, line, "syntax")
        if syntax.lower() == "none":
            syntax = "none"
        elif not re.match(_IMAGE, syntax):
            raise self.fail(f"syntax: expected an image such as docker/dockerfile:1, or none; got {syntax!r}", line)
        self.set("syntax", syntax)

    def final_image(self, value: Any, line: int) -> None:
        keys = {"cgo-off": "final_image_cgo_off", "cgo-on": "final_image_cgo_on"}
        if not isinstance(value, dict):
            raise self.fail(f"final-image: expected a mapping with cgo-off and/or cgo-on, got {_show(value)}", line)
        for key in value:
            if key not in keys:
                raise self.fail(f"final-image: unknown key {key!r} (expected cgo-off or cgo-on)", value.lc.key(key)[0] + 1)
            image = self.string(value[key], _value_line(value, key), f"final-image: {key}")
            if not re.match(_IMAGE, image):
                raise self.fail(f"final-image: {key}: not an image reference: {image!r}", _value_line(value, key))
            self.set(keys[key], image)

    def rules(self, value: Any, line: int) -> None:
        from godockerlint.lint.rule import load_rules

        if not isinstance(value, dict):
            raise self.fail(f"rules: expected a mapping of rule code to options, got {_show(value)}", line)
        registry = load_rules()
        options: dict[str, dict] = {}
        for code in value:
            key_line = value.lc.key(code)[0] + 1
            try:
                norm = check_code(str(code), prefix=False)
            except ConfigError as exc:
                raise self.fail(f"rules: {exc.message}", key_line) from None
            given, rule = value[code], registry[norm]
            if given is None:
                continue
            if not isinstance(given, dict):
                raise self.fail(f"rules: {norm}: expected a mapping of option names to values, got {_show(given)}", key_line)
            opts: dict[str, Any] = {}
            for name in given:
                name_line = given.lc.key(name)[0] + 1
                real = _option_name(str(name), rule.options)
                if real is None:
                    known = ", ".join(rule.options) or "none"
                    raise self.fail(f"rules: {norm}: unknown option {name!r} (options: {known})", name_line)
                opts[real] = self.option_value(given[name], rule.options[real], _value_line(given, name), f"rules: {norm}: {name}")
            options[norm] = opts
        self.set("rule_options", options)

    def option_value(self, value: Any, default: Any, line: int, where: str) -> Any:
        value = _plain(value)
        if default is None:
            return value
        expected: tuple[type, ...]
        if isinstance(default, bool):
            expected, what = (bool,), "true or false"
        elif isinstance(default, int):
            expected, what = (int,), "an integer"
        elif isinstance(default, float):
            expected, what = (int, float), "a number"
        elif isinstance(default, str):
            expected, what = (str,), "a string"
        elif isinstance(default, (list, tuple, set, frozenset)):
            expected, what = (list,), "a list"
        elif isinstance(default, dict):
            expected, what = (dict,), "a mapping"
        else:
            return value
        if not isinstance(value, expected) or (isinstance(value, bool) and bool not in expected):
            raise self.fail(f"{where}: expected {what}, got {_show(value)}", line)
        if isinstance(default, (tuple, frozenset, set)):
            return type(default)(value)
        return value


def _option_name(name: str, options: dict) -> str | None:
    """The rule's option key for `name`, accepting `-` and `_` interchangeably."""
    for candidate in (name, name.replace("-", "_"), name.replace("_", "-")):
        if candidate in options:
            return candidate
    return None


def _value_line(mapping, key) -> int:
    try:
        return mapping.lc.value(key)[0] + 1
    except (AttributeError, KeyError, TypeError):
        return mapping.lc.key(key)[0] + 1


def _item_line(seq, i: int, default: int) -> int:
    try:
        return seq.lc.item(i)[0] + 1
    except (AttributeError, KeyError, TypeError):
        return default


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return repr(value)


# --- merging config and CLI into Settings -----------------------------------------------


class CliOverrides(Frozen):
    """What the command line says; None means "not given" (the config decides)."""

    __slots__ = ("select", "ignore", "failure_threshold", "context", "target")

    def __init__(self, select: frozenset[str] | None = None, ignore: frozenset[str] = frozenset(),
                 failure_threshold: str | None = None, context: Path | None = None, target: str | None = None) -> None:
        _set(self, "select", select)  # replaces the config's select
        _set(self, "ignore", ignore)  # extends the config's ignore
        _set(self, "failure_threshold", failure_threshold)  # error|warning|info|none
        _set(self, "context", context)
        _set(self, "target", target)


def make_settings(values: dict[str, Any], cli: CliOverrides, config_path: Path | None = None) -> Settings:
    """Defaults < config file values < CLI flags."""
    merged = dict(values)
    if cli.select is not None:
        merged["select"] = cli.select
    merged["ignore"] = frozenset(values.get("ignore", ())) | cli.ignore
    if cli.failure_threshold is not None:
        merged["failure_threshold"] = parse_threshold(cli.failure_threshold)
    return Settings(**merged, context=cli.context, target=cli.target, config_path=config_path)


class ConfigResolver:
    """Settings for each Dockerfile: the nearest config above its folder (cached per
    folder and per config file), or the one `--config` file for every Dockerfile."""

    def __init__(self, cli: CliOverrides, config_file: Path | None = None) -> None:
        self.cli = cli
        self.config_file = config_file
        self._config_of: dict[Path, Path | None] = {}
        self._settings: dict[Path | None, Settings | ConfigError] = {}
        self._folder_config: dict[Path, Path | None] = {}  # folder as asked -> its config (no resolve() twice)

    def settings_for(self, folder: Path) -> Settings:
        """Raises ConfigError when the applicable config file is bad (every time it is asked)."""
        if self.config_file is not None:
            config = self.config_file
        else:
            try:
                config = self._folder_config[folder]
            except KeyError:
                config = self._folder_config[folder] = self._nearest(folder.resolve())
        if config not in self._settings:
            try:
                values = load_config(config) if config is not None else {}
                self._settings[config] = make_settings(values, self.cli, config)
            except ConfigError as exc:
                self._settings[config] = exc
        result = self._settings[config]
        if isinstance(result, ConfigError):
            raise result
        return result

    def _nearest(self, folder: Path) -> Path | None:
        """find_config(folder) for a resolved folder, cached for every folder on the way up
        (a tree of many Dockerfiles looks at each folder once)."""
        if folder in self._config_of:
            return self._config_of[folder]
        try:
            base = str(folder)
            config = next((folder / name for name in CONFIG_NAMES if _is_file(os.path.join(base, name))), None)
            repo_root = _exists(os.path.join(base, ".git"))
        except PermissionError:  # a folder we may not search: no config of ours can be read there
            config, repo_root = None, True
        if config is None and not repo_root and folder.parent != folder:
            config = self._nearest(folder.parent)
        self._config_of[folder] = config
        return config


_MISSING_ERRNOS = (ENOENT, ENOTDIR, EBADF, ELOOP)  # what pathlib's is_file()/exists() take for "no such file"


def _stat(path: str):
    """os.stat(path), or None where pathlib's Path.is_file()/exists() would answer False; other
    errors (PermissionError...) are raised as they would be (Path objects cost ~5 us each)."""
    try:
        return os.stat(path)
    except OSError as exc:
        if getattr(exc, "errno", None) in _MISSING_ERRNOS:
            return None
        raise
    except ValueError:
        return None


def _is_file(path: str) -> bool:
    st = _stat(path)
    return st is not None and stat.S_ISREG(st.st_mode)


def _exists(path: str) -> bool:
    return _stat(path) is not None
