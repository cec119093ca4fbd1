#!/usr/bin/env bash
# Builds the release packages with scripts/package.sh into a temporary
# directory, twice, and checks them:
#
# - the two runs give the same bytes (SOURCE_DATE_EPOCH, sorted entries);
# - dist's SHA256SUMS, and the tarball's own SHA256SUMS once unpacked;
# - the tarball's entries: the expected files, owned by 0:0, with the
#   commit's time; the binary from it prints Cargo.toml's version, and says
#   that `demo` is not in this build (the static build leaves the sandbox
#   out);
# - THIRD-PARTY-NOTICES, in the tarball and (gzipped) in the .deb, the same
#   text: it has a section for ring, rustls, ureq, serde_json and musl, and
#   one for every crate of `cargo tree -e normal --no-default-features
#   --features cli --target x86_64-unknown-linux-musl` (name and version);
#   the .deb's copyright file points to it;
# - the .deb's control fields (no Depends: the binary is static), its file
#   list with modes and owners (`dpkg-deb -c`), the binary from
#   `dpkg-deb -x`; dpkg installs and removes it in a private root;
# - `lintian --fail-on error` on the .deb (warnings and infos are shown).
#
# Usage: scripts/test-package.sh [ARGS FOR package.sh]   e.g. --stable, --allow-dirty
#
# Installs lintian with apt-get when it is missing (as root, or with sudo -n).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '%s\n' "test-package: $*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
start=$SECONDS

if ! command -v lintian >/dev/null; then
    sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo -n)
    say "installing lintian"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq lintian >/dev/null
fi

name=jetpack-partner
version=$(awk '/^\[/ { p = ($0 == "[package]"); next }
               p && $1 == "version" { gsub(/"/, "", $3); print $3; exit }' Cargo.toml)
target=x86_64-unknown-linux-musl
base="$name-$version-$target"
deb_name="${name}_${version}_amd64.deb"

repo=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say "package.sh, first run"
bash scripts/package.sh --out "$work/dist" "$@"
say "package.sh, second run (the same bytes?)"
bash scripts/package.sh --out "$work/again" "$@" 2>"$work/again.log" \
    || { cat "$work/again.log" >&2; fail "the second run of package.sh failed"; }
cmp "$work/dist/SHA256SUMS" "$work/again/SHA256SUMS" \
    || fail "two runs on one commit gave different packages"

cd "$work/dist"
[ -f "$base.tar.gz" ] || fail "no $base.tar.gz"
[ -f "$deb_name" ] || fail "no $deb_name"
sha256sum -c SHA256SUMS
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct)}
epoch_date=$(TZ=UTC date -d "@$epoch" '+%Y-%m-%d %H:%M')

# ---- the tarball ----------------------------------------------------------
say "the tarball"
expected_tar="$base/
$base/LICENSE-APACHE
$base/LICENSE-MIT
$base/README.md
$base/SECURITY.md
$base/SHA256SUMS
$base/THIRD-PARTY-NOTICES
$base/completions/
$base/completions/_$name
$base/completions/$name.bash
$base/completions/$name.fish
$base/$name
$base/$name.1"
[ "$(tar -tzf "$base.tar.gz")" = "$expected_tar" ] \
    || fail "the tarball's entries (or their order) differ: $(tar -tzf "$base.tar.gz")"
TZ=UTC tar --numeric-owner -tvzf "$base.tar.gz" | while read -r mode owner _ date time path; do
    [ "$owner" = 0/0 ] || fail "$path is owned by $owner"
    [ "$date $time" = "$epoch_date" ] || fail "$path has time $date $time, not the commit's ($epoch_date)"
    case "$path" in
        */|*/"$name") [ "$mode" = drwxr-xr-x ] || [ "$mode" = -rwxr-xr-x ] || fail "$path is $mode" ;;
        *) [ "$mode" = -rw-r--r-- ] || fail "$path is $mode" ;;
    esac
done
mkdir tar && tar -xzf "$base.tar.gz" -C tar
(cd "tar/$base" && sha256sum -c SHA256SUMS)
[ "$(cd "tar/$base" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | sort)" \
    = "$(cut -d' ' -f3- "tar/$base/SHA256SUMS")" ] || fail "the tarball's SHA256SUMS does not list every file"

