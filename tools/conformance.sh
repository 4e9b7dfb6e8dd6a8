#!/usr/bin/env bash
# Prints the path of the official MCP conformance suite's CLI (@modelcontextprotocol/conformance),
# installed with npm (integrity-checked, exact version) into .gatehouse/conformance-<version>/ on
# first use and run with Node 24 (tools/node24.sh): the suite needs Node >= 22.
#   "$(bash tools/node24.sh)/node" "$(bash tools/conformance.sh)" server --url ... --scenario ...
set -euo pipefail
cd "$(dirname "$0")/.."

version="${GATEHOUSE_CONFORMANCE_VERSION:-0.2.0-alpha.12}"
node_bin="$(bash tools/node24.sh)"
dir=".gatehouse/conformance-${version}"
cli="$dir/node_modules/@modelcontextprotocol/conformance/dist/index.js"
if [ ! -f "$cli" ]; then
  echo "tools/conformance.sh: installing @modelcontextprotocol/conformance@${version}" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  echo '{ "name": "gatehouse-conformance", "private": true }' >"$dir/package.json"
  (cd "$dir" && PATH="$node_bin:$PATH" npm install --silent --no-audit --no-fund --save-exact \
    "@modelcontextprotocol/conformance@${version}" >&2)
fi
echo "$(pwd)/$cli"
