#!/usr/bin/env bash
# Checks that vendor/tachys is tachys 0.2.19 as published on crates.io plus
# vendor/tachys/any-view-hydrate.patch, and nothing else (see
# vendor/tachys/VENDORED.md): downloads the published crate, checks its
# SHA-256 against the one crates.io's index gives, applies the patch and
# compares the sources. Run by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
version=0.2.19
sha256=e47e2220bb9d2a3be976a22a0fb7685a0b84499bb11ea5cb3bbc82907675ac68
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Node (which the tests need anyway) downloads it: no curl on every machine.
node -e '
  const [url, out] = process.argv.slice(1);
  fetch(url)
    .then((r) => { if (!r.ok) throw new Error(`${url}: ${r.status}`); return r.arrayBuffer(); })
    .then((b) => require("fs").writeFileSync(out, Buffer.from(b)))
    .catch((e) => { console.error(e.message); process.exit(1); });
' "https://static.crates.io/crates/tachys/tachys-$version.crate" "$work/tachys.crate"
echo "$sha256  $work/tachys.crate" | sha256sum --check --quiet
tar -xzf "$work/tachys.crate" -C "$work"
upstream="$work/tachys-$version"
(cd "$upstream" && git apply -p1 < "$OLDPWD/vendor/tachys/any-view-hydrate.patch")
diff -r "$upstream/src" vendor/tachys/src
diff "$upstream/build.rs" vendor/tachys/build.rs
diff "$upstream/README.md" vendor/tachys/README.md
# The manifest differs only by the lint table added at its end.
diff "$upstream/Cargo.toml" <(sed '/^# Added when vendoring/,$d' vendor/tachys/Cargo.toml | sed '$ { /^$/d }')
echo "vendor/tachys is tachys $version from crates.io with vendor/tachys/any-view-hydrate.patch"