check_binary() {
    local bin=$1 out status
    file -b "$bin" | grep -q 'statically linked' || fail "$bin is not statically linked"
    out=$("$bin" --version)
    [ "$out" = "$name $version" ] || fail "$bin --version says '$out', not '$name $version'"
    # `demo` is not in the static build: a usage error (2) that says so.
    status=0
    out=$("$bin" demo 2>&1) || status=$?
    [ "$status" = 2 ] || fail "$bin demo exited $status, not 2"
    case "$out" in
        *"leaves the sandbox out"*"no 'demo' command"*) ;;
        *) fail "$bin demo does not say it is left out of this build: $out" ;;
    esac
    say "$bin: --version '$name $version'; demo: not in this build (exit 2)"
}
check_binary "tar/$base/$name"
head -n 1 "tar/$base/$name.1" | grep -q '^\.TH JETPACK\\-PARTNER 1 ' || fail "the man page does not start with .TH"
bash -n "tar/$base/completions/$name.bash" || fail "the bash completion is not valid bash"
if command -v zsh >/dev/null; then zsh -n "tar/$base/completions/_$name" || fail "zsh completion"; fi
if command -v fish >/dev/null; then fish -n "tar/$base/completions/$name.fish" || fail "fish completion"; fi
for f in LICENSE-MIT LICENSE-APACHE README.md SECURITY.md; do
    cmp "tar/$base/$f" "$repo/$f" || fail "the tarball's $f is not the source's"
done

# The notices name every crate compiled into the binary: each one of the
# normal dependency graph that Cargo.lock resolves for the shipped features
# has a section headed by its name and version.
check_notices() {
    local file=$1 crate n=0
    [ -s "$file" ] || fail "$file is missing or empty"
    for crate in ring rustls ureq serde_json; do
        grep -Eq "^$crate [0-9]" "$file" || fail "$file has no section for $crate"
    done
    grep -q '^musl libc' "$file" || fail "$file has no section for musl"
    grep -q "^Rust's standard library" "$file" || fail "$file has no section for Rust's std"
    while read -r crate; do
        grep -Fqx "$crate" "$file" || fail "$file has no section for '$crate' (cargo tree)"
        n=$((n + 1))
    done < <(cd "$repo" && cargo tree --locked -e normal --no-default-features --features cli \
                 --target "$target" --prefix none \
             | awk -v self="$name" '$1 != self { sub(/^v/, "", $2); print $1, $2 }' | sort -u)
    [ "$n" -gt 0 ] || fail "cargo tree listed no crates"
    say "$file: ring, rustls, ureq, serde_json, musl, std and the $n crates of cargo tree"
}
check_notices "tar/$base/THIRD-PARTY-NOTICES"

# ---- the .deb -------------------------------------------------------------
say "the .deb"
field() { dpkg-deb -f "$deb_name" "$1"; }
[ "$(field Package)" = "$name" ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version)"
[ "$(field Architecture)" = amd64 ] || fail "Architecture: $(field Architecture)"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
[ -n "$(field Installed-Size)" ] || fail "no Installed-Size"
for dep in Depends Pre-Depends Recommends; do
    [ -z "$(field "$dep")" ] || fail "$dep: $(field "$dep") (the binary is static)"
done
dpkg-deb --ctrl-tarfile "$deb_name" | tar -t | grep -qx './md5sums' || fail "no md5sums"

