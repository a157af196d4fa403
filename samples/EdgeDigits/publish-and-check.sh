#!/usr/bin/env bash
# Publishes samples/EdgeDigits as NativeAOT for linux-x64 (AVX2 and FMA: -p:IlcInstructionSet=x86-64-v3) and, cross-compiled,
# for linux-arm64 (NEON); runs both on the digits test split (arm64 under qemu-aarch64) and checks that
#   - both publishes end with zero warnings (trimming/AOT warnings are errors in the project; any other is an error here),
#   - each binary reports the SIMD it should use (x64: Avx2 and Vector256; arm64: AdvSimd and Vector128),
#   - arm64 predicts exactly the classes x64 predicts, with logits within 1e-5,
#   - both agree with PyTorch's logits (tests/fixtures/digits/digits_test_logits_pruned.csv) within 1e-4.
# Prints binary sizes, SIMD flags, latencies, start-up time and how long each step took.
# Installs the Debian packages it needs when they are missing (needs root, or sudo).
#
#   samples/EdgeDigits/publish-and-check.sh            # output in artifacts/EdgeDigits (EDGE_OUT overrides)
set -euo pipefail
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${EDGE_OUT:-$repo/artifacts/EdgeDigits}
data=$repo/tests/fixtures/digits
sysroot=/usr/aarch64-linux-gnu
source "$repo/tools/arm64/lib.sh"

# --- 1. Debian packages: qemu, the arm64 C runtime and the cross toolchain (shared with tools/neon-check/run.sh).
step "Debian packages"
bash "$repo/tools/arm64/install-cross-toolchain.sh" || fail "installing the arm64 cross toolchain and qemu"

# --- 2. Publish both. -warnaserror turns any MSBuild/SDK warning into an error too; the logs are kept.
mkdir -p "$out"
publish() { publish_aot "$here/EdgeDigits.csproj" "$@"; }
step "Publish linux-x64 (NativeAOT, x86-64-v3)"
publish linux-x64 -p:IlcInstructionSet=x86-64-v3
step "Publish linux-arm64 (NativeAOT, cross-compiled)"
publish linux-arm64

# --- 3. Run both on the 450 test images.
step "Run linux-x64 natively and linux-arm64 under qemu-aarch64"
"$out/linux-x64/EdgeDigits" "$data/digits_test.csv" --logits > "$out/linux-x64.tsv"
qemu-aarch64 -L "$sysroot" "$out/linux-arm64/EdgeDigits" "$data/digits_test.csv" --logits > "$out/linux-arm64.tsv"
# The same rows through stdin, as an edge device would feed them (only the classes are compared).
head -n 21 "$data/digits_test.csv" | qemu-aarch64 -L "$sysroot" "$out/linux-arm64/EdgeDigits" - > "$out/linux-arm64-stdin.tsv"

for rid in linux-x64 linux-arm64; do
  echo "$rid: $(grep '^# EdgeDigits' "$out/$rid.tsv" | sed 's/^# //')"
  echo "$rid: $(grep '^# simd' "$out/$rid.tsv" | sed 's/^# //')"
  echo "$rid: $(tail -n 1 "$out/$rid.tsv" | sed 's/^# //')"
done
grep -q 'Avx2=True' "$out/linux-x64.tsv" && grep -q 'Vector256=True' "$out/linux-x64.tsv" \
  || fail "the x64 binary does not use AVX2/Vector256: was IlcInstructionSet=x86-64-v3 applied?"
grep -q 'AdvSimd=True' "$out/linux-arm64.tsv" && grep -q 'Vector128=True' "$out/linux-arm64.tsv" \
  || fail "the arm64 binary does not use AdvSimd/Vector128"

# --- 4. Compare: rows are "row <tab> class <tab> label <tab> latency_ns <tab> logits".
step "Compare predictions"
# compare A B LABEL TOLERANCE: classes must be equal row for row; logits within TOLERANCE (absolute + relative).
compare() {
  awk -F'\t' -v name="$3" -v tol="$4" '
    function abs(v) { return v < 0 ? -v : v }
    FNR == NR { if ($1 ~ /^[0-9]+$/) { cls[$1] = $2; lg[$1] = $5 } next }
    $1 ~ /^[0-9]+$/ {
      rows++
      if (!($1 in cls)) { missing++; next }
      if (cls[$1] != $2) { if (differ++ < 5) printf "  row %s: class %s vs %s\n", $1, cls[$1], $2 }
      na = split(lg[$1], a, ","); nb = split($5, b, ",")
      if (na != nb) bad++
      for (i = 1; i <= na; i++) { d = abs(a[i] - b[i]); if (d > max) max = d; if (d > tol + tol * abs(a[i])) bad++ }
    }
    END {
      printf "%s: %d rows, %d classes differ, max |logit difference| %.2g (tolerance %g)\n", name, rows, differ, max, tol
      exit (rows != 450 || missing > 0 || differ > 0 || bad > 0)
    }' "$1" "$2" || fail "$3"
}
# PyTorch's logits as the same kind of table (class = argmax).
awk -F',' 'NR > 1 && NF == 10 {
    best = 1; for (i = 2; i <= 10; i++) if ($i + 0 > $best + 0) best = i
    line = $1; for (i = 2; i <= 10; i++) line = line "," $i
    printf "%d\t%d\t-\t0\t%s\n", NR - 2, best - 1, line
  }' "$data/digits_test_logits_pruned.csv" > "$out/pytorch.tsv"
