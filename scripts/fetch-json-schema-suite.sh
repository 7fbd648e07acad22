#!/usr/bin/env bash
# Fetches the official JSON-Schema test suite (github.com/json-schema-org/JSON-Schema-Test-Suite) as shipped in the
# source distribution of PyPI's `jsonschema` (its `json/` folder), pinned and checksum-checked, into
# `.json-schema-test-suite/` (git-ignored). `swift test` runs the suite when that folder (or $JSON_SCHEMA_TEST_SUITE)
# is there, and skips it with a message naming this script otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.26.0
sha256=0c26707e2efad8aa1bfc5b7ce170f3fccc2e4918ff85989ba9ffa9facb2be326
target=.json-schema-test-suite

if [ -f "$target/VERSION" ] && [ "$(cat "$target/VERSION")" = "jsonschema-$version" ]; then
  echo "JSON-Schema test suite already in $target (from jsonschema $version)"
  exit 0
fi

download=$(mktemp -d)
trap 'rm -rf "$download"' EXIT
echo "Downloading the jsonschema $version source distribution from PyPI"
python3 -m pip download --quiet --no-binary :all: --no-deps "jsonschema==$version" -d "$download"
archive="$download/jsonschema-$version.tar.gz"
echo "$sha256  $archive" | sha256sum --check --quiet || {
  echo "checksum mismatch for $archive: expected $sha256" >&2
  exit 1
}
tar -xzf "$archive" -C "$download" "jsonschema-$version/json"
rm -rf "$target"
mv "$download/jsonschema-$version/json" "$target"
echo "jsonschema-$version" >"$target/VERSION"
echo "JSON-Schema test suite in $target: $(ls "$target/tests/draft2020-12" | wc -l) draft 2020-12 files, $(find "$target/remotes" -type f | wc -l) remotes"
