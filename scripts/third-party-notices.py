#!/usr/bin/env python3
"""Writes THIRD-PARTY-NOTICES: the licences of the code compiled into the
static binary, which their terms (MIT, ISC, BSD, Apache-2.0...) ask a binary
distribution to carry.

    scripts/third-party-notices.py [--toolchain NAME] [--output FILE]

- Every crate the binary is built from: the graph of NORMAL dependencies
  (not dev, not build: build scripts and their crates are not in the binary)
  reachable from this package with `--no-default-features --features cli`
  for x86_64-unknown-linux-musl, read from the `resolve` section of
  `cargo metadata` (an edge counts when one of its `dep_kinds` has kind
  null and a target that is absent or true for that platform). For each
  crate, sorted by name then version: its name, version and SPDX licence
  expression from Cargo.toml, then every LICENSE*, LICENCE*, COPYING* and
  NOTICE* file of its source directory, whole. A crate without one gets a
  line saying so, with its expression.
- Rust's standard library: the notices the toolchain ships
  (share/doc/rust/COPYRIGHT-library.html of `rustc --print sysroot`, as
  text, which covers std and the crates std is built from) and its MIT and
  Apache-2.0 texts; without them, the expression and the project's URL.
  --toolchain NAME asks `rustc +NAME` (the toolchain the binary was built
  with; scripts/package.sh passes it).
- musl libc, linked statically: Debian's copyright file of the musl package
  (/usr/share/doc/musl/copyright) when it is installed, else the expression
  and the project's URL.

The output depends only on Cargo.lock, the crates' sources and the
toolchain's and musl's files: no dates, no paths of this machine. Writes to
THIRD-PARTY-NOTICES (or --output FILE, `-` for stdout); prints the number of
crates on stderr. Needs cargo and rustc; works offline when the crates are
fetched.
"""

import argparse
import html
import html.parser
import json
import os
import re
import subprocess
import sys

TARGET = "x86_64-unknown-linux-musl"
FEATURES = ["--no-default-features", "--features", "cli"]
LICENCE_FILE = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE)", re.IGNORECASE)
RULE = "=" * 79
MUSL_COPYRIGHT = "/usr/share/doc/musl/copyright"


def run(args):
    return subprocess.run(args, check=True, stdout=subprocess.PIPE, text=True).stdout


# ---- cfg(...) of a dependency's target, against the platform's --print cfg --


def tokenize(text):
    return re.findall(r'[A-Za-z_][A-Za-z0-9_]*|"[^"]*"|[(),=]', text)


def parse_cfg(tokens, pos):
    """One cfg predicate from tokens[pos]: (tree, next position)."""
    name = tokens[pos]
    pos += 1
    if name in ("all", "any", "not") and pos < len(tokens) and tokens[pos] == "(":
        pos += 1
        items = []
        while tokens[pos] != ")":
            item, pos = parse_cfg(tokens, pos)
            items.append(item)
            if tokens[pos] == ",":
                pos += 1
        return (name, items), pos + 1
    if pos < len(tokens) and tokens[pos] == "=":
        return ("kv", name, tokens[pos + 1].strip('"')), pos + 2
    return ("name", name), pos


def eval_cfg(tree, cfgs):
    kind = tree[0]
    if kind == "all":
        return all(eval_cfg(t, cfgs) for t in tree[1])
    if kind == "any":
        return any(eval_cfg(t, cfgs) for t in tree[1])
    if kind == "not":
        return not eval_cfg(tree[1][0], cfgs)
    if kind == "kv":
        return (tree[1], tree[2]) in cfgs
    return (tree[1], None) in cfgs


def target_matches(target, cfgs):
    if target is None:
        return True
    if target.startswith("cfg(") and target.endswith(")"):
        tree, _ = parse_cfg(tokenize(target[4:-1]), 0)
        return eval_cfg(tree, cfgs)
    return target == TARGET


def platform_cfgs(rustc):
    cfgs = set()
    for line in run(rustc + ["--print", "cfg", "--target", TARGET]).splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            cfgs.add((key, value.strip('"')))
        else:
            cfgs.add((line, None))
    return cfgs


# ---- the crates ------------------------------------------------------------


def crates(cfgs):
    meta = json.loads(
        run(
            ["cargo", "metadata", "--format-version", "1", "--locked"]
            + ["--filter-platform", TARGET]
            + FEATURES
        )
    )
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    root = meta["resolve"]["root"]
    seen = {root}
    todo = [root]
    while todo:
        for dep in nodes[todo.pop()]["deps"]:
            normal = any(
                k["kind"] is None and target_matches(k["target"], cfgs)
                for k in dep["dep_kinds"]
            )
            if normal and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                todo.append(dep["pkg"])
    seen.discard(root)
    found = [packages[i] for i in seen]
    # Versions compared as numbers where they are numbers.
    key = lambda p: (
        p["name"],
        [int(x) if x.isdigit() else x for x in re.split(r"[.+-]", p["version"])],
    )
    return sorted(found, key=key)


def licence_files(package):
    directory = os.path.dirname(package["manifest_path"])
    names = sorted(
        n
        for n in os.listdir(directory)
        if LICENCE_FILE.match(n) and os.path.isfile(os.path.join(directory, n))
    )
    extra = package.get("license_file")
    if extra:
        extra = os.path.normpath(os.path.join(directory, extra))
        if os.path.isfile(extra) and os.path.dirname(extra) != directory:
            names.append(os.path.relpath(extra, directory))
    return directory, names