compare "$out/linux-x64.tsv" "$out/linux-arm64.tsv" "arm64 (qemu) vs x64" 1e-5
compare "$out/pytorch.tsv" "$out/linux-x64.tsv" "x64 vs PyTorch" 1e-4
compare "$out/pytorch.tsv" "$out/linux-arm64.tsv" "arm64 vs PyTorch" 1e-4
diff <(awk -F'\t' '$1 ~ /^[0-9]+$/ { print $1, $2 }' "$out/linux-arm64-stdin.tsv") \
     <(awk -F'\t' '$1 ~ /^[0-9]+$/ && $1 < 20 { print $1, $2 }' "$out/linux-x64.tsv") > /dev/null \
  || fail "rows read from stdin were classified differently"
echo "stdin: 20 rows piped into the arm64 binary, same classes as x64"

# --- 4b. Every kernel on NEON: the same rows through each forced kernel (dense, block, sparse, unrolled) and the batch path,
# arm64 under qemu against x64. Different vector widths sum in different orders, hence a tolerance.
step "Compare every kernel, arm64 (NEON) vs x64"
"$out/linux-x64/EdgeDigits" "$data/digits_test.csv" --kernels > "$out/kernels-x64.tsv"
qemu-aarch64 -L "$sysroot" "$out/linux-arm64/EdgeDigits" "$data/digits_test.csv" --kernels > "$out/kernels-arm64.tsv"
awk -F'\t' -v tol=1e-5 '
  function abs(v) { return v < 0 ? -v : v }
  FNR == NR { if ($1 !~ /^#/) x64[$1 "\t" $2] = $3; next }
  $1 !~ /^#/ {
    n[$1]++
    key = $1 "\t" $2
    if (!(key in x64)) { missing++; next }
    na = split(x64[key], a, ","); nb = split($3, b, ",")
    if (na != 10 || nb != 10) bad[$1]++
    for (i = 1; i <= na; i++) { d = abs(a[i] - b[i]); if (d > max[$1]) max[$1] = d; if (d > tol + tol * abs(a[i])) bad[$1]++ }
  }
  END {
    for (v in n) {
      printf "kernel %-6s arm64 vs x64: %d rows, max |logit difference| %.2g (tolerance %g)%s\n", v, n[v], max[v], tol, bad[v] ? ", MISMATCH" : ""
      if (bad[v] || n[v] != 450) failed = 1
    }
    exit (failed || missing > 0 || length(n) != 6)   # auto, dense, block, sparse, unrolled, batch
  }' "$out/kernels-x64.tsv" "$out/kernels-arm64.tsv" || fail "a kernel gives different results on arm64 (NEON) and x64"
grep '^# kernels' "$out/kernels-arm64.tsv" | sed 's/^# /linux-arm64 /'

# --- 5. Sizes, and start-up to first prediction (x64 only: emulated timings mean nothing).
step "Sizes and start-up"
for rid in linux-x64 linux-arm64; do
  printf '%s: EdgeDigits %s bytes (%.2f MB); separate debug symbols EdgeDigits.dbg %.2f MB (not needed to run)\n' "$rid" \
    "$(stat -c %s "$out/$rid/EdgeDigits")" "$(stat -c %s "$out/$rid/EdgeDigits")e-6" "$(stat -c %s "$out/$rid/EdgeDigits.dbg" 2>/dev/null || echo 0)e-6"
done
head -n 2 "$data/digits_test.csv" > "$out/one-row.csv"
runs=20; t0=$(date +%s%N)
for ((i = 0; i < runs; i++)); do "$out/linux-x64/EdgeDigits" "$out/one-row.csv" > /dev/null; done
t1=$(date +%s%N)
printf 'linux-x64: process start to exit with one prediction: %.2f ms (mean of %d runs)\n' "$(( (t1 - t0) / runs / 1000 ))e-3" "$runs"

step ""
printf 'OK: EdgeDigits publishes for linux-x64 and linux-arm64 with 0 warnings and predicts the same on both (%.0f s in all)\n' \
  "$(( ($(date +%s%N) - script_start) / 1000000 ))e-3"
