#!/usr/bin/env bash
# Builds the shipped binary: one static file, without the sandbox.
#
#   scripts/build-static.sh            smallest: nightly std rebuilt for size
#   scripts/build-static.sh --stable   stable toolchain only (larger)
#
# Installs what it needs when it can: Debian's musl-tools, the musl target,
# and for the smallest build nightly's rust-src. Prints the file, its size
# against the 2.15 MB budget, and checks that it is statically linked. If the
# musl target cannot be installed, it falls back to a static glibc build and
# says so.
#
# Exit status: 0 built; 1 not static (or the binary does not run); 2 bad
# option; 3 over the size budget. With BUILD_STATIC_BUDGET=report in the
# environment the size is still reported against the budget, but being over
# it is a warning and the exit status is 0 (scripts/package.sh does this: the
# budget is a release gate, not a packaging one).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=small
case "${1:-}" in
    "") ;;
    --stable) mode=stable ;;
    *) echo "usage: $0 [--stable]" >&2; exit 2 ;;
esac

# The Jetpack Start commands fit 1.6 MB (1,558,408 B); the hosting-partner
# API (backups, restores, Scan, activity, accounts, reports, login, monitor
# serve, fleet reports) brought it to 1,886,120 B after shrinking; doctor
# and reconcile to 2,062,248 B. The budget is that plus room, so a jump
# stops a release job (README: Building a small release binary).
budget=2150000
target=x86_64-unknown-linux-musl

say() { printf '%s\n' "build-static: $*" >&2; }

ensure_musl_gcc() {
    command -v musl-gcc >/dev/null && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing musl-tools"
        apt-get install -y -qq musl-tools >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq musl-tools; }
    fi
    command -v musl-gcc >/dev/null
}

toolchain=stable
if [ "$mode" = small ]; then
    if rustup toolchain list | grep -q '^nightly' \
        && rustup component add rust-src --toolchain nightly >/dev/null 2>&1; then
        toolchain=nightly
    else
        say "nightly with rust-src is not available: building with stable (larger)"
        mode=stable
    fi
fi

if ensure_musl_gcc && rustup target add "$target" --toolchain "$toolchain" >/dev/null 2>&1; then
    kind="musl, static"
else
    say "the musl target cannot be installed here: building a static glibc binary instead"
    target=x86_64-unknown-linux-gnu
    kind="glibc, static (crt-static)"
fi

# Non-PIE and static: no dynamic relocations to carry.
flags="-C target-feature=+crt-static -C relocation-model=static"
build=(cargo "+$toolchain" build --release --no-default-features --features cli --target "$target"
       --target-dir target/static)
if [ "$mode" = small ]; then
    # std rebuilt with the program: panics abort at once (no message
    # formatting, no unwinder, no backtrace symbolizer), no source locations
    # in panics, shallow derived Debug. Error messages are unchanged: they use
    # Display, and Debug of strings still quotes. Nothing unwinds, so the
    # unwind tables (about 180 KB) are left out too.
    flags="$flags -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=shallow -Cforce-unwind-tables=no"
    build+=(-Z build-std=std,panic_abort)
fi

say "building ($toolchain, $target, $mode)"
RUSTFLAGS="$flags" "${build[@]}"

bin="target/static/$target/release/jetpack-partner"
size=$(stat -c %s "$bin")
linkage=$(file -b "$bin")
echo "$bin"
echo "kind:    $kind, built with $toolchain ($mode)"
echo "size:    $size bytes (budget $budget)"
echo "linkage: $linkage"

case "$linkage" in
    *"statically linked"*|*"static-pie linked"*) ;;
    *) say "not statically linked"; exit 1 ;;
esac
if ldd "$bin" >/dev/null 2>&1; then
    say "ldd finds dynamic dependencies"; exit 1
fi
"$bin" --version >/dev/null
if [ "$size" -gt "$budget" ]; then
    say "over the budget by $((size - budget)) bytes"
    if [ "${BUILD_STATIC_BUDGET:-enforce}" = report ]; then
        say "BUILD_STATIC_BUDGET=report: not enforced"
    else
        exit 3
    fi
fi
