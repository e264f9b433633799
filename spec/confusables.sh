#!/usr/bin/env bash
# Writes generated/confusables.json (UTS #39 confusable skeletons, from ICU4J's SpoofChecker) with the
# pinned ICU4J from Maven Central, fetched once into a cache outside the repository. Without a JDK it
# keeps the committed file, which names the ICU4J it came from: `make run` works on a machine without Java.
set -euo pipefail
cd "$(dirname "$0")/.."
V="${ICU4J_VERSION:-79.1}"
# The jar's SHA-256, checked before it is run; another ICU4J_VERSION needs its own ICU4J_SHA256.
SHA256="${ICU4J_SHA256:-28b292e60d0d00c496bae88a15b2615f89f781be13670aeac9dc90f189570e07}"
OUT=generated/confusables.json
if ! command -v java >/dev/null; then
  grep -q "\"icu4j\": \"$V\"" "$OUT" || { echo "$OUT is not from ICU4J $V, and there is no java to write it" >&2; exit 1; }
  echo "no java: keeping $OUT (ICU4J $V)" >&2
  exit 0
fi
JAR="${ICU4J_CACHE:-$HOME/.cache/icu4j}/$V/icu4j-$V.jar"
if [ ! -f "$JAR" ]; then
  mkdir -p "$(dirname "$JAR")"
  curl -fsSL -o "$JAR.tmp" "https://repo1.maven.org/maven2/com/ibm/icu/icu4j/$V/icu4j-$V.jar"
  mv "$JAR.tmp" "$JAR"
fi
echo "$SHA256  $JAR" | sha256sum --check --quiet || { echo "$JAR is not the ICU4J $V this script pins" >&2; exit 1; }
java -cp "$JAR" spec/confusables/Confusables.java "$V" > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
