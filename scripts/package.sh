#!/usr/bin/env bash
# Builds the two release packages of the static program from a clean tree:
#
#   dist/jetpack-partner-VERSION-x86_64-unknown-linux-musl.tar.gz
#       the binary, its man page, bash/zsh/fish completions, README.md,
#       SECURITY.md, LICENSE-MIT, LICENSE-APACHE, THIRD-PARTY-NOTICES and
#       SHA256SUMS (of those files), in one directory of the same name
#   dist/jetpack-partner_VERSION_amd64.deb
#       /usr/bin/jetpack-partner, the man page and completions where Debian
#       looks for them, the licences in /usr/share/doc/jetpack-partner/copyright
#       and the third-party notices in THIRD-PARTY-NOTICES.gz next to it
#   dist/SHA256SUMS
#       the checksums of the two packages
#
# Usage: scripts/package.sh [--stable] [--allow-dirty] [--out DIR]
#
#   --stable       build with the stable toolchain only (see build-static.sh);
#                  without it, nightly is used when it is there, else stable
#   --allow-dirty  package even though `git status --porcelain` is not empty
#                  (for trying the script out; the packages then do not match
#                  the commit they name)
#   --out DIR      write the packages to DIR instead of dist/
#
# The binary comes from scripts/build-static.sh, with BUILD_STATIC_BUDGET=report:
# the size budget is a release gate, so being over it is printed but does not
# stop the packaging. A tree with uncommitted or untracked changes is refused
# (exit 1), as the packages would not be what the commit says.
#
# Reproducible enough: every file's time is SOURCE_DATE_EPOCH (from the
# environment, else the time of the last commit), the tar entries are sorted
# and owned by 0:0, gzip stores no name or time, and dpkg-deb builds with
# --root-owner-group. Running it twice on one commit gives the same bytes.
#
# THIRD-PARTY-NOTICES (scripts/third-party-notices.py) holds the licences of
# what is compiled into the binary besides our code: the crates of its
# normal dependency graph, Rust's std (of the toolchain the binary was built
# with) and musl.
#
# Needs: git, tar, gzip, coreutils, dpkg-deb (Debian's dpkg), python3 and
# what build-static.sh needs.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '%s\n' "package: $*" >&2; }
die() { say "$*"; exit 1; }

build_args=()
allow_dirty=no
out=dist
while [ $# -gt 0 ]; do
    case "$1" in
        --stable) build_args+=(--stable) ;;
        --allow-dirty) allow_dirty=yes ;;
        --out) [ $# -ge 2 ] || { echo "usage: $0 [--stable] [--allow-dirty] [--out DIR]" >&2; exit 2; }
               out=$2; shift ;;
        *) echo "usage: $0 [--stable] [--allow-dirty] [--out DIR]" >&2; exit 2 ;;
    esac
    shift
done

for tool in git tar gzip sha256sum md5sum dpkg-deb python3; do
    command -v "$tool" >/dev/null || die "$tool is needed (dpkg-deb: Debian's dpkg package)"
done

# A clean tree: the packages are made from the last commit and nothing else.
dirty=$(git status --porcelain)
if [ -n "$dirty" ]; then
    if [ "$allow_dirty" = yes ]; then
        say "WARNING: the tree has changes that are not committed; packaging anyway (--allow-dirty):"
        printf '%s\n' "$dirty" >&2
    else
        say "the tree has changes that are not committed (git status --porcelain):"
        printf '%s\n' "$dirty" >&2
        die "commit or stash them first, or pass --allow-dirty to try the script out"
    fi
fi

