#!/usr/bin/env bash
# Runs the vitest suite (the last step of `npm test`) under another Node major version, e.g.
#   scripts/test-on-node.sh 24 [vitest args...]
# after `npm ci` (under the Node on PATH). Ends with vitest-summary's `N passed, N failed` line.
#
# - Node itself comes from the npm package `node-linux-<arch>@<major>`, installed once into
#   ~/.cache/issue-agent/node<major> (NODE_CACHE moves it): no other download site is needed.
# - better-sqlite3 is a native module built for one Node ABI: it is compiled once more for this
#   Node (node-gyp, with the headers that package ships; about 2 minutes) and cached by its version
#   and the ABI. Every other package is shared with the checkout's node_modules.
# - The tests run in a temporary copy of the checkout whose node_modules links to the checkout's
#   packages, except better-sqlite3, so the checkout itself is left as it is.
set -euo pipefail

major=${1:?usage: scripts/test-on-node.sh <node major version> [vitest args...]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${NODE_CACHE:-$HOME/.cache/issue-agent/node$major}

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "test-on-node: no npm package of Node for $(uname -m)" >&2; exit 1 ;;
esac
[ -d "$root/node_modules/better-sqlite3" ] || { echo "test-on-node: run npm ci first" >&2; exit 1; }

# 1. Node <major>, from npm.
nodepkg="$cache/runtime/node_modules/node-linux-$arch"
if [ ! -x "$nodepkg/bin/node" ]; then
  echo "test-on-node: installing node-linux-$arch@$major into $cache/runtime ..." >&2
  mkdir -p "$cache/runtime"
  npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$cache/runtime" "node-linux-$arch@$major" >&2
fi
nodebin="$nodepkg/bin"
abi=$("$nodebin/node" -p process.versions.modules)
echo "test-on-node: $("$nodebin/node" --version) (ABI $abi)" >&2

# 2. better-sqlite3 compiled for that Node, once per (version, ABI).
bsver=$(node -p "require('$root/node_modules/better-sqlite3/package.json').version")
built="$cache/better-sqlite3-$bsver-abi$abi"
if [ ! -f "$built/build/Release/better_sqlite3.node" ]; then
  gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
  [ -f "$gyp" ] || { echo "test-on-node: npm's node-gyp not found at $gyp" >&2; exit 1; }
  echo "test-on-node: compiling better-sqlite3 $bsver for ABI $abi (once) ..." >&2
  rm -rf "$built.tmp"
  mkdir -p "$built.tmp"
  (cd "$root/node_modules/better-sqlite3" && tar --exclude=./build -cf - .) | tar -xf - -C "$built.tmp"
  start=$(date +%s)
  (cd "$built.tmp" && PATH="$nodebin:$PATH" node "$gyp" rebuild --release --nodedir="$nodepkg" -j "$(nproc)" >build.log 2>&1) ||
    { tail -n 30 "$built.tmp/build.log" >&2; exit 1; }
  # The object files are not needed to load the module.
  rm -rf "$built.tmp/build/Release/obj" "$built.tmp/build/Release/obj.target" "$built.tmp/build/Release/.deps"
  rm -rf "$built" && mv "$built.tmp" "$built"
  echo "test-on-node: compiled in $(($(date +%s) - start)) s" >&2
fi

# 3. A copy of the checkout that uses them.
work=$(mktemp -d "${TMPDIR:-/tmp}/issue-agent-node$major.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$root" && tar --exclude=./node_modules --exclude=./.git -cf - .) | tar -xf - -C "$work"
mkdir "$work/node_modules"
for entry in "$root"/node_modules/* "$root"/node_modules/.bin; do
  case "$(basename "$entry")" in
    better-sqlite3) cp -r "$built" "$work/node_modules/better-sqlite3" ;;
    *) ln -s "$entry" "$work/node_modules/" ;;
  esac
done
[ -f "$work/node_modules/better-sqlite3/build/Release/better_sqlite3.node" ]

cd "$work"
PATH="$nodebin:$PATH" node scripts/vitest-summary.mjs "$@"