expected_deb="drwxr-xr-x root/root ./
drwxr-xr-x root/root ./usr/
drwxr-xr-x root/root ./usr/bin/
-rwxr-xr-x root/root ./usr/bin/$name
drwxr-xr-x root/root ./usr/share/
drwxr-xr-x root/root ./usr/share/bash-completion/
drwxr-xr-x root/root ./usr/share/bash-completion/completions/
-rw-r--r-- root/root ./usr/share/bash-completion/completions/$name
drwxr-xr-x root/root ./usr/share/doc/
drwxr-xr-x root/root ./usr/share/doc/$name/
-rw-r--r-- root/root ./usr/share/doc/$name/README.md.gz
-rw-r--r-- root/root ./usr/share/doc/$name/SECURITY.md.gz
-rw-r--r-- root/root ./usr/share/doc/$name/THIRD-PARTY-NOTICES.gz
-rw-r--r-- root/root ./usr/share/doc/$name/changelog.gz
-rw-r--r-- root/root ./usr/share/doc/$name/copyright
drwxr-xr-x root/root ./usr/share/fish/
drwxr-xr-x root/root ./usr/share/fish/vendor_completions.d/
-rw-r--r-- root/root ./usr/share/fish/vendor_completions.d/$name.fish
drwxr-xr-x root/root ./usr/share/lintian/
drwxr-xr-x root/root ./usr/share/lintian/overrides/
-rw-r--r-- root/root ./usr/share/lintian/overrides/$name
drwxr-xr-x root/root ./usr/share/man/
drwxr-xr-x root/root ./usr/share/man/man1/
-rw-r--r-- root/root ./usr/share/man/man1/$name.1.gz
drwxr-xr-x root/root ./usr/share/zsh/
drwxr-xr-x root/root ./usr/share/zsh/vendor-completions/
-rw-r--r-- root/root ./usr/share/zsh/vendor-completions/_$name"
actual_deb=$(dpkg-deb -c "$deb_name" | awk '{ print $1, $2, $6 }')
[ "$actual_deb" = "$expected_deb" ] || {
    diff <(printf '%s\n' "$expected_deb") <(printf '%s\n' "$actual_deb") >&2 || true
    fail "the .deb's files, modes or owners differ (above: - expected, + found)"
}
[ -z "$(TZ=UTC dpkg-deb -c "$deb_name" | awk -v d="$epoch_date" '$4 " " $5 != d')" ] \
    || fail "a .deb entry's time is not the commit's ($epoch_date)"

dpkg-deb -x "$deb_name" deb
check_binary "deb/usr/bin/$name"
cmp "deb/usr/bin/$name" "tar/$base/$name" || fail "the .deb's binary is not the tarball's"
gzip -t "deb/usr/share/man/man1/$name.1.gz"
cmp <(gzip -dc "deb/usr/share/man/man1/$name.1.gz") "tar/$base/$name.1" || fail "the man pages differ"
cmp "deb/usr/share/bash-completion/completions/$name" "tar/$base/completions/$name.bash" || fail "bash completions differ"
cmp "deb/usr/share/zsh/vendor-completions/_$name" "tar/$base/completions/_$name" || fail "zsh completions differ"
cmp "deb/usr/share/fish/vendor_completions.d/$name.fish" "tar/$base/completions/$name.fish" || fail "fish completions differ"
grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/$' \
    "deb/usr/share/doc/$name/copyright" || fail "the copyright file is not DEP-5"
grep -q "/usr/share/doc/$name/THIRD-PARTY-NOTICES.gz" "deb/usr/share/doc/$name/copyright" \
    || fail "the copyright file does not point to THIRD-PARTY-NOTICES.gz"
gzip -t "deb/usr/share/doc/$name/THIRD-PARTY-NOTICES.gz"
cmp <(gzip -dc "deb/usr/share/doc/$name/THIRD-PARTY-NOTICES.gz") "tar/$base/THIRD-PARTY-NOTICES" \
    || fail "the .deb's THIRD-PARTY-NOTICES is not the tarball's"
(cd deb && md5sum --quiet -c <(dpkg-deb --ctrl-tarfile "../$deb_name" | tar -xOf - ./md5sums))

# dpkg installs and removes it, in a dpkg root of its own (not the machine's).
say "dpkg -i and -r in a private root"
root="$work/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
dpkg --root="$root" --force-not-root --log=/dev/null -i "$deb_name" >/dev/null
[ "$("$root/usr/bin/$name" --version)" = "$name $version" ] || fail "the installed binary's --version"
dpkg --root="$root" --force-not-root --log=/dev/null -r "$name" >/dev/null
[ -z "$(find "$root/usr" -type f 2>/dev/null)" ] || fail "dpkg -r left files: $(find "$root/usr" -type f)"

say "lintian (errors fail; warnings, infos and overrides are shown)"
# Two runs: with --show-overrides, lintian counts an overridden error as a
# failure, so the verdict comes from a run without it.
lintian --fail-on none --display-info --show-overrides "$deb_name" 2>&1 \
    | grep -v '^running with root privileges is not recommended!$' >&2 || true
status=0
lintian --fail-on error "$deb_name" >/dev/null 2>&1 || status=$?
[ "$status" = 0 ] || fail "lintian reports errors on the .deb (exit $status)"

say "passed in $((SECONDS - start)) s"