# A `key = "value"` of Cargo.toml's [package] table.
cargo_field() {
    awk -v key="$1" '
        /^\[/ { in_package = ($0 == "[package]"); next }
        in_package && $1 == key && $2 == "=" {
            sub(/^[^"]*"/, ""); sub(/".*$/, ""); print; exit
        }' Cargo.toml
}
name=$(cargo_field name)
version=$(cargo_field version)
description=$(cargo_field description)
# The first of `authors`: "Name <address>".
maintainer=$(cargo_field authors)
homepage=$(cargo_field homepage)
[ "$name" = jetpack-partner ] || die "Cargo.toml's package name is '$name'"
[ -n "$version" ] || die "no version in Cargo.toml"
case "$maintainer" in
    *" <"*@*">") ;;
    *) die "Cargo.toml's first author '$maintainer' is not 'Name <address>' (the .deb's Maintainer)" ;;
esac

commit=$(git rev-parse --short=12 HEAD)

# The binary. Its first line on stdout is its path. It is built in the
# caller's environment, as build-static.sh alone would: SOURCE_DATE_EPOCH is
# set after it, since a change in it makes cargo rebuild crates whose build
# scripts watch it.
say "building the static binary"
built=$(BUILD_STATIC_BUDGET=report scripts/build-static.sh "${build_args[@]}")
printf '%s\n' "$built" >&2
bin=$(printf '%s\n' "$built" | head -n 1)
[ -x "$bin" ] || die "build-static.sh did not name a binary"
target=$(basename "$(dirname "$(dirname "$bin")")")
if [ "$target" != x86_64-unknown-linux-musl ]; then
    say "WARNING: the binary is for $target, not x86_64-unknown-linux-musl; the tarball is named after it"
fi
[ "$("$bin" --version)" = "$name $version" ] || die "the binary's --version is not '$name $version'"
# The toolchain it was built with ("built with nightly (small)"): its std's
# notices go into THIRD-PARTY-NOTICES.
toolchain=$(printf '%s\n' "$built" | sed -n 's/.*built with \([^ ]*\) .*/\1/p' | head -n 1)
[ -n "$toolchain" ] || die "build-static.sh did not name its toolchain"

SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
export SOURCE_DATE_EPOCH
export LC_ALL=C TZ=UTC
umask 022

stage=target/package
rm -rf "$stage"
mkdir -p "$stage" "$out"

notices="$stage/THIRD-PARTY-NOTICES"
python3 scripts/third-party-notices.py --toolchain "$toolchain" --output "$notices"

# Every file and directory of a staged tree: the mode given, the time of the
# commit.
settle() {
    find "$1" -type d -exec chmod 0755 {} +
    find "$1" -type f -exec chmod 0644 {} +
    find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

# ---- the tarball ----------------------------------------------------------
base="$name-$version-$target"
tdir="$stage/tar/$base"
mkdir -p "$tdir/completions"
cp "$bin" "$tdir/$name"
"$bin" man > "$tdir/$name.1"
"$bin" completions bash > "$tdir/completions/$name.bash"
"$bin" completions zsh > "$tdir/completions/_$name"
"$bin" completions fish > "$tdir/completions/$name.fish"
cp README.md SECURITY.md LICENSE-MIT LICENSE-APACHE "$notices" "$tdir/"
(cd "$tdir" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | sort | xargs sha256sum > SHA256SUMS)
settle "$stage/tar"
chmod 0755 "$tdir/$name"
tarball="$out/$base.tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner --format=gnu \
    --mtime="@$SOURCE_DATE_EPOCH" -C "$stage/tar" -cf - "$base" | gzip -9n > "$tarball"

# ---- the .deb -------------------------------------------------------------
root="$stage/deb"
doc="$root/usr/share/doc/$name"
mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/man/man1" "$doc" \
    "$root/usr/share/bash-completion/completions" \
    "$root/usr/share/zsh/vendor-completions" \
    "$root/usr/share/fish/vendor_completions.d" \
    "$root/usr/share/lintian/overrides"
cp "$bin" "$root/usr/bin/$name"
"$bin" man | gzip -9n > "$root/usr/share/man/man1/$name.1.gz"
"$bin" completions bash > "$root/usr/share/bash-completion/completions/$name"
"$bin" completions zsh > "$root/usr/share/zsh/vendor-completions/_$name"
"$bin" completions fish > "$root/usr/share/fish/vendor_completions.d/$name.fish"
gzip -9n < README.md > "$doc/README.md.gz"
gzip -9n < SECURITY.md > "$doc/SECURITY.md.gz"
gzip -9n < "$notices" > "$doc/THIRD-PARTY-NOTICES.gz"

holder=${maintainer% <*}
year=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y)
{
    echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
    echo "Upstream-Name: $name"
    echo "Upstream-Contact: $maintainer"
    [ -z "$homepage" ] || echo "Source: $homepage"
    echo "Comment: The binary is statically linked: it also contains the Rust crates"
    echo " it depends on, Rust's standard library and musl libc. Their copyright"
    echo " notices and licences are in"
    echo " /usr/share/doc/$name/THIRD-PARTY-NOTICES.gz."
    echo
    echo "Files: *"
    echo "Copyright: $year $holder"
    echo "License: Expat or Apache-2.0"
    echo
    echo "License: Expat"
    # LICENSE-MIT after its title and copyright line, in the field's form:
    # each line indented, an empty one as " .".
    awk 'seen { print } /^Copyright/ { seen = 1 }' LICENSE-MIT | sed '/./,$!d' \
        | sed -e 's/^$/./' -e 's/^/ /'
    echo
    echo "License: Apache-2.0"
    echo " Licensed under the Apache License, Version 2.0 (the \"License\");"
    echo " you may not use this file except in compliance with the License."
    echo " ."
    echo " On Debian systems, the complete text of the Apache License, Version 2.0"
    echo " can be found in /usr/share/common-licenses/Apache-2.0 (and in the"
    echo " source as LICENSE-APACHE)."
} > "$doc/copyright"

# The version has no Debian revision, so this is a native package: its one
# changelog is changelog.gz, in Debian's format. The project's own history is
# in CHANGELOG.md of the source.
{
    echo "$name ($version) unstable; urgency=medium"
    echo
    echo "  * Release $version, packaged from commit $commit."
    echo "    The changes are listed in CHANGELOG.md of the source."
    echo
    echo " -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n > "$doc/changelog.gz"

cp packaging/lintian-overrides "$root/usr/share/lintian/overrides/$name"

settle "$root"
chmod 0755 "$root/usr/bin/$name"

# Installed-Size as dpkg-gencontrol counts it: KiB per file, rounded up,
# and one per directory.
installed_size=$(find "$root" -path "$root/DEBIAN" -prune -o -printf '%y %s\n' \
    | awk '$1 == "f" { kib += int(($2 + 1023) / 1024) } $1 == "d" { kib += 1 } END { print kib }')
{
    echo "Package: $name"
    echo "Version: $version"
    echo "Architecture: amd64"
    echo "Maintainer: $maintainer"
    echo "Installed-Size: $installed_size"
    echo "Section: admin"
    echo "Priority: optional"
    [ -z "$homepage" ] || echo "Homepage: $homepage"
    echo "Description: command-line client for the Jetpack Start partner API"
    echo " jetpack-partner lets a hosting company call the Jetpack Start partner"
    echo " API from scripts and cron jobs: it requests the partner's token (and"
    echo " caches it), provisions, upgrades and cancels Jetpack plans for its"
    echo " customers' WordPress sites, shows a site's status, follows backups,"
    echo " restores and Jetpack Scan, reads the partner reports, and runs"
    echo " resumable batches over many sites. 'monitor serve' receives Jetpack"
    echo " Monitor's downtime webhook."
    echo " ."
    echo " This is one statically linked binary without the local sandbox of the"
    echo " API ('sandbox' and 'demo' are left out); it needs no other package."
} > "$root/DEBIAN/control"
(cd "$root" && find usr -type f | sort | xargs md5sum > DEBIAN/md5sums)
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
touch -d "@$SOURCE_DATE_EPOCH" "$root/DEBIAN" "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
deb="$out/${name}_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null

(cd "$out" && sha256sum "$base.tar.gz" "${name}_${version}_amd64.deb" > SHA256SUMS)
touch -d "@$SOURCE_DATE_EPOCH" "$tarball" "$deb" "$out/SHA256SUMS"

say "made, from commit $commit (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH):"
(cd "$out" && ls -l "$base.tar.gz" "${name}_${version}_amd64.deb" SHA256SUMS) >&2
