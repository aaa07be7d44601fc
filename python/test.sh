#!/usr/bin/env bash
# Builds the truexp wheel (maturin, abi3) into a venv and runs the Python test
# suite against the Rust CLI's answers. Creates python/.venv from PyPI
# (python/requirements-test.txt) on first use or when the requirements change.
# Run by scripts/test; needs python3 with venv, cargo and a C compiler.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=python/.venv
# python/ is its own cargo workspace; share the root's target directory
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

echo "== python: rustfmt and clippy of the PyO3 crate"
cargo fmt --manifest-path python/Cargo.toml -- --check
cargo clippy -q --manifest-path python/Cargo.toml --all-targets -- -D warnings

if ! "$venv/bin/python" -c 'import maturin, pytest, pyarrow, polars, duckdb' 2>/dev/null \
   || ! cmp -s python/requirements-test.txt "$venv/.requirements"; then
  echo "== python: creating $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r python/requirements-test.txt
  cp python/requirements-test.txt "$venv/.requirements"
fi

echo "== python: building the wheel (maturin build --release)"
wheels="$CARGO_TARGET_DIR/wheels"
rm -f "$wheels"/truexp-*.whl
"$venv/bin/maturin" build --release --quiet -m python/Cargo.toml --out "$wheels"
wheel=$(ls "$wheels"/truexp-*.whl)
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$wheel"

echo "== python: the CLI and plugins the tests compare with"
cargo build --release -q -p truexp-cli
plugins=$(mktemp -d)
trap 'rm -rf "$plugins"' EXIT
plugins/build.sh "$plugins" >/dev/null

echo "== python: pytest"
# run from outside the source tree so `import truexp` is the installed wheel
cd "$plugins"
status=0
TRUEXP_ROOT="$root" TRUEXP_BIN="$CARGO_TARGET_DIR/release/truexp" TRUEXP_PLUGINS="$plugins" \
  "$root/$venv/bin/python" -m pytest -q -p no:cacheprovider "$root/python/tests" || status=$?
if [ "$status" -ne 0 ]; then
  echo "python tests failed (pytest exit code $status)" >&2
  exit "$status"
fi
