#!/bin/sh
# Builds flowdesk for release and assembles dist/flowdesk/: the executable, the resource
# bundles it reads at run time (the HTTP API's OpenAPI document and help-center templates),
# and the help content and catalogs (content/ and locales/). The folder runs where it is
# copied to; nothing is read from the source tree or the build folder.
#
#   scripts/package-release.sh [swift build options]
#
# Options are passed to `swift build`, such as --scratch-path .build-release or -j 1.
# On Linux the Swift runtime is linked in (--static-swift-stdlib), so the machine that runs
# the release needs no Swift toolchain, only the C libraries `ldd dist/flowdesk/flowdesk` lists.
# (Linking the static Foundation prints a linker warning about mktemp in Foundation's own code.)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

static=""
if [ "$(uname -s)" = Linux ]; then static="--static-swift-stdlib"; fi

# shellcheck disable=SC2086 # $static is one option or none
swift build -c release --product flowdesk $static "$@"
# shellcheck disable=SC2086
bin=$(swift build -c release $static "$@" --show-bin-path)

out="$root/dist/flowdesk"
rm -rf "$out"
mkdir -p "$out"
cp "$bin/flowdesk" "$out/"
# The resource bundles the executable loads: SwiftPM names them <package>_<target>.resources
# (Linux) or .bundle (macOS), looks for them beside the executable, and writes each name into
# the executable it links. A bundle whose name is not in it (a test target's, a dependency's
# that is never read, one left by an older build) is not shipped.
for bundle in "$bin"/*.resources "$bin"/*.bundle; do
  [ -d "$bundle" ] || continue
  if grep -a -q -F "$(basename "$bundle")" "$bin/flowdesk"; then cp -R "$bundle" "$out/"; fi
done
cp -R content locales "$out/"

echo "dist/flowdesk:"
ls -1 "$out"
