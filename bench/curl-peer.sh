#!/bin/sh
# The peer a user reaches for first: one curl process per row, CONCURRENCY at a time (xargs -P).
# usage: curl-peer.sh BODIES.jsonl URL CONCURRENCY
#   BODIES.jsonl  one update_offer JSON body per line (api_key included), as cake-bulk would send them
# Prints one HTTP status per row on stdout. No validation, retry or per-row record beyond that status.
set -eu
bodies=$1
url=$2
concurrency=$3
# -d '\n': one body per line; quotes and backslashes in the JSON are not special to xargs then.
xargs -P "$concurrency" -d '\n' -I '{}' \
  curl -sS -o /dev/null -w '%{http_code}\n' -H 'content-type: application/json' --data-binary '{}' "$url" \
  <"$bodies"
