#!/usr/bin/env bash
# Benchmark jetpack-partner against what a partner would otherwise use (curl,
# and curl | jq), both talking to the built-in sandbox on 127.0.0.1.
#
#   bash bench/run.sh                        # builds what it needs, then measures
#   JP_BIN=path bash bench/run.sh            # measure this client binary instead
#   JP_SANDBOX_BIN=path bash bench/run.sh    # serve from this (default-features) build
#   JP_BENCH_TIMER=python bash bench/run.sh  # time with the Python loop, not hyperfine
#   JP_CALLGRIND_DIR=dir bash bench/run.sh   # keep the callgrind.out files there
#
# Prints one markdown table on stdout and writes it, with the date, the
# machine and the exact commands measured, to bench/results.md. Progress goes
# to stderr. See bench/README.md for what each row means.
set -euo pipefail
export LC_ALL=C # a '.' decimal point everywhere (awk, EPOCHREALTIME)

# ---- settings ---------------------------------------------------------------

ROUNDS=5            # timing rounds; every command is timed in every round
RUNS=20             # timed runs per command per round (so 100 in all)
WARMUP=3            # untimed runs per command per round
MEM_RUNS=20         # runs under /usr/bin/time per command
SITES=1000          # sites per batch at concurrency 8 and 32, and for the curl loop
BATCH_C=(1 8 32 128) # batch concurrencies, each run with and without a journal
declare -A BATCH_SITES=([1]=200 [8]=$SITES [32]=$SITES [128]=2000) # sites per batch run
LATENCY_MS=20       # the batch sandbox's --latency-ms
SANDBOX_WORKERS=64  # the batch sandbox's --workers: each delayed request holds one
BATCH_REPEATS=5     # runs of each batch, with and without a journal, in turns
CALLGRIND_RUNS=3    # runs under callgrind per command (median instruction count)
CURL_LOOP_PROBE=200 # the curl loop first times this many sites...
CURL_LOOP_MAX_S=100 # ...and does the rest only if all 1,000 fit in this many seconds
PARTNER_ID=1234
SECRET='bench-secret'
SITE=https://bench.test

# ---- helpers ----------------------------------------------------------------

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