def read_text(path):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "")
    return text.strip("\n") + "\n"


def section(out, title):
    out.append(RULE + "\n" + title + "\n" + RULE + "\n")


def crate_section(out, package):
    expression = package.get("license") or "(none given in Cargo.toml)"
    section(out, f"{package['name']} {package['version']}\nLicense: {expression}")
    directory, names = licence_files(package)
    if not names:
        out.append(
            f"\nThis crate's source has no licence file; Cargo.toml gives its "
            f"licence as: {expression}\n"
        )
    for name in names:
        out.append(f"\n--- {name} ---\n\n")
        out.append(read_text(os.path.join(directory, name)))
    out.append("\n")


# ---- Rust's std and musl ----------------------------------------------------


class HtmlText(html.parser.HTMLParser):
    """The text of the toolchain's COPYRIGHT-library.html: blocks on lines
    of their own, runs of blank lines collapsed."""

    BLOCK = {"p", "div", "h1", "h2", "h3", "li", "ul", "pre", "br", "tr", "table"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.pre = 0
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("head", "style", "script"):
            self.skip += 1
        if tag in self.BLOCK:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")
        if tag == "pre":
            self.pre += 1

    def handle_endtag(self, tag):
        if tag in ("head", "style", "script"):
            self.skip -= 1
        if tag == "pre":
            self.pre -= 1
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if self.skip:
            return
        if self.pre:
            self.parts.append(data)
        else:
            self.parts.append(re.sub(r"\s+", " ", data))

    def text(self):
        lines = []
        for line in "".join(self.parts).split("\n"):
            line = line.rstrip()
            # The one space a collapsed run leaves at the start of a line
            # (text in <pre> keeps its indentation).
            if line.startswith(" ") and not line.startswith("  "):
                line = line[1:]
            lines.append(line)
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
        return text.strip("\n") + "\n"


def std_section(out, rustc):
    sysroot = run(rustc + ["--print", "sysroot"]).strip()
    docs = os.path.join(sysroot, "share", "doc", "rust")
    section(
        out,
        "Rust's standard library (std, core, alloc and the crates std is built from)\n"
        "License: MIT OR Apache-2.0",
    )
    out.append(
        "\nThe Rust standard library is compiled into the binary. Its source is at\n"
        "https://github.com/rust-lang/rust\n"
    )
    notices = os.path.join(docs, "COPYRIGHT-library.html")
    if os.path.isfile(notices):
        parser = HtmlText()
        with open(notices, encoding="utf-8", errors="replace") as f:
            parser.feed(f.read())
        out.append("\n--- COPYRIGHT-library (the toolchain's notices, as text) ---\n\n")
        out.append(parser.text())
    found = False
    for name in ("MIT.txt", "Apache-2.0.txt"):
        path = os.path.join(docs, "licenses", name)
        if os.path.isfile(path):
            found = True
            out.append(f"\n--- licenses/{name} ---\n\n")
            out.append(read_text(path))
    if not found:
        out.append(
            "\nThe toolchain ships no licence texts here: the standard library is\n"
            "licensed MIT OR Apache-2.0, see https://github.com/rust-lang/rust\n"
            "(COPYRIGHT, LICENSE-MIT, LICENSE-APACHE).\n"
        )
    out.append("\n")


def musl_section(out):
    section(out, "musl libc (linked statically)\nLicense: MIT")
    out.append("\nmusl, the C library, is linked statically into the binary. https://musl.libc.org/\n")
    if os.path.isfile(MUSL_COPYRIGHT):
        out.append("\n--- copyright (of Debian's musl package) ---\n\n")
        out.append(read_text(MUSL_COPYRIGHT))
    else:
        out.append(
            "\nmusl is licensed under the MIT licence; its COPYRIGHT file is at\n"
            "https://git.musl-libc.org/cgit/musl/tree/COPYRIGHT\n"
        )
    out.append("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--toolchain", help="rustup toolchain the binary is built with")
    parser.add_argument("--output", default="THIRD-PARTY-NOTICES")
    args = parser.parse_args()
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    rustc = ["rustc"] + ([f"+{args.toolchain}"] if args.toolchain else [])

    found = crates(platform_cfgs(rustc))
    out = [
        "Third-party notices for the jetpack-partner binary\n\n",
        "The jetpack-partner program (built with --no-default-features --features cli\n"
        f"for {TARGET}) contains code from the crates below, Rust's standard\n"
        "library and musl libc. Their copyright notices and licences follow, as\n"
        "their authors ship them. jetpack-partner's own licences are LICENSE-MIT\n"
        "and LICENSE-APACHE.\n\n",
        f"Crates ({len(found)}, normal dependencies, by name and version):\n\n",
    ]
    out += [f"  {p['name']} {p['version']}  ({p.get('license') or 'no licence given'})\n" for p in found]
    out.append("  Rust's standard library  (MIT OR Apache-2.0)\n")
    out.append("  musl libc  (MIT)\n\n")
    for package in found:
        crate_section(out, package)
    std_section(out, rustc)
    musl_section(out)
    text = "".join(out).rstrip("\n") + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    print(f"third-party-notices: {len(found)} crates, Rust's std and musl", file=sys.stderr)


if __name__ == "__main__":
    main()
