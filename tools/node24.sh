#!/usr/bin/env bash
# Prints the bin directory of Node.js 24 LTS, the runtime the container image ships (Dockerfile
# NODE_IMAGE), so CI and benchmarks can run Gatehouse on it where the machine has another Node.
# The build comes from the npm registry (package node-linux-<arch>, npm checks its integrity)
# into .gatehouse/node-<version>/ on first use; later calls reuse it.
#   PATH="$(bash tools/node24.sh):$PATH" npm test
set -euo pipefail
cd "$(dirname "$0")/.."

version="${GATEHOUSE_NODE24_VERSION:-24.21.0}"
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *)
    echo "tools/node24.sh: no Node.js build for $(uname -m); install Node 24 and put it on PATH" >&2
    exit 1
    ;;
esac
dir=".gatehouse/node-${version}-${arch}"
if [ ! -x "$dir/bin/node" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  echo "tools/node24.sh: fetching node-linux-${arch}@${version} from the npm registry" >&2
  (cd "$tmp" && npm pack --silent "node-linux-${arch}@${version}" >/dev/null)
  tar -xzf "$tmp"/node-linux-*.tgz -C "$tmp"
  "$tmp/package/bin/node" --version >/dev/null
  mkdir -p .gatehouse
  rm -rf "$dir"
  mv "$tmp/package" "$dir"
fi
echo "$(pwd)/$dir/bin"
