#!/usr/bin/env bash
# How much memory and time `batch provision` needs to read and check a large
# input before it sends anything, with `sort` (which must hold the whole file)
# and `wc -l` (which holds one buffer) beside it for scale.
#
#   bash bench/batch-input.sh            # 1,000,000 lines
#   LINES=200000 bash bench/batch-input.sh
#
# The input's last line is bad and --fail-fast is given, so the run reads and
# checks every line and stops before any request (exit 2): what is measured
# is the checking pass alone. Prints a markdown table on stdout.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

LINES=${LINES:-1000000}
JP_BIN=${JP_BIN:-target/release/jetpack-partner}

[[ -x /usr/bin/time ]] || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 1; }
if [[ ! -x $JP_BIN ]]; then
    echo "bench: building $JP_BIN" >&2
    cargo build --release --quiet
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "bench: writing $LINES lines of CSV and of JSON Lines" >&2
awk -v n="$LINES" 'BEGIN {
    print "local_user,siteurl,plan,partner-tracking-id"
    for (i = 1; i < n; i++) printf "admin,https://site%d.example.com/wp,personal,customer-%d\n", i, i
    print "admin,not a url,personal,bad"
}' >"$work/sites.csv"
awk -v n="$LINES" 'BEGIN {
    for (i = 1; i < n; i++) printf "{\"local_user\":\"admin\",\"siteurl\":\"https://site%d.example.com/wp\",\"plan\":\"personal\",\"partner-tracking-id\":\"customer-%d\"}\n", i, i
    print "{\"local_user\":\"admin\"}"
}' >"$work/sites.jsonl"

# peak RSS in KiB, wall seconds and exit code of one command.
measure() {
    /usr/bin/time -f '%M %e %x' -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || true
    tail -n 1 "$work/time"
}

# The client, checking only: a closed port as API base, since nothing is sent.
JP=(env -i JETPACK_PARTNER_SECRET=bench-secret "$JP_BIN" --api-base http://127.0.0.1:9
    --partner-id 1234 batch provision --fail-fast --quiet)

# row WHAT WANT_EXIT COMMAND...: a table row; a run that did not end as
# expected (the client must stop with 2, "nothing was sent") is an error.
row() {
    local what=$1 want=$2 rss secs code
    shift 2
    read -r rss secs code <<<"$(measure "$@")"
    if [[ $code != "$want" ]]; then
        echo "bench: $what exited $code, not $want:" >&2
        cat "$work/stderr" >&2
        exit 1
    fi
    printf '| %s | %.1f MiB | %.2f s |\n' "$what" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$secs"
}

size=$(stat -c %s "$work/sites.csv")
printf '\n%s lines, CSV %.0f MiB; `batch provision --fail-fast`, last line bad: every line is checked, nothing is sent.\n\n' \
    "$LINES" "$(awk -v b="$size" 'BEGIN { print b / 1048576 }')"
echo '| command | peak RSS | wall |'
echo '|---|---|---|'
row "jetpack-partner, CSV file" 2 "${JP[@]}" --input "$work/sites.csv"
row "jetpack-partner, JSON Lines file" 2 "${JP[@]}" --input "$work/sites.jsonl"
row "jetpack-partner, JSON Lines on stdin (spooled)" 2 \
    sh -c '"$@" < "$0"' "$work/sites.jsonl" "${JP[@]}" --input -
row "wc -l, CSV file (one buffer)" 0 wc -l "$work/sites.csv"
row "sort, CSV file (holds it all)" 0 sort "$work/sites.csv"
