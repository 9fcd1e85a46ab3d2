#!/usr/bin/env bash
# Runs Schemathesis (pinned in requirements-schemathesis.txt) with its default checks against a
# freshly seeded reference-server, driven by the OpenAPI document the server serves
# (/api/v1/openapi.json = openapi.yaml read from disk). Check tuning lives in schemathesis.toml
# beside this script, each setting justified there.
#
#   bash reference-server/scripts/schemathesis.sh [extra `st run` options...]
#
# Deterministic: fixed --seed, bounded --max-examples, one worker. The venv lives in
# ${TMPDIR:-/tmp}/specgate-st-venv and is created on first use (needs PyPI access once). Exits with
# Schemathesis's exit code; the server is killed on exit whatever happens.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
server_dir="$(cd "$here/.." && pwd)"
repo_root="$(cd "$server_dir/.." && pwd)"
venv="${TMPDIR:-/tmp}/specgate-st-venv"
max_examples="${ST_MAX_EXAMPLES:-20}"
seed="${ST_SEED:-42}"

started=$(date +%s)

want="$(sed -n 's/^schemathesis==//p' "$here/requirements-schemathesis.txt")"
if [ ! -x "$venv/bin/st" ] || [ "$("$venv/bin/st" --version 2>/dev/null)" != "st, version $want" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements-schemathesis.txt"
fi

(cd "$repo_root" && cargo build --quiet -p reference-server)
target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
case "$target_dir" in /*) ;; *) target_dir="$repo_root/$target_dir" ;; esac
bin="$target_dir/debug/reference-server"

work="$(mktemp -d "${TMPDIR:-/tmp}/specgate-st.XXXXXX")"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# A free loopback port: bind port 0, read what the kernel picked, release it.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
base="http://127.0.0.1:$port"

"$bin" serve --addr "127.0.0.1:$port" --docs-dir "$server_dir" --seed-out "$work/specgate.toml" \
    >"$work/server.log" 2>&1 &
server_pid=$!

live() {
    "$venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
        "$base/health/live" 2>/dev/null
}
# Ready once /health/live answers and the seed file is complete: the server writes it after its
# listener is up and then logs "tokens written to <path>".
ready=""
for _ in $(seq 1 300); do
    if live && grep -q '^tokens written to ' "$work/server.log"; then
        ready=1
        break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
if [ -z "$ready" ]; then
    echo "schemathesis.sh: reference-server did not come up on $base:" >&2
    cat "$work/server.log" >&2
    exit 1
fi

full_token="$("$venv/bin/python" - "$work/specgate.toml" <<'PY'
import re
import sys

text = open(sys.argv[1], encoding="utf-8").read()
try:
    import tomllib  # Python >= 3.11
    print(tomllib.loads(text)["tokens"]["full"]["token"])
except ImportError:
    print(re.search(r'^\[tokens\.full\]\n(?:#.*\n)*token = "([^"]+)"', text, re.M).group(1))
PY
)"

# Excluded operation: deleteToken. Schemathesis learns the `full` token's own id from GET /token
# and then calls DELETE /tokens/{id} with it, revoking the very credential the rest of the run
# uses (every later request is a 401). Token revocation is covered by reference-server's tests.
# The health operations stay in: this Schemathesis version honours their path-level
# `servers: [{url: /}]` and calls /health, /health/live and /health/ready at the host root.
set +e
# Hypothesis keeps scratch data in ./.hypothesis unless told otherwise: keep the caller's tree clean.
HYPOTHESIS_STORAGE_DIRECTORY="$work/hypothesis" \
"$venv/bin/st" --config-file "$here/schemathesis.toml" run "$base/api/v1/openapi.json" \
    --header "Authorization: Bearer $full_token" \
    --exclude-operation-id deleteToken \
    --seed "$seed" \
    --max-examples "$max_examples" \
    --workers 1 \
    --no-color \
    "$@"
status=$?
set -e

# Safety net for schemathesis.toml's webhook URL override: the server delivers events to every
# registered webhook, so a run must never register one outside loopback.
if ! "$venv/bin/python" - "$base" "$full_token" <<'PY'
import json
import sys
import urllib.request

base, token = sys.argv[1:3]
url, foreign = "/api/v1/webhooks?cursor=&per_page=500", []
while url:
    req = urllib.request.Request(base + url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        page = json.load(resp)
    foreign += [w["url"] for w in page["data"] if not w["url"].startswith("http://127.0.0.1:")]
    url = page["links"].get("next")
if foreign:
    print(f"schemathesis.sh: webhooks registered outside loopback: {sorted(set(foreign))}", file=sys.stderr)
    sys.exit(1)
PY
then
    status=1
fi

echo "schemathesis.sh: exit $status in $(($(date +%s) - started)) s"
exit "$status"
