#!/bin/sh
# Builds every bonus plugin (Rust ones with cargo --release, the C one with gcc)
# and copies the shared libraries into one directory an operator can pass to
# truexp_plugin_host::load_dir. Usage: plugins/build.sh OUT_DIR
set -eu
out=${1:?usage: plugins/build.sh OUT_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
cargo build --release --manifest-path "$root/Cargo.toml" \
    -p truexp-plugin-maternity -p truexp-plugin-pet -p truexp-plugin-jewelry
target=${CARGO_TARGET_DIR:-$root/target}
for p in maternity pet jewelry; do
    cp "$target/release/libtruexp_plugin_$p.so" "$out/"
done
gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -O2 -shared -fPIC -fvisibility=hidden \
    -I "$root/include" "$root/plugins/fresh/fresh.c" -o "$out/libfresh.so"
echo "plugins in $out:"
ls "$out"