# Quote one word for a POSIX shell (and for hyperfine -N, and Python's shlex).
q1() {
    if [[ $1 =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
        printf '%s' "$1"
    else
        printf "'%s'" "${1//\'/\'\\\'\'}"
    fi
}
# Quote a whole command line.
q() {
    local out='' word
    for word in "$@"; do out+="$(q1 "$word") "; done
    printf '%s' "${out% }"
}

# Arithmetic and formatting (awk: bash has integers only).
calc() { awk "BEGIN { printf \"%.10g\", ($1) }"; }
fmt() { awk -v x="$2" "BEGIN { printf \"$1\", x }"; }
holds() { awk "BEGIN { exit !($1) }"; }
verdict() { if holds "$1"; then echo PASS; else echo MISS; fi; }
median() { # FILE: median of the numbers in it, one a line
    sort -g "$1" | awk '{ v[NR] = $1 }
        END { if (NR == 0) exit 1; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
now() { printf '%s' "${EPOCHREALTIME:-$(date +%s.%N)}"; }
ms() { fmt '%.1f ms' "$(calc "$1 * 1000")"; }
ms2() { fmt '%.2f ms' "$(calc "$1 * 1000")"; }
mib() { fmt '%.1f MiB' "$(calc "$1 / 1024")"; } # from KiB
size() { printf '%s B = %s MiB' "$1" "$(fmt %.1f "$(calc "$1 / 1048576")")"; }
ratio() { fmt '%.2fx' "$1"; }

# ---- setup ------------------------------------------------------------------

ORIG_PWD=$PWD
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -f Cargo.toml && -d bench ]] || die "run me from the jetpack-partner repository (bash bench/run.sh)"

TMP=$(mktemp -d -t jp-bench.XXXXXX)
PIDS=()
cleanup() {
    local pid
    for pid in ${PIDS[@]+"${PIDS[@]}"}; do kill "$pid" 2>/dev/null || true; done
    for pid in ${PIDS[@]+"${PIDS[@]}"}; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Nothing from the caller's environment may steer a client elsewhere: no
# proxies, no API base, no ready-made token, no cache in the home directory.
unset http_proxy https_proxy all_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY \
    JETPACK_API_BASE JETPACK_START_API_HOST JETPACK_ACCESS_TOKEN \
    JETPACK_PARTNER_ID JETPACK_PARTNER_SECRET JETPACK_TOKEN_CACHE
export XDG_CACHE_HOME="$TMP/xdg-cache"

# ---- tools ------------------------------------------------------------------

missing=()
for tool in cargo curl jq openssl hyperfine python3 ldd valgrind; do
    have "$tool" || missing+=("$tool")
done
[[ -x /usr/bin/time ]] || missing+=("/usr/bin/time")
if ((${#missing[@]})); then
    say "missing: ${missing[*]}"
else
    say "all tools found: cargo curl jq openssl hyperfine python3 ldd valgrind /usr/bin/time"
fi
have curl || die "curl is the baseline being compared against; install it (Debian: apt-get install curl)"
have jq || die "jq is part of the documented curl example and reads hyperfine's results; install it (Debian: apt-get install jq)"
if have hyperfine && [[ ${JP_BENCH_TIMER:-} != python ]]; then
    TIMER=hyperfine
    TIMER_DESC="hyperfine $(hyperfine --version | awk '{ print $2 }') (-N, no shell)"
else
    have hyperfine || say "hyperfine not found (Debian: apt-get install hyperfine): timing with a Python 3 loop timer instead"
    have python3 || die "neither hyperfine nor python3 is available to time commands"
    TIMER=python
    TIMER_DESC="a Python 3 loop timer (subprocess.run; hyperfine not used)"
    cat >"$TMP/timer.py" <<'EOF'
# timer.py WARMUP RUNS OUTFILE COMMAND: append the wall time of each run, in s.
import shlex, subprocess, sys, time
warmup, runs, out, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], shlex.split(sys.argv[4])
def once():
    start = time.perf_counter()
    subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start
for _ in range(warmup):
    once()
with open(out, "a") as f:
    for _ in range(runs):
        f.write(f"{once()}\n")
EOF
fi
if [[ -x /usr/bin/time ]]; then HAVE_TIME=1; else HAVE_TIME=0; fi
((HAVE_TIME)) || say "GNU time (/usr/bin/time) not found (Debian: apt-get install time): memory is not measured"
if have openssl; then HAVE_OPENSSL=1; else HAVE_OPENSSL=0; fi
((HAVE_OPENSSL)) || say "openssl not found: the TLS rows are skipped"
if have ldd; then HAVE_LDD=1; else HAVE_LDD=0; fi
((HAVE_LDD)) || say "ldd not found: the size rows are skipped"

# ---- build ------------------------------------------------------------------

mkdir -p "$TMP/bin"
build() {
    say "cargo build $* (a first build takes a few minutes)"
    cargo build "$@" >&2
}

# The sandbox needs the default features; the client is built without them,
# into the same target/release when there is no musl target, so each binary is
# copied away as soon as it is built.
if [[ -n ${JP_SANDBOX_BIN:-} ]]; then
    cp "$(cd "$ORIG_PWD" && realpath "$JP_SANDBOX_BIN")" "$TMP/bin/sandbox"
else
    have cargo || die "cargo is needed to build the sandbox (or give JP_SANDBOX_BIN)"
    build --release || die "cargo build --release failed"
    cp target/release/jetpack-partner "$TMP/bin/sandbox"
fi
SANDBOX_BIN="$TMP/bin/sandbox"

MUSL=x86_64-unknown-linux-musl
if [[ -n ${JP_BIN:-} ]]; then
    CLIENT=$(cd "$ORIG_PWD" && realpath "$JP_BIN")
    [[ -x $CLIENT ]] || die "JP_BIN=$JP_BIN is not an executable"
    # shellcheck disable=SC2016 # the variable's name is shown, not its value
    CLIENT_SHOWN='$JP_BIN'
    CLIENT_HOW="JP_BIN=$JP_BIN"
elif say "scripts/build-static.sh (the shipped binary; a first build takes a few minutes)" &&
    { static_out=$(bash scripts/build-static.sh) || [[ $? == 3 ]]; }; then
    # 3: built, but over its size budget: still the binary that ships.
    CLIENT=$(head -n 1 <<<"$static_out")
    CLIENT_SHOWN=$CLIENT
    CLIENT_HOW="scripts/build-static.sh ($(sed -n 's/^kind: *//p' <<<"$static_out"))"
elif have rustup && rustup target list --installed 2>/dev/null | grep -x "$MUSL" >/dev/null &&
    build --release --no-default-features --features cli --target "$MUSL"; then
    CLIENT="target/$MUSL/release/jetpack-partner"
    CLIENT_SHOWN=$CLIENT
    CLIENT_HOW="cargo build --release --no-default-features --features cli --target $MUSL"
else
    say "the $MUSL target is not installed (or did not build): measuring the dynamic glibc build instead"
    build --release --no-default-features --features cli || die "cargo build --release --no-default-features --features cli failed"
    cp target/release/jetpack-partner "$TMP/bin/jetpack-partner"
    CLIENT="$TMP/bin/jetpack-partner"
    CLIENT_SHOWN='target/release/jetpack-partner'
    CLIENT_HOW="cargo build --release --no-default-features --features cli (the musl target is not installed)"
fi
if ((HAVE_LDD)) && ldd "$CLIENT" 2>&1 | grep '=>' >/dev/null; then
    CLIENT_LINK="dynamic, glibc"
else
    CLIENT_LINK="static"
fi
say "client: $CLIENT_SHOWN, $CLIENT_LINK"

# ---- sandboxes --------------------------------------------------------------

# start_sandbox NAME [sandbox options]: starts a sandbox in the background and
# sets SANDBOX_URL to the base URL it prints on its first line.
start_sandbox() {
    local name=$1 pid i
    shift
    : >"$TMP/$name.out"
    "$SANDBOX_BIN" sandbox --listen 127.0.0.1:0 --partner "$PARTNER_ID:$SECRET" "$@" \
        >"$TMP/$name.out" 2>"$TMP/$name.err" &
    pid=$!
    PIDS+=("$pid")
    SANDBOX_URL=''
    for ((i = 0; i < 100; i++)); do
        if IFS= read -r SANDBOX_URL <"$TMP/$name.out" && [[ -n $SANDBOX_URL ]]; then
            say "sandbox $name: $SANDBOX_URL $*"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$TMP/$name.err" >&2
    die "the $name sandbox did not start"
}

start_sandbox plain
URL=$SANDBOX_URL
start_sandbox slow --latency-ms "$LATENCY_MS" --workers "$SANDBOX_WORKERS"
SLOW_URL=$SANDBOX_URL
TLS_URL=''
if ((HAVE_OPENSSL)); then
    say "making a throwaway CA and a localhost certificate"
    (
        cd "$TMP"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
            -subj '/CN=jetpack-partner bench CA' -keyout ca.key -out ca.pem \
            -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign'
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -subj '/CN=localhost' -keyout localhost.key -out localhost.csr
        printf '%s\n' 'basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature' \
            'extendedKeyUsage=serverAuth' 'subjectAltName=DNS:localhost,IP:127.0.0.1' >localhost.ext
        openssl x509 -req -in localhost.csr -CA ca.pem -CAkey ca.key -set_serial 1 -days 2 \
            -extfile localhost.ext -out localhost.pem
    ) >"$TMP/openssl.log" 2>&1 || {
        cat "$TMP/openssl.log" >&2
        die "openssl could not make the certificates"
    }
    start_sandbox tls --tls-cert "$TMP/localhost.pem" --tls-key "$TMP/localhost.key"
    TLS_URL=$SANDBOX_URL
fi

# ---- the commands -----------------------------------------------------------

install -m 600 /dev/null "$TMP/secret"
printf '%s\n' "$SECRET" >"$TMP/secret"
# The cache is used only in a directory no one else can write to, whatever
# the umask; it never chmods one it did not create.
mkdir -m 700 "$TMP/token-cache"

# Ours: the secret from a 0600 file. curl: the documented example, with -sS
# as a script would add it and -q so that no ~/.curlrc changes the request.
ours() { q "$CLIENT" --api-base "$1" --partner-id "$PARTNER_ID" --partner-secret-file "$TMP/secret" "${@:2}"; }
curl_token() { # BASE [curl options]
    q curl -q -sS "${@:2}" --request POST --url "$1/oauth2/token" \
        --header 'cache-control: no-cache' --header 'content-type: multipart/form-data;' \
        --form client_id="$PARTNER_ID" --form client_secret="$SECRET" \
        --form grant_type=client_credentials --form scope=jetpack-partner
}
# The token and the site URL go in double quotes: they may be "$variables".
curl_provision() { # BASE TOKEN SITEURL
    printf '%s --header "Authorization: Bearer %s" --form local_user=admin --form "siteurl=%s" --form plan=personal' \
        "$(q curl -q -sS --request POST --url "$1/rest/v1.3/jpphp/provision")" "$2" "$3"
}

declare -A CMD   # name -> command line, timed
declare -A MEM   # name -> command line, measured with /usr/bin/time
TIMED=()
timed() {
    TIMED+=("$1")
    CMD[$1]=$2
}

timed ours_token "$(ours "$URL" --no-token-cache token)"
# The floor under a token request: the program started and ended with no
# request (its exec, page faults and exit).
timed ours_version "$(q "$CLIENT" --version)"
timed curl_token "$(curl_token "$URL")"
timed curl_jq "$(q sh -c "$(curl_token "$URL") | jq -r .access_token")"
timed jq_alone "$(q jq -r .access_token "$TMP/token.json")"
timed ours_provision "$(ours "$URL" --token-cache "$TMP/token-cache" provision \
    --local-user admin --siteurl "$SITE" --plan personal)"
# shellcheck disable=SC2016 # $token is expanded by sh -c
timed curl_pair "$(q sh -c "token=\$($(curl_token "$URL") | jq -r .access_token) && $(curl_provision "$URL" '$token' "$SITE")")"
if [[ -n $TLS_URL ]]; then
    timed ours_tls "$(ours "$TLS_URL" --ca-file "$TMP/ca.pem" --no-token-cache token)"
    timed curl_tls "$(curl_token "$TLS_URL" --cacert "$TMP/ca.pem")"
fi

# Check every command once (and warm the token cache) before timing.
check() { # NAME EXTENDED-REGEX
    local out
    out=$(eval "${CMD[$1]}" 2>&1) || die "$1 failed: $out"
    [[ $out =~ $2 ]] || die "$1 answered something unexpected: $out"
}
eval "$(ours "$URL" --token-cache "$TMP/token-cache" token)" >/dev/null
tokens_before=$(curl -q -sS "$URL/_sandbox/stats" | jq '.by_endpoint["POST /oauth2/token"]["200"]')
check ours_provision '"success":true'
tokens_after=$(curl -q -sS "$URL/_sandbox/stats" | jq '.by_endpoint["POST /oauth2/token"]["200"]')
[[ $tokens_before == "$tokens_after" ]] || die "the provision with a cached token requested a token"
check ours_token '^[0-9a-f]{16,}$'
check ours_version '^jetpack-partner '
eval "${CMD[curl_token]}" >"$TMP/token.json" # a token answer, for jq alone
check curl_token '"access_token":"[0-9a-f]+'
check curl_jq '^[0-9a-f]{16,}$'
check curl_pair '"success":true'
check jq_alone '^[0-9a-f]{16,}$'
if [[ -n $TLS_URL ]]; then
    check ours_tls '^[0-9a-f]{16,}$'
    check curl_tls '"access_token":"[0-9a-f]+'
fi

# Memory: a pipeline's processes are measured one by one (jq reads a saved
# token answer, the provision curl uses a fixed token) and summed later.
TOKEN=$(jq -r .access_token "$TMP/token.json")
MEM[ours_token]=${CMD[ours_token]}
MEM[curl_token]=${CMD[curl_token]}
MEM[jq]=${CMD[jq_alone]}
MEM[ours_provision]=${CMD[ours_provision]}
MEM[curl_provision]=$(curl_provision "$URL" "$TOKEN" "$SITE")
if [[ -n $TLS_URL ]]; then
    MEM[ours_tls]=${CMD[ours_tls]}
    MEM[curl_tls]=${CMD[curl_tls]}
fi

# ---- wall time --------------------------------------------------------------

# Every command is timed in each round, so a burst of noise from other users
# of the machine lands on all of them rather than on one.
time_runs() { # NAME
    local name=$1
    if [[ $TIMER == hyperfine ]]; then
        hyperfine -N --style none --warmup "$WARMUP" --runs "$RUNS" \
            --export-json "$TMP/hyperfine.json" "${CMD[$name]}" >"$TMP/hyperfine.log" 2>&1 || {
            cat "$TMP/hyperfine.log" >&2
            die "hyperfine failed on $name"
        }
        jq -r '.results[0].times[]' "$TMP/hyperfine.json" >>"$TMP/times.$name"
    else
        python3 "$TMP/timer.py" "$WARMUP" "$RUNS" "$TMP/times.$name" "${CMD[$name]}" ||
            die "the timer failed on $name"
    fi
}
for ((round = 1; round <= ROUNDS; round++)); do
    say "timing round $round/$ROUNDS: ${TIMED[*]}"
    for name in "${TIMED[@]}"; do time_runs "$name"; done
done
declare -A T # name -> median wall time, s
for name in "${TIMED[@]}"; do T[$name]=$(median "$TMP/times.$name"); done

# The other floor: the sandbox's own answer to a token request, from a
# client that costs nothing to start (one Python process, a socket per
# request, the same multipart form), median of 300, in seconds.
SANDBOX_ANSWER_S=$(python3 - "$URL" "$PARTNER_ID" "$SECRET" <<'PY'
import socket, sys, time, urllib.parse
url, partner, secret = sys.argv[1:4]
u = urllib.parse.urlsplit(url)
fields = [("client_id", partner), ("client_secret", secret),
          ("grant_type", "client_credentials"), ("scope", "jetpack-partner")]
body = b"".join(b'--b\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
                % (k.encode(), v.encode()) for k, v in fields) + b"--b--\r\n"
head = (b"POST /oauth2/token HTTP/1.1\r\nHost: %s\r\nContent-Type: multipart/form-data; "
        b"boundary=b\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
        % (u.netloc.encode(), len(body)))
times = []
for _ in range(300):
    start = time.perf_counter()
    with socket.create_connection((u.hostname, u.port)) as s:
        s.sendall(head + body)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    times.append(time.perf_counter() - start)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:80]
times.sort()
print(times[len(times) // 2])
PY
)

# ---- peak memory ------------------------------------------------------------

declare -A M # name -> median peak RSS, KiB
if ((HAVE_TIME)); then
    say "peak memory: $MEM_RUNS runs of each under /usr/bin/time -f %M"
    for name in "${!MEM[@]}"; do eval "${MEM[$name]}" >/dev/null; done # warm-up
    for ((i = 1; i <= MEM_RUNS; i++)); do
        for name in "${!MEM[@]}"; do
            eval "/usr/bin/time -a -o $(q "$TMP/rss.$name") -f %M ${MEM[$name]}" >/dev/null ||
                die "$name failed under /usr/bin/time"
        done
    done
    for name in "${!MEM[@]}"; do M[$name]=$(median "$TMP/rss.$name"); done
fi

# ---- batch ------------------------------------------------------------------

sites_file() { # PREFIX N: JSON Lines of N sites named PREFIX-I.bench.test
    awk -v p="$1" -v n="$2" 'BEGIN { for (i = 1; i <= n; i++)
        printf "{\"local_user\":\"admin\",\"siteurl\":\"https://%s-%d.bench.test\",\"plan\":\"personal\"}\n", p, i }' \
        >"$TMP/$1.jsonl"
}
# batch_run CONCURRENCY RUN journal|stdout: appends to $TMP/batch.CONCURRENCY.MODE
# the seconds one batch of ${BATCH_SITES[CONCURRENCY]} fresh sites took. With
# "journal" the results go to --output, a journal whose records are each
# synced before the run goes on; with "stdout" to standard output
# (redirected to a file, never synced): the same run without a journal.
batch_run() {
    local c=$1 mode=$3 n=${BATCH_SITES[$1]} prefix="c$1-r$2-$3" start end ok
    local cmd results="$TMP/$prefix.out.jsonl"
    say "batch provision of $n sites at concurrency $c, run $2, $mode"
    sites_file "$prefix" "$n"
    cmd=$(ours "$SLOW_URL" --no-token-cache batch provision --input "$TMP/$prefix.jsonl" \
        --concurrency "$c" --quiet)
    [[ $mode == stdout ]] || cmd+=" $(q --output "$results")"
    start=$(now)
    if [[ $mode == stdout ]]; then
        eval "$cmd" >"$results" || die "batch provision at concurrency $c ($mode) failed"
    else
        eval "$cmd" >/dev/null || die "batch provision at concurrency $c ($mode) failed"
    fi
    end=$(now)
    ok=$(grep -c '"outcome":"ok"' "$results" || true)
    ((ok == n)) || die "batch provision at concurrency $c ($mode): $ok of $n sites ok"
    printf '%s\n' "$(calc "$end - $start")" >>"$TMP/batch.$c.$mode"
    rm -f "$TMP/$prefix.jsonl" "$results"
}
# batch_warm CONCURRENCY RUN: an untimed batch of 8 sites per worker. The
# first batch at a higher concurrency than the last one runs up to 10 %
# slower (the sandbox takes on the new connections), and it would be
# counted against whichever of the two timed runs came first.
batch_warm() {
    local c=$1 prefix="warm-c$1-r$2" n=$((8 * $1 > 50 ? 8 * $1 : 50))
    sites_file "$prefix" "$n"
    eval "$(ours "$SLOW_URL" --no-token-cache batch provision --input "$TMP/$prefix.jsonl" \
        --concurrency "$c" --quiet)" >/dev/null || die "the warm-up batch at concurrency $c failed"
    rm -f "$TMP/$prefix.jsonl"
}
# Every concurrency, with and without a journal, in turns, the order of the
# two swapped from one round to the next: a burst of noise from other users
# of the machine falls on both.
for ((r = 1; r <= BATCH_REPEATS; r++)); do
    for c in "${BATCH_C[@]}"; do
        if ((r % 2)); then modes=(journal stdout); else modes=(stdout journal); fi
        batch_warm "$c" "$r"
        for mode in "${modes[@]}"; do batch_run "$c" "$r" "$mode"; done
    done
done
declare -A B # CONCURRENCY.MODE -> median seconds for ${BATCH_SITES[CONCURRENCY]} sites
for c in "${BATCH_C[@]}"; do
    for mode in journal stdout; do B[$c.$mode]=$(median "$TMP/batch.$c.$mode"); done
done

# The curl loop: one token, then one site after another, as a partner's
# shell script would do it.
# shellcheck disable=SC2016 # $token and $i are expanded by eval
curl_loop() { # FIRST LAST
    local i
    for ((i = $1; i <= $2; i++)); do
        eval "$(curl_provision "$SLOW_URL" '$token' "https://loop-$i.bench.test") --write-out '\n'" \
            >>"$TMP/loop.out" || die "curl failed on site $i"
    done
}
say "curl loop: $CURL_LOOP_PROBE sites first"
start=$(now)
# shellcheck disable=SC2034 # used by curl_loop's eval
token=$(eval "$(curl_token "$SLOW_URL") | jq -r .access_token")
curl_loop 1 "$CURL_LOOP_PROBE"
probe_s=$(calc "$(now) - $start")
projected_s=$(calc "$probe_s * $SITES / $CURL_LOOP_PROBE")
if holds "$projected_s <= $CURL_LOOP_MAX_S"; then
    say "curl loop: the other $((SITES - CURL_LOOP_PROBE)) sites (about $(fmt %.0f "$projected_s") s in all)"
    curl_loop $((CURL_LOOP_PROBE + 1)) "$SITES"
    loop_s=$(calc "$(now) - $start")
    loop_sites=$SITES
    loop_note="timed once"
else
    loop_s=$probe_s
    loop_sites=$CURL_LOOP_PROBE
    loop_note="$CURL_LOOP_PROBE sites timed once and scaled: all $SITES would take about $(fmt %.0f "$projected_s") s"
fi
loop_ok=$(grep -c '"success":true' "$TMP/loop.out" || true)
((loop_ok == loop_sites)) || die "curl loop: $loop_ok of $loop_sites sites ok"
loop_rate=$(calc "$loop_sites / $loop_s")

# What one synced journal line costs on the file system of the output: each
# site's started record waits for about one sync (shared by the workers
# waiting at the same time) before its request goes out.
sync_ms=""
if have python3; then
    sync_ms=$(python3 - "$TMP/sync-probe" <<'PY'
import os, statistics, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
times = []
for _ in range(500):
    start = time.perf_counter()
    os.write(fd, b'{"line":1,"site":"x.bench.test","outcome":"started"}\n')
    os.fdatasync(fd)
    times.append(time.perf_counter() - start)
print("%.3f" % (statistics.median(times) * 1000))
PY
    )
fi

# ---- instructions -------------------------------------------------------------

# Instructions executed per command, counted by callgrind: unlike wall time
# they hardly move with the machine's noise, so two runs can be compared.
# Counted on the binaries measured above (ours is the stripped release
# binary: a count needs no symbols). The commands whose token comes from a
# cache (ours) or is given (curl) make one request each.
declare -A CG_CMD # name -> command line
declare -A CG     # name -> median instructions
CG_NAMES=()
cg() {
    CG_NAMES+=("$1")
    CG_CMD[$1]=$2
}
HAVE_VALGRIND=0
CG_KEEP='' # JP_CALLGRIND_DIR: where the callgrind.out files are kept
if [[ -n ${JP_CALLGRIND_DIR:-} ]]; then
    CG_KEEP=$(cd "$ORIG_PWD" && mkdir -p "$JP_CALLGRIND_DIR" && realpath "$JP_CALLGRIND_DIR")
fi
if have valgrind; then
    HAVE_VALGRIND=1
    cg ours_token "${CMD[ours_token]}"
    cg curl_token "${CMD[curl_token]}"
    if [[ -n $TLS_URL ]]; then
        cg ours_tls "${CMD[ours_tls]}"
        cg curl_tls "${CMD[curl_tls]}"
    fi
    cg ours_status "$(ours "$URL" --token-cache "$TMP/token-cache" status --site "$SITE")"
    cg curl_status "$(q curl -q -sS --url "$URL/rest/v1.4/jpphp/${SITE#https://}/status" \
        --header "Authorization: Bearer $TOKEN")"
    cg ours_provision "${CMD[ours_provision]}"
    cg curl_provision "${MEM[curl_provision]}"
    for ((i = 1; i <= CALLGRIND_RUNS; i++)); do
        say "instructions under callgrind, round $i/$CALLGRIND_RUNS: ${CG_NAMES[*]}"
        for name in "${CG_NAMES[@]}"; do
            out="$TMP/callgrind.$name.$i"
            eval "valgrind --tool=callgrind -q --callgrind-out-file=$(q "$out") ${CG_CMD[$name]}" \
                >"$TMP/callgrind.stdout" 2>"$TMP/callgrind.stderr" || {
                cat "$TMP/callgrind.stderr" >&2
                die "$name failed under callgrind"
            }
            grep -q '"success":true\|"products"\|access_token\|^[0-9a-f]\{16,\}$' "$TMP/callgrind.stdout" ||
                die "$name answered something unexpected under callgrind: $(head -c 300 "$TMP/callgrind.stdout")"
            awk '/^summary:/ { print $2 }' "$out" >>"$TMP/instructions.$name"
            [[ -z $CG_KEEP ]] || cp "$out" "$CG_KEEP/callgrind.out.$name.$i"
        done
    done
    for name in "${CG_NAMES[@]}"; do CG[$name]=$(median "$TMP/instructions.$name"); done
else
    say "valgrind not found (Debian: apt-get install valgrind): instructions are not counted"
fi

# ---- size on disk -----------------------------------------------------------

# closure FILE...: each file and every shared library ldd says it loads, as
# real paths (symlinks followed), each once.
closure() {
    local f
    for f in "$@"; do
        readlink -f "$f"
        # A static file: ldd says "not a dynamic executable" and fails.
        { ldd "$f" 2>/dev/null || true; } | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
            while IFS= read -r lib; do readlink -f "$lib"; done
    done | sort -u
}
bytes() { # sum of the sizes of the files listed on stdin
    local f total=0
    while IFS= read -r f; do total=$((total + $(stat -L -c %s "$f"))); done
    echo "$total"
}
if ((HAVE_LDD)); then
    size_ours=$(closure "$CLIENT" | bytes)
    libs_ours=$(($(closure "$CLIENT" | wc -l) - 1))
    size_curl=$(closure "$(command -v curl)" | bytes)
    libs_curl=$(($(closure "$(command -v curl)" | wc -l) - 1))
    size_curl_jq=$(closure "$(command -v curl)" "$(command -v jq)" | bytes)
    libs_curl_jq=$(($(closure "$(command -v curl)" "$(command -v jq)" | wc -l) - 2))
fi

# ---- the table --------------------------------------------------------------

ROWS=()
row() { # CELLS...: one table row
    local line='|' cell
    for cell in "$@"; do line+=" $cell |"; done
    ROWS+=("$line")
}
na() { echo "n/a"; }

n_times=$((ROUNDS * RUNS))
r1=$(calc "${T[ours_token]} / ${T[curl_token]}")
row 1 "token vs curl: wall time, median of $n_times" "$(ms "${T[ours_token]}")" "$(ms "${T[curl_token]}") (curl)" \
    "$(ratio "$r1")" "≤ 0.10x" "$(verdict "$r1 <= 0.10")"
floor=$(calc "${T[ours_version]} + $SANDBOX_ANSWER_S")
row 1 "token's floor: the program with no request (--version) + the sandbox's answer to a raw client, median of $n_times and of 300" \
    "$(ms2 "${T[ours_version]}") + $(ms2 "$SANDBOX_ANSWER_S") = $(ms2 "$floor")" "$(ms "${T[curl_token]}") (curl)" \
    "$(ratio "$(calc "$floor / ${T[curl_token]}")")" "—" "info"
if ((HAVE_TIME)); then
    m1=$(calc "${M[ours_token]} / ${M[curl_token]}")
    row 1 "token vs curl: peak RSS, median of $MEM_RUNS" "$(mib "${M[ours_token]}")" "$(mib "${M[curl_token]}") (curl)" \
        "$(ratio "$m1")" "≤ 0.25x" "$(verdict "$m1 <= 0.25")"
else
    row 1 "token vs curl: peak RSS" "$(na)" "$(na)" "$(na)" "≤ 0.25x" "not measured"
fi

r2=$(calc "${T[ours_token]} / ${T[curl_jq]}")
row 2 "token vs curl \| jq: wall time, median of $n_times" "$(ms "${T[ours_token]}")" "$(ms "${T[curl_jq]}") (sh -c 'curl \| jq'; jq alone: $(ms "${T[jq_alone]}"))" \
    "$(ratio "$r2")" "—" "info"
if ((HAVE_TIME)); then
    curl_jq_kib=$(calc "${M[curl_token]} + ${M[jq]}")
    row 2 "token vs curl \| jq: peak RSS, median of $MEM_RUNS" "$(mib "${M[ours_token]}")" \
        "$(mib "$curl_jq_kib") (curl + jq, summed)" "$(ratio "$(calc "${M[ours_token]} / $curl_jq_kib")")" "—" "info"
fi

r3=$(calc "${T[curl_pair]} / ${T[ours_provision]}")
row 3 "provision with a cached token vs curl token \| jq + provision: wall time, median of $n_times" "$(ms "${T[ours_provision]}") (1 request)" \
    "$(ms "${T[curl_pair]}") (token \| jq, then provision)" "$(fmt '%.1fx faster' "$r3")" "≥ 3x faster" \
    "$(verdict "$r3 >= 3")"
if ((HAVE_TIME)); then
    pair_kib=$(calc "(${M[curl_token]} + ${M[jq]}) > ${M[curl_provision]} ? ${M[curl_token]} + ${M[jq]} : ${M[curl_provision]}")
    row 3 "provision with a cached token vs curl token \| jq + provision: peak RSS, median of $MEM_RUNS" "$(mib "${M[ours_provision]}")" \
        "$(mib "$pair_kib") (curl + jq, summed)" "$(ratio "$(calc "${M[ours_provision]} / $pair_kib")")" "—" "info"
fi

# bound C: the most sites a second at concurrency C, and how it is set.
bound() {
    local c=$1 client server
    client=$(calc "$c * 1000 / $LATENCY_MS")
    server=$(calc "($c < $SANDBOX_WORKERS ? $c : $SANDBOX_WORKERS) * 1000 / $LATENCY_MS")
    BOUND=$server
    if holds "$client > $server"; then
        BOUND_SHOWN="bound $(fmt %.0f "$server")/s (sandbox: $SANDBOX_WORKERS workers; client: $(fmt %.0f "$client")/s)"
    else
        BOUND_SHOWN="bound $(fmt %.0f "$server")/s"
    fi
}
for c in "${BATCH_C[@]}"; do
    n=${BATCH_SITES[$c]}
    rate=$(calc "$n / ${B[$c.journal]}")
    bound "$c"
    pct=$(calc "100 * $rate / $BOUND")
    if [[ $c == 32 ]]; then
        target="≥ 90% of bound"
        result=$(verdict "$pct >= 90")
    else
        target="—"
        result=info
    fi
    row 4 "batch provision vs a curl loop: $n sites, $LATENCY_MS ms latency, concurrency $c (journal; median of $BATCH_REPEATS runs)" \
        "$(fmt %.0f "$rate") sites/s = $(fmt %.0f "$pct")% of $BOUND_SHOWN" \
        "$(fmt %.1f "$loop_rate") sites/s (curl loop, one token; $loop_note)" \
        "$(fmt '%.1fx faster' "$(calc "$rate / $loop_rate")")" "$target" "$result"
done
if [[ -n $sync_ms ]]; then
    row 4 "one journal line written and synced (append + fdatasync) in the output's directory, median of 500" \
        "$sync_ms ms: about what a started record waits before its request; workers waiting at once share one sync" \
        "—" "—" "—" "info"
fi
for c in "${BATCH_C[@]}"; do
    n=${BATCH_SITES[$c]}
    with=$(calc "$n / ${B[$c.journal]}")
    without=$(calc "$n / ${B[$c.stdout]}")
    bound "$c"
    share=$(calc "$with / $without")
    if [[ $c == 32 ]]; then
        target="≥ 0.97x"
        result=$(verdict "$share >= 0.97")
    else
        target="—"
        result=info
    fi
    row 4 "batch provision with a journal vs without: $n sites, $LATENCY_MS ms latency, concurrency $c (median of $BATCH_REPEATS runs each, in turns)" \
        "$(fmt %.0f "$with") sites/s = $(fmt %.0f "$(calc "100 * $with / $BOUND")")% of $BOUND_SHOWN (--output: journal, synced)" \
        "$(fmt %.0f "$without") sites/s = $(fmt %.0f "$(calc "100 * $without / $BOUND")")% of bound (results to stdout: no journal, no sync)" \
        "$(ratio "$share")" "$target" "$result"
done

if ((HAVE_LDD)); then
    if ((libs_ours)); then
        ours_size_cell="$(size "$size_ours") (the binary + $libs_ours shared libraries)"
    else
        ours_size_cell="$(size "$size_ours") (static: the binary alone)"
    fi
    row 5 "size on disk vs curl" "$ours_size_cell" "$(size "$size_curl") (curl + $libs_curl shared libraries)" \
        "$(ratio "$(calc "$size_ours / $size_curl")")" "—" "info"
    row 5 "size on disk vs curl + jq" "$ours_size_cell" "$(size "$size_curl_jq") (curl + jq + $libs_curl_jq shared libraries, each once)" \
        "$(ratio "$(calc "$size_ours / $size_curl_jq")")" "—" "info"
fi

if [[ -n $TLS_URL ]]; then
    row 6 "token over TLS vs curl --cacert: wall time, median of $n_times" "$(ms "${T[ours_tls]}") (--ca-file)" \
        "$(ms "${T[curl_tls]}") (curl --cacert)" "$(ratio "$(calc "${T[ours_tls]} / ${T[curl_tls]}")")" "≤ 0.20x" \
        "$(verdict "$(calc "${T[ours_tls]} / ${T[curl_tls]}") <= 0.20")"
    if ((HAVE_TIME)); then
        row 6 "token over TLS vs curl --cacert: peak RSS, median of $MEM_RUNS" "$(mib "${M[ours_tls]}")" "$(mib "${M[curl_tls]}") (curl)" \
            "$(ratio "$(calc "${M[ours_tls]} / ${M[curl_tls]}")")" "—" "info"
    fi
else
    row 6 "token over TLS vs curl --cacert" "$(na)" "$(na)" "$(na)" "—" "skipped: no openssl"
fi

if ((HAVE_VALGRIND)); then
    minstr() { fmt '%.2f M instructions' "$(calc "$1 / 1000000")"; }
    cg_row() { # OURS CURL WHAT [NOTE]
        row 7 "instructions (callgrind), $3: median of $CALLGRIND_RUNS" "$(minstr "${CG[$1]}")${4:+ ($4)}" \
            "$(minstr "${CG[$2]}") (curl)" "$(ratio "$(calc "${CG[$1]} / ${CG[$2]}")")" "—" "info"
    }
    cg_row ours_token curl_token "token"
    [[ -z $TLS_URL ]] || cg_row ours_tls curl_tls "token over TLS" "--ca-file; curl --cacert"
    cg_row ours_status curl_status "status" "cached token; curl given the token"
    cg_row ours_provision curl_provision "provision" "cached token; curl given the token"
else
    row 7 "instructions (callgrind)" "$(na)" "$(na)" "$(na)" "—" "skipped: no valgrind"
fi

HOW="bash bench/run.sh"
[[ -n ${JP_BIN:-} ]] && HOW="JP_BIN=$(q "$JP_BIN") $HOW"
[[ ${JP_BENCH_TIMER:-} == python ]] && HOW="JP_BENCH_TIMER=python $HOW"
{
    echo "Benchmark of jetpack-partner against curl (and curl | jq), $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo
    echo "- machine: nproc $(nproc), $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || uname -m)"
    echo "- client measured: $CLIENT_SHOWN ($CLIENT_LINK; $CLIENT_HOW)"
    echo "- baseline: $(curl --version | awk 'NR == 1 { print $1, $2 }'), $(jq --version)"
    echo "- timer: $TIMER_DESC; $ROUNDS rounds of $WARMUP warm-up + $RUNS timed runs per command"
    echo "- command: \`$HOW\`"
    echo
    echo "| # | measure | jetpack-partner | baseline | ratio | target | |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "Ratios are ours ÷ baseline (lower is better), except \"faster\": baseline time ÷ ours, and"
    echo "\"with a journal vs without\": the rate with ÷ the rate without (higher is better)."
    echo "Targets are information only; a MISS does not fail the script."
} >"$TMP/report.md"

# Show the commands without this run's temporary paths and ports.
shown() {
    local s=$1
    [[ $CLIENT_SHOWN != "$CLIENT" ]] && s=${s//"$CLIENT"/$CLIENT_SHOWN}
    s=${s//"$TMP"/\$TMP}
    s=${s//"$URL"/http://127.0.0.1:PORT}
    s=${s//"$SLOW_URL"/http://127.0.0.1:PORT}
    s=${s//"$TOKEN"/TOKEN}
    [[ -n $TLS_URL ]] && s=${s//"$TLS_URL"/https://localhost:PORT}
    printf '%s' "$s"
}
{
    cat "$TMP/report.md"
    echo
    echo "Commands measured (\$TMP is the run's temporary directory; the secret file is 0600):"
    echo
    echo '```sh'
    for name in "${TIMED[@]}"; do echo "# $name"; shown "${CMD[$name]}"; echo; done
    echo "# batch (concurrency ${BATCH_C[*]}; a fresh input each run, of"
    echo "# $(for c in "${BATCH_C[@]}"; do printf '%s sites at %s, ' "${BATCH_SITES[$c]}" "$c"; done | sed 's/, $//');"
    echo "# the runs without a journal leave out --output and send stdout to a file)"
    shown "$(ours "$SLOW_URL" --no-token-cache batch provision --input "$TMP/SITES.jsonl" \
        --output "$TMP/RESULTS.jsonl" --concurrency 32 --quiet)"
    echo
    echo "# curl loop (the token once, then each site; no jq per site)"
    echo "token=\$($(shown "$(curl_token "$SLOW_URL")") | jq -r .access_token)"
    # shellcheck disable=SC2016 # shown as a partner would write it
    printf 'for i in $(seq %s); do %s --write-out %s; done\n' "$SITES" \
        "$(shown "$(curl_provision "$SLOW_URL" '$token' 'https://loop-$i.bench.test')")" "'\\n'"
    if ((HAVE_VALGRIND)); then
        echo "# instructions: each command below under"
        echo "# valgrind --tool=callgrind -q --callgrind-out-file=FILE COMMAND"
        for name in "${CG_NAMES[@]}"; do echo "# $name"; shown "${CG_CMD[$name]}"; echo; done
    fi
    echo '```'
} >"$TMP/results.md"
cp "$TMP/results.md" bench/results.md
chmod 644 bench/results.md

cat "$TMP/report.md"
echo
echo "(bench/results.md also lists the exact commands measured.)"
