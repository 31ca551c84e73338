"""The cgo decision of the builds that feed the final stage: CGO_ENABLED=1; a C toolchain
in the builder with CGO_ENABLED unset (native builds then default to cgo on); `import "C"`
in the context; modules known to need cgo; and the builder's libc. Used by finalneeds.py."""

from __future__ import annotations

from godockerlint.core.record import Record

CGO_ONLY_MODULES = (
    "github.com/mattn/go-sqlite3",
    "github.com/confluentinc/confluent-kafka-go",
    "github.com/tecbot/gorocksdb",
    "github.com/linxGnu/grocksdb",
    "gopkg.in/gographics/imagick",
    "github.com/DataDog/zstd",
    "github.com/go-gl/glfw",
    "github.com/davidbyttow/govips",
)


class Cgo(Record):
    """The cgo decision of the builds that feed the final image."""

    __slots__ = ("on", "needed", "why", "libc", "static")

    def __init__(self, on: bool = False, needed: bool = False, why: str = "", libc: str | None = None,
                 static: bool = False) -> None:
        self.on = on  # the binary is built with cgo
        self.needed = needed  # something needs it (CGO_ENABLED=1, import "C", a cgo module, an installed compiler
        #                       without a context to tell): turning it off is not proven to keep the build
        self.why = why  # one clause
        self.libc = libc  # the builder's libc: "glibc", "musl" (None: unknown)
        self.static = static  # linked with -extldflags -static: runs without libc


# -- the cgo decision --------------------------------------------------------------------
def cgo_modules(context) -> list[str]:
    gm = context.go_mod if context is not None else None
    reqs = [m for m, _ in gm.requires] if gm else []
    return [m for m in reqs if any(m == c or m.startswith(c + "/") for c in CGO_ONLY_MODULES)]


def cgo_of(facts, commands) -> Cgo:
    """The cgo decision for the binaries these go commands build."""
    ctx = facts.context
    out = Cgo()
    for gc in commands:
        stage = gc.run.stage
        libc = stage.libc
        v = gc.setting("CGO_ENABLED")
        if v == "0":
            continue
        goos = gc.setting("GOOS")
        if not v and goos and "$" not in goos and goos != "linux":
            continue  # a cross build defaults to cgo off
        static = gc.links_statically
        line = gc.instruction.line
        if v == "1":
            return Cgo(True, True, f"CGO_ENABLED=1 on line {line}", libc, static)
        if v and "$" in v:
            return Cgo(True, True, f"CGO_ENABLED comes from a variable on line {line}", libc, static)
        if not stage.has_c_compiler:
            continue  # go defaults to cgo off without a C compiler (an `import "C"` would not build)
        if ctx is not None and ctx.uses_cgo:  # reads the context's .go files: asked last
            return Cgo(True, True, 'the sources `import "C"`', libc, static)
        mods = cgo_modules(ctx)
        if mods:
            return Cgo(True, True, f"{mods[0]} needs cgo", libc, static)
        if not out.on:
            explicit = stage.installs_c_compiler
            why = ("a C compiler is installed and CGO_ENABLED is unset" if explicit else
                   f"{stage.root_base} has gcc and CGO_ENABLED is unset")
            # a compiler installed on purpose, with no context to show nothing needs it: cgo is needed
            out = Cgo(True, explicit and ctx is None, why, libc, static)
    return out


def _opaque_cgo(facts, builders) -> Cgo:
    """The cgo decision of a build that runs through make or a script (no go command to read)."""
    for st in builders:
        if not st.is_go or not st.has_c_compiler:
            continue
        ctx = facts.context
        text = ""
        if ctx is not None:
            for name in ("Makefile", "makefile", "GNUmakefile", "build.sh"):
                text += ctx._read(name) or ""
        if "CGO_ENABLED=0" in text and "CGO_ENABLED=1" not in text:
            continue
        why = "the build runs through make or a script with a C compiler present and no visible CGO_ENABLED=0"
        return Cgo(True, True, why, st.libc, False)
    return Cgo()
