#!/usr/bin/env bash
# Builds the C clients (and the C++ Arrow stream client) with AddressSanitizer + UndefinedBehaviorSanitizer
# (LeakSanitizer included) against libtruexp and runs them; any report fails.
#   ffi/sanitize.sh            (debug library; PROFILE=release for the release one)
# Falls back to valgrind when LeakSanitizer cannot run here (e.g. no ptrace).
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
data="$root/examples/data/demo.jsonl"

cflags=(-std=c99 -Wall -Wextra -Wpedantic -Werror -g -O1
        -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:exitcode=23"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=23"
export LSAN_OPTIONS="exitcode=23"

build() { # name source extra-flags...
    local name="$1" src="$2"
    shift 2
    gcc "${cflags[@]}" -I "$root/include" "$src" -o "$out/$name" \
        -L "$lib" -ltruexp -Wl,-rpath,"$lib" "$@"
}
build demo examples/c/demo.c
build typed examples/c/typed.c
build threads examples/c/threads.c -pthread
build threads16 examples/c/threads16.c -pthread
build price_protect examples/c/price_protect.c
build snapshot examples/c/snapshot.c
build what_if examples/c/what_if.c
# the C++ client that hands over a hand-built Arrow C stream
g++ -std=c++17 -Wall -Wextra -Wpedantic -Werror -g -O1 \
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
    -I "$root/include" examples/cpp/arrow_stream.cpp -o "$out/arrow_stream" \
    -L "$lib" -ltruexp -Wl,-rpath,"$lib"

# Does LeakSanitizer work on this machine? (It needs ptrace; some containers forbid it.)
leak_probe="$out/leak_probe"
printf '#include <stdlib.h>\nint main(void){ void *p = malloc(7); p = 0; return p != 0; }\n' \
    | gcc -x c - -fsanitize=address -g -o "$leak_probe"
lsan_ok=1
if "$leak_probe" >/dev/null 2>"$out/leak_probe.log"; then
    lsan_ok=0 # the leak went unnoticed
elif ! grep -q "LeakSanitizer: detected memory leaks" "$out/leak_probe.log"; then
    lsan_ok=0 # LSan itself failed
fi

failed=0
run() { # name args...
    local name="$1"
    shift
    local log="$out/$name.log"
    if "$out/$name" "$@" >"$out/$name.stdout" 2>"$log" && ! grep -qE "runtime error|Sanitizer" "$log"; then
        echo "sanitize: $name clean"
    else
        echo "sanitize: $name FAILED" >&2
        cat "$log" >&2
        failed=1
    fi
}
run demo "$data" 3
run typed
run threads "$data"
run threads16 "$data"
run price_protect "$data"
head -n 3000 "$data" >"$out/snapshot-a.jsonl"
sed -n '3001,6000p' "$data" >"$out/snapshot-b.jsonl"
mkdir -p "$out/snapshot-files"
run snapshot "$out/snapshot-a.jsonl" "$out/snapshot-b.jsonl" "$out/snapshot-files"
printf '{"changes":[]}' >"$out/what_if.json"
run what_if "$data" s1 "$out/what_if.json"
run arrow_stream

if [ "$lsan_ok" = 0 ]; then
    echo "sanitize: LeakSanitizer unavailable here; checking leaks with valgrind"
    g++ -std=c++17 -g -I "$root/include" examples/cpp/arrow_stream.cpp \
        -o "$out/arrow_stream.vg" -L "$lib" -ltruexp -Wl,-rpath,"$lib"
    for prog in typed price_protect arrow_stream; do
        if [ "$prog" != arrow_stream ]; then
            gcc -std=c99 -g -I "$root/include" "examples/c/$prog.c" -o "$out/$prog.vg" \
                -L "$lib" -ltruexp -Wl,-rpath,"$lib"
        fi
        if ! valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
            "$out/$prog.vg" >/dev/null; then
            echo "sanitize: $prog FAILED under valgrind" >&2
            failed=1
        fi
    done
fi

if [ "$failed" != 0 ]; then
    echo "sanitize: failures" >&2
    exit 1
fi
echo "sanitize: all C clients clean (ASan+UBSan$([ "$lsan_ok" = 1 ] && echo +LSan))"
