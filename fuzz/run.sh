#!/usr/bin/env bash
# Runs one fuzz target with the settings docs/fuzzing.md describes: single process on one
# core, niced, bounded input size, the target's dictionary, its seeds, and a corpus of its own
# under fuzz/corpus/ (not committed), seeded from corpus-seeds/ and the committed regressions. A crashing, slow or oversized input lands in
# fuzz/artifacts/<target>/.
#
#   fuzz/run.sh TARGET [SECONDS]      # default 600 s
set -euo pipefail
cd "$(dirname "$0")"
target="${1:?usage: fuzz/run.sh TARGET [SECONDS]}"
secs="${2:-600}"
case "$target" in
  openapi_load | openapi_schema) seeds=openapi; dict=openapi; max_len=16384 ;;
  link_header) seeds=link_header; dict=headers; max_len=1024 ;;
  ratelimit_headers) seeds=ratelimit_headers; dict=headers; max_len=256 ;;
  query) seeds=query; dict=query; max_len=1024 ;;
  *) echo "unknown target '$target'" >&2; exit 2 ;;
esac
mkdir -p "corpus/$target" "regressions/$target"
# New inputs go to the first directory only; seeds and regressions are read, never changed.
exec nice -n 10 cargo +nightly fuzz run "$target" "corpus/$target" "corpus-seeds/$seeds" \
  "regressions/$target" -- \
  -jobs=1 -workers=1 -max_total_time="$secs" -max_len="$max_len" -timeout=10 \
  -rss_limit_mb=2048 -dict="dict/$dict.dict" -print_final_stats=1
