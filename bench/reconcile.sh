#!/usr/bin/env bash
# The reconcile plan of a large fleet against its bound: 10,000 sites in the
# desired state, a sandbox that answers every request 20 ms late, and
# `reconcile --concurrency 32`. The bound is the requests the plan needs
# (one status read per site, plus an upgrade-paths read where something is
# to be provisioned on a known site) × 20 ms ÷ 32. Memory is measured with
# /usr/bin/time: it should follow the site names, not the answers.
#
#   bash bench/reconcile.sh              # builds the release binary, then measures
#   JP_BIN=path bash bench/reconcile.sh  # measure (and serve from) this binary
#
# The fleet: a quarter of the sites have personal and want premium (status
# and upgrade paths), a quarter have personal and want it (status), half are
# new (status). Prints a small markdown table on stdout; progress on stderr.
set -euo pipefail
export LC_ALL=C

SITES=${SITES:-10000}
LATENCY_MS=20
CONCURRENCY=32
SANDBOX_WORKERS=64 # each delayed request holds one sandbox worker
PARTNER_ID=1234
SECRET='bench-secret'

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}
calc() { awk "BEGIN { printf \"%.10g\", ($1) }"; }
fmt() { awk -v x="$2" "BEGIN { printf \"$1\", x }"; }

cd "$(dirname "$0")/.."
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is needed for the peak memory"
if [[ -n ${JP_BIN:-} ]]; then
    BIN=$(realpath "$JP_BIN")
else
    say "cargo build --release (a first build takes a few minutes)"
    cargo build --release >&2 || die "cargo build --release failed"
    BIN=$PWD/target/release/jetpack-partner
fi

TMP=$(mktemp -d)
SANDBOX_PID=''
cleanup() {
    if [[ -n $SANDBOX_PID ]]; then
        kill "$SANDBOX_PID" 2>/dev/null || true
        wait "$SANDBOX_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

"$BIN" sandbox --listen 127.0.0.1:0 --partner "$PARTNER_ID:$SECRET" \
    --latency-ms "$LATENCY_MS" --workers "$SANDBOX_WORKERS" >"$TMP/sandbox.out" 2>"$TMP/sandbox.err" &
SANDBOX_PID=$!
URL=''
for ((i = 0; i < 100; i++)); do
    if IFS= read -r URL <"$TMP/sandbox.out" && [[ -n $URL ]]; then break; fi
    sleep 0.1
done
[[ -n $URL ]] || die "the sandbox did not start: $(cat "$TMP/sandbox.err")"
say "sandbox: $URL (--latency-ms $LATENCY_MS --workers $SANDBOX_WORKERS)"

export JETPACK_PARTNER_SECRET=$SECRET
jp() { "$BIN" --api-base "$URL" --partner-id "$PARTNER_ID" --no-token-cache "$@"; }
requests() { curl -q -sS "$URL/_sandbox/stats" | grep -o '"requests":[0-9]*' | head -n 1 | cut -d: -f2; }

quarter=$((SITES / 4))
half=$((SITES / 2))
say "provisioning $half sites of the fleet (batch provision, concurrency 64)"
for ((i = 0; i < half; i++)); do
    printf '{"local_user":"admin","siteurl":"https://s%d.bench.test","plan":"personal","wpcom_user_id":42}\n' "$i"
done >"$TMP/setup.jsonl"
jp batch provision --input "$TMP/setup.jsonl" --output "$TMP/setup-out.jsonl" --concurrency 64 --quiet ||
    die "the fleet could not be set up"

{
    echo "site,plan,local_user"
    for ((i = 0; i < SITES; i++)); do
        if ((i < quarter)); then plan=premium; else plan=personal; fi
        echo "https://s$i.bench.test,$plan,admin"
    done
} >"$TMP/desired.csv"

needed=$((SITES + quarter)) # a status per site, upgrade paths for the upgrades
bound=$(calc "$needed * $LATENCY_MS / 1000 / $CONCURRENCY")
before=$(requests)
say "reconcile --desired ($SITES sites) --concurrency $CONCURRENCY"
/usr/bin/time -f '%e %M' -o "$TMP/time" \
    "$BIN" --api-base "$URL" --partner-id "$PARTNER_ID" --no-token-cache \
    reconcile --desired "$TMP/desired.csv" --concurrency "$CONCURRENCY" --quiet \
    >"$TMP/plan.jsonl" || die "reconcile failed: $(tail -n 3 "$TMP/plan.jsonl")"
after=$(requests)
read -r wall rss_kib <"$TMP/time"
sent=$((after - before - 1)) # the token request aside
rows=$(wc -l <"$TMP/plan.jsonl")
provisions=$(grep -c '"action":"provision"' "$TMP/plan.jsonl" || true)
nones=$(grep -c '"action":"none"' "$TMP/plan.jsonl" || true)
[[ $rows == "$SITES" ]] || die "the plan has $rows rows for $SITES sites"
[[ $sent == "$needed" ]] || say "note: $sent requests sent, $needed expected"
bound_sent=$(calc "$sent * $LATENCY_MS / 1000 / $CONCURRENCY")
ratio=$(calc "$wall / $bound_sent")
verdict=MISS
awk "BEGIN { exit !($ratio <= 1.1) }" && verdict=PASS

cat <<EOF
| measure | value |
|---|---|
| sites (rows: $provisions provision, $nones none) | $SITES |
| requests (status + upgrade paths; token aside) | $sent (expected $needed) |
| bound: requests × $LATENCY_MS ms ÷ $CONCURRENCY | $(fmt %.2f "$bound_sent") s |
| wall time | $(fmt %.2f "$wall") s |
| wall ÷ bound | $(fmt %.3f "$ratio")x (target ≤ 1.1x: $verdict) |
| peak RSS | $(fmt %.1f "$(calc "$rss_kib / 1024")") MiB |
EOF
say "bound from the expected requests: $(fmt %.2f "$bound") s"
