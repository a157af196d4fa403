#!/usr/bin/env bash
# The NEON check (issue 3): publishes tests/PrunedCodegen.NeonCheck as NativeAOT for linux-x64 and, cross-compiled, for
# linux-arm64; runs both (arm64 under qemu-aarch64) and compares every (model, kernel, path, sample) line: the arm64 outputs
# must match x64's within a tolerance (different vector widths sum in different orders), with no line missing or extra.
# Also checks, on each machine, that every forced kernel agrees with the dense kernel of the same model.
# Prints a per-kernel summary (lines, max |difference|) and how long each step took.
#
#   tools/neon-check/run.sh          # output in artifacts/neon-check (NEON_OUT overrides); NEON_TOL (default 1e-5)
set -euo pipefail
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

repo=$(cd "$(dirname "$0")/../.." && pwd)
project=$repo/tests/PrunedCodegen.NeonCheck/PrunedCodegen.NeonCheck.csproj
out=${NEON_OUT:-$repo/artifacts/neon-check}
tol=${NEON_TOL:-1e-5}
sysroot=/usr/aarch64-linux-gnu
source "$repo/tools/arm64/lib.sh"

step "Debian packages (qemu, arm64 cross toolchain)"
bash "$repo/tools/arm64/install-cross-toolchain.sh" || fail "installing the arm64 cross toolchain and qemu"

mkdir -p "$out"
publish() { publish_aot "$project" "$@"; }
step "Publish linux-x64 (NativeAOT, x86-64-v3: AVX2, FMA)"
publish linux-x64 -p:IlcInstructionSet=x86-64-v3
step "Publish linux-arm64 (NativeAOT, cross-compiled)"
publish linux-arm64

step "Run linux-x64 natively and linux-arm64 under qemu-aarch64"
"$out/linux-x64/PrunedCodegen.NeonCheck" > "$out/x64.tsv" || fail "the x64 runner failed"
qemu-aarch64 -L "$sysroot" "$out/linux-arm64/PrunedCodegen.NeonCheck" > "$out/arm64.tsv" || fail "the arm64 runner failed (AdvSimd missing?)"
for f in x64 arm64; do
  echo "$f: $(grep '^# simd' "$out/$f.tsv" | sed 's/^# //'); $(grep '^# done' "$out/$f.tsv" | sed 's/^# //'), $(grep -vc '^#' "$out/$f.tsv") lines"
done
grep -q 'AdvSimd=True' "$out/arm64.tsv" && grep -q 'Vector128=True' "$out/arm64.tsv" || fail "the arm64 runner did not report AdvSimd/Vector128"
grep -q 'Avx2=True' "$out/x64.tsv" && grep -q 'Vector256=True' "$out/x64.tsv" || fail "the x64 runner does not use AVX2/Vector256"
grep -q '^# done' "$out/arm64.tsv" || fail "the arm64 output is truncated"

# Lines: model <tab> kernel <tab> path <tab> sample <tab> v,v,... ; a value differs when |a-b| > tol * (1 + |a|).
step "Compare arm64 (NEON) with x64, line by line"
awk -F'\t' -v tol="$tol" '
  function abs(v) { return v < 0 ? -v : v }
  FNR == NR { if ($1 !~ /^#/) ref[$1 "\t" $2 "\t" $3 "\t" $4] = $5; next }
  $1 !~ /^#/ {
    key = $1 "\t" $2 "\t" $3 "\t" $4
    k = $2; lines[k]++; models[k "\t" $1] = 1
    if (!(key in ref)) { extra++; next }
    seen[key] = 1
    na = split(ref[key], a, ","); nb = split($5, b, ",")
    if (na != nb) { bad[k]++; if (shown++ < 10) printf "  %s: %d values on x64, %d on arm64\n", key, na, nb; next }
    for (i = 1; i <= na; i++) {
      d = abs(a[i] - b[i]); if (d > max[k]) max[k] = d
      if (d > tol * (1 + abs(a[i])) || (a[i] != a[i]) != (b[i] != b[i])) { bad[k]++; if (shown++ < 10) printf "  %s [%d]: x64 %s, arm64 %s\n", key, i - 1, a[i], b[i] }
    }
  }
  END {
    for (key in ref) if (!(key in seen)) { missing++; if (shown++ < 10) printf "  missing on arm64: %s\n", key }
    for (m in models) { split(m, p, "\t"); nmodels[p[1]]++ }
    for (k in lines) {
      printf "kernel %-8s arm64 vs x64: %2d models, %5d lines, max |difference| %.2g (tolerance %g x (1 + |x64|))%s\n", k, nmodels[k], lines[k], max[k], tol, bad[k] ? sprintf(", %d MISMATCHES", bad[k]) : ""
      if (bad[k]) failed = 1
    }
    printf "lines missing on arm64: %d, extra on arm64: %d\n", missing, extra
    exit (failed || missing > 0 || extra > 0 || length(lines) != 6)
  }' "$out/x64.tsv" "$out/arm64.tsv" || fail "arm64 (NEON) and x64 give different results (tolerance $tol)"

# Same machine: every kernel of a model against its dense kernel (the regular tests check dense against ONNX Runtime).
step "Compare every kernel with the dense kernel, on each machine"
for f in x64 arm64; do
  awk -F'\t' -v tol="$tol" -v name="$f" '
    function abs(v) { return v < 0 ? -v : v }
    FNR == NR { if ($1 !~ /^#/ && $2 == "dense") dense[$1 "\t" $3 "\t" $4] = $5; next }
    $1 !~ /^#/ && $2 != "dense" {
      key = $1 "\t" $3 "\t" $4; n++
      if (!(key in dense)) { bad++; next }
      na = split(dense[key], a, ","); nb = split($5, b, ",")
      if (na != nb) { bad++; next }
      for (i = 1; i <= na; i++) { d = abs(a[i] - b[i]); if (d > max) max = d; if (d > tol * (1 + abs(a[i]))) { bad++; if (shown++ < 10) printf "  %s %s [%d]: dense %s, %s %s\n", $1, $3 " " $4, i - 1, a[i], $2, b[i] } }
    }
    END { printf "%s: %d lines of auto/block/sparse/unrolled/winograd vs dense, max |difference| %.2g%s\n", name, n, max, bad ? sprintf(", %d MISMATCHES", bad) : ""; exit (bad > 0 || n == 0) }
  ' "$out/$f.tsv" "$out/$f.tsv" || fail "on $f, a kernel disagrees with the dense kernel (tolerance $tol)"
done

step ""
printf 'OK: NEON check, %s classes, arm64 (qemu) matches x64 (%.0f s in all)\n' "$(grep '^# done' "$out/x64.tsv" | awk '{print $3}')" \
  "$(( ($(date +%s%N) - script_start) / 1000000 ))e-3"
