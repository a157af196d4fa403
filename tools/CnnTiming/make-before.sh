#!/usr/bin/env bash
# Generates the "before" classes CnnTiming times next to the current generator's: the MobileNet blocks compiled by the
# pcg CLI of another commit (default: where this branch left main), into tools/CnnTiming/before/ (not committed).
# Only the model classes are kept: they call the shared kernels (ConvTaps, ConvTiles, ...) that this build's
# generator emits unchanged, so both run on the same kernel source and only the emitted plan differs.
#   bash tools/CnnTiming/make-before.sh [git-ref]
set -euo pipefail
cd "$(dirname "$0")/../.."
ref=${1:-$(git merge-base HEAD main)}
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
git archive "$ref" | tar -x -C "$src"
dotnet build "$src/src/PrunedCodegen.Cli" -c Release -o "$src/cli" > "$src/build.log" || { cat "$src/build.log"; exit 1; }
out=tools/CnnTiming/before
mkdir -p "$src/gen"
rm -rf "$out"; mkdir -p "$out"
for v in dense taps50 taps90 channels50; do
  V="$(echo "${v:0:1}" | tr a-z A-Z)${v:1}"
  for kind in Block:mobilenet_block Depthwise:depthwise; do
    cls="${kind%%:*}${V}Before"
    dotnet "$src/cli/PrunedCodegen.Cli.dll" generate "tools/CnnTiming/models/${kind#*:}_$v.onnx" -o "$src/gen/$cls.g.cs" --class "$cls" --namespace CnnTiming.Before
    cp "$src/gen/$cls.g.cs" "$out/"
  done
done
echo "before = $(git rev-parse --short "$ref"): $(ls "$out" | tr '\n' ' ')"
