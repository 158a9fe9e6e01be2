#!/usr/bin/env bash
# Fetches uPlot from the npm registry into loadgen/live/vendor/uplot/ (the live view's charts):
# the minified IIFE build, its CSS and its licence, and prints the tarball's SHA-256 to record in
# the folder's README. Without a VERSION argument, the version the README names.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST="$ROOT/loadgen/live/vendor/uplot"
VERSION=${1:-$(sed -nE '1s/^# uPlot ([0-9.]+).*/\1/p' "$DEST/README.md")}
command -v npm >/dev/null || { echo "vendor-uplot: npm is needed (apt-get install npm)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "uplot@$VERSION" >/dev/null && tar xzf "uplot-$VERSION.tgz")
cp "$tmp/package/dist/uPlot.iife.min.js" "$tmp/package/dist/uPlot.min.css" "$tmp/package/LICENSE" "$DEST/"
echo "vendor-uplot: uplot@$VERSION into $DEST; tarball sha256 $(sha256sum "$tmp/uplot-$VERSION.tgz" | cut -d' ' -f1)"
