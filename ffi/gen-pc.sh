#!/usr/bin/env bash
# Writes truexp.pc for an installation to stdout.
#   ffi/gen-pc.sh PREFIX [LIBDIR] [INCLUDEDIR]   (defaults: PREFIX/lib, PREFIX/include)
# Example: ffi/gen-pc.sh /usr/local > /usr/local/lib/pkgconfig/truexp.pc
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${1:?usage: gen-pc.sh PREFIX [LIBDIR] [INCLUDEDIR]}"
libdir="${2:-$prefix/lib}"
includedir="${3:-$prefix/include}"
version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' "$here/../Cargo.toml")"
sed -e "s|@PREFIX@|$prefix|" -e "s|@LIBDIR@|$libdir|" -e "s|@INCLUDEDIR@|$includedir|" \
    -e "s|@VERSION@|$version|" "$here/truexp.pc.in"
