#!/usr/bin/env bash
# Fetches the official JSON-Schema test suite (github.com/json-schema-org/JSON-Schema-Test-Suite) as shipped in the
# source distribution of PyPI's `jsonschema` (its `json/` folder), and the draft 2020-12 metaschema and vocabularies
# that some of its tests refer to, from PyPI's `jsonschema-specifications`; both pinned and checksum-checked, into
# `.json-schema-test-suite/` (git-ignored; the metaschemas under `metaschemas/`). `swift test` runs the suite when that folder (or $JSON_SCHEMA_TEST_SUITE)
# is there, and skips it with a message naming this script otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.26.0
sha256=0c26707e2efad8aa1bfc5b7ce170f3fccc2e4918ff85989ba9ffa9facb2be326
specifications=2025.9.1
specifications_sha256=b540987f239e745613c7a9176f3edb72b832a4ac465cf02712288397832b5e8d
target=.json-schema-test-suite
stamp="jsonschema-$version jsonschema-specifications-$specifications"

if [ -f "$target/VERSION" ] && [ "$(cat "$target/VERSION")" = "$stamp" ]; then
  echo "JSON-Schema test suite already in $target (from jsonschema $version)"
  exit 0
fi

download=$(mktemp -d)
trap 'rm -rf "$download"' EXIT
# Downloads a pinned source distribution from PyPI into $download and checks its checksum.
fetch() {
  local name=$1 version=$2 sum=$3 archive=$4
  echo "Downloading the $name $version source distribution from PyPI"
  python3 -m pip download --quiet --no-binary :all: --no-deps "$name==$version" -d "$download"
  echo "$sum  $download/$archive" | sha256sum --check --quiet || {
    echo "checksum mismatch for $archive: expected $sum" >&2
    exit 1
  }
  tar -xzf "$download/$archive" -C "$download"
}
fetch jsonschema "$version" "$sha256" "jsonschema-$version.tar.gz"
fetch jsonschema-specifications "$specifications" "$specifications_sha256" "jsonschema_specifications-$specifications.tar.gz"
rm -rf "$target"
mv "$download/jsonschema-$version/json" "$target"
mkdir -p "$target/metaschemas"
mv "$download/jsonschema_specifications-$specifications/jsonschema_specifications/schemas/draft202012" "$target/metaschemas/draft2020-12"
echo "$stamp" >"$target/VERSION"
echo "JSON-Schema test suite in $target: $(ls "$target/tests/draft2020-12" | wc -l) draft 2020-12 files, $(find "$target/remotes" -type f | wc -l) remotes"
