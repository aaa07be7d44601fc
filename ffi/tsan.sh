#!/usr/bin/env bash
# Builds examples/c/threads16.c (16 threads: a shared handle for queries and
# ingestion, one handle per thread for create/ingest/score/explain/free) with
# ThreadSanitizer against libtruexp and runs it; any TSan report fails.
#   ffi/tsan.sh            (debug library; PROFILE=release for the release one)
#
# Scope: only the C side is instrumented. The Rust library would need
# `-Zsanitizer=thread -Zbuild-std` (nightly with rust-src, which this machine's
# toolchain lacks and cannot download); an uninstrumented std's locks and
# atomics are invisible to TSan, so reports from inside libtruexp are
# suppressed (ffi/tsan.supp) instead of drowning the C side in false positives.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
profile="${PROFILE:-debug}"
if [ "$profile" = release ]; then
    cargo build -q --release -p truexp-ffi
else
    cargo build -q -p truexp-ffi
fi
target="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
lib="$target/$profile"
out="$target/sanitize"
mkdir -p "$out"
gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -g -O1 -fsanitize=thread \
    -I "$root/include" examples/c/threads16.c -o "$out/threads16_tsan" \
    -L "$lib" -ltruexp -Wl,-rpath,"$lib" -pthread
log="$out/threads16_tsan.log"
if TSAN_OPTIONS="suppressions=$root/ffi/tsan.supp halt_on_error=1 exitcode=66" \
    "$out/threads16_tsan" "$root/examples/data/demo.jsonl" >"$out/threads16_tsan.stdout" 2>"$log" \
    && ! grep -q "ThreadSanitizer" "$log"; then
    echo "tsan: threads16 clean ($(cat "$out/threads16_tsan.stdout"))"
else
    echo "tsan: threads16 FAILED" >&2
    cat "$log" >&2
    exit 1
fi
