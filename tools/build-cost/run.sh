#!/usr/bin/env bash
# Build cost of PrunedModel items (issue 5, "Build cost"): for synthetic n-n-n ReLU MLPs of about 10k, 100k, 1M and
# 4M parameters, dense and 90% sparse (global magnitude pruning), measures
#   - the generator core's run time (ModelCompiler.Compile on the file: what the Roslyn generator runs), median of 3;
#   - the added build time of a minimal consumer project (build with the model minus build without it);
#   - the peak memory of that build (the compiler is run out of process so that it can be measured);
#   - the generated source size and the compiled assembly size;
#   - a no-op rebuild with the model against one without it, and a rebuild after editing an unrelated .cs file;
#   - any PCG diagnostic the build printed (a size the generator refuses must be said by a diagnostic).
# Usage: tools/build-cost/run.sh [sizes...] (default: 10000 100000 1000000 4000000); SPARSITIES="0 0.9" by default.
# Writes artifacts/build-cost/results.json and results.md. Needs only the .NET SDK; takes several minutes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work="$repo/artifacts/build-cost"
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000 4000000)
sparsities=(${SPARSITIES:-0 0.9})
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mkdir -p "$work/models" "$work/consumer" "$work/logs"

echo "building tools/BenchModels ..." >&2
dotnet build "$repo/tools/BenchModels/BenchModels.csproj" -c Release -nologo -v q >/dev/null
tool="$repo/tools/BenchModels/bin/Release/net10.0/BenchModels.dll"

cp "$(dirname "$0")/Consumer.csproj.template" "$work/consumer/Consumer.csproj"
echo 'System.Console.WriteLine("build-cost consumer");' > "$work/consumer/Program.cs"

# One build, timed; the compiler runs out of process (no compiler server) and MSBuild in-process, so that
# /usr/bin/time's maximum resident set size covers the compiler. Prints "seconds maxrss_kb status".
build() { # $1 = model path or "", $2 = log name
  local log="$work/logs/$2.log" t0 t1 rc=0
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/logs/$2.rss" \
    dotnet build "$work/consumer/Consumer.csproj" -c Release -nologo -m:1 -nodeReuse:false \
      -p:UseSharedCompilation=false -p:PcgModel="$1" >"$log" 2>&1 || rc=$?
  t1=$(date +%s.%N)
  echo "$(echo "$t1 - $t0" | bc -l) $(cat "$work/logs/$2.rss" | tail -1) $rc"
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "baseline consumer (no model) ..." >&2
build "" base-restore >/dev/null            # restore + generator + first build
base_compile=(); base_noop=()
for i in 1 2 3; do
  touch "$work/consumer/Program.cs"; read -r t rss rc < <(build "" base-compile-$i); base_compile+=("$t"); base_rss=$rss
  read -r t rss rc < <(build "" base-noop-$i); base_noop+=("$t")
done
tb=$(median "${base_compile[@]}"); tn=$(median "${base_noop[@]}")
echo "  compile ${tb}s, no-op ${tn}s, peak ${base_rss} KB" >&2

rows=()
for p in "${sizes[@]}"; do
  for s in "${sparsities[@]}"; do
    name="p${p}_s${s}"
    model="$work/models/$name.onnx"
    info=$(dotnet "$tool" model --params "$p" --sparsity "$s" --out "$model")
    gen=$(dotnet "$tool" compile --model "$model" --repeat 3 || true)
    echo "$name: $info" >&2
    echo "  generator core: $gen" >&2
    # Small models: median of 3 (timings of a few seconds are noisy); large ones: once.
    reps=1; [ "$p" -le 100000 ] && reps=3
    colds=(); noops=(); edits=(); rss=0; rc=0
    for i in $(seq "$reps"); do
      # Start from a build without the model, so that the timed build compiles it from scratch.
      build "" "$name-reset" >/dev/null
      read -r t r c < <(build "$model" "$name-cold"); colds+=("$t"); [ "$r" -gt "$rss" ] && rss=$r; [ "$c" != 0 ] && rc=$c
      read -r t _ _ < <(build "$model" "$name-noop"); noops+=("$t")
      touch "$work/consumer/Program.cs"
      read -r t _ _ < <(build "$model" "$name-edit"); edits+=("$t")
    done
    tcold=$(median "${colds[@]}"); tnoop=$(median "${noops[@]}"); tedit=$(median "${edits[@]}")
    diags=$(grep -oE "(error|warning) PCG[0-9]{4}[^[]*" "$work/logs/$name-cold.log" | sort -u | head -3 | tr '\n' ' ' || true)
    if [ "$rc" != 0 ] && [ -z "$diags" ]; then diags=$(grep -oE "error [A-Z]+[0-9]+[^[]*" "$work/logs/$name-cold.log" | sort -u | head -3 | tr '\n' ' ' || true); fi
    srcfile=$(find "$work/consumer/obj" -name 'BuildCost.Model.g.cs' -newer "$model" 2>/dev/null | head -1)
    src=$( [ -n "$srcfile" ] && stat -c %s "$srcfile" || echo 0)
    # The planner's kernel per layer, from the table at the top of the generated file.
    kernels=$( [ -n "$srcfile" ] && head -40 "$srcfile" | grep -E '^// [0-9]+ ' | sed -E 's/.*% +//' | paste -sd, - || true)
    dll=$(stat -c %s "$work/consumer/bin/Release/net10.0/Consumer.dll")
    echo "  build: cold ${tcold}s (rc $rc, peak ${rss} KB), no-op ${tnoop}s, after editing Program.cs ${tedit}s, source ${src:-0} B, dll $dll B, kernels ${kernels} ${diags}" >&2
    rows+=("$(printf '{"name":"%s","model":%s,"generator":%s,"build_s":%.2f,"base_build_s":%.2f,"added_build_s":%.2f,"peak_rss_kb":%s,"base_peak_rss_kb":%s,"noop_s":%.2f,"base_noop_s":%.2f,"edit_rebuild_s":%.2f,"generated_source_bytes":%s,"assembly_bytes":%s,"exit_code":%s,"diagnostics":"%s","kernels":"%s"}' \
      "$name" "$info" "${gen:-null}" "$tcold" "$tb" "$(echo "$tcold - $tb" | bc -l)" "$rss" "$base_rss" "$tnoop" "$tn" "$tedit" "${src:-0}" "$dll" "$rc" "$(echo "$diags" | sed 's/"/\\"/g')" "$kernels")")
  done
done

{
  echo "{"
  echo "  \"machine\": \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB, dotnet $(dotnet --version)\","
  echo "  \"loadavg_end\": \"$(cut -d' ' -f1-3 /proc/loadavg)\","
  echo "  \"results\": ["
  for i in "${!rows[@]}"; do sep=","; [ "$i" -eq $((${#rows[@]} - 1)) ] && sep=""; echo "    ${rows[$i]}$sep"; done
  echo "  ]"
  echo "}"
} > "$work/results.json"

/usr/bin/python3 - "$work/results.json" > "$work/results.md" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("| model | params | nonzero | kernels (auto) | generator core (s) | build (s) | added (s) | peak memory | generated source | assembly | no-op rebuild (s) | rebuild after a .cs edit (s) | diagnostics |")
print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for r in d["results"]:
    m, g = r["model"], r["generator"] or {}
    mb = lambda b: f"{b/1e6:.1f} MB"
    print(f"| {m['arch']} {'dense' if m['nonzero_weights'] * 1.0 / m['params'] > 0.5 else '90% sparse'} | {m['params']:,} | {m['nonzero_weights']:,} | {r.get('kernels', '')} "
          f"| {g.get('median_ms', 0)/1000:.2f} | {r['build_s']:.1f} | {r['added_build_s']:.1f} | {r['peak_rss_kb']/1e6:.2f} GB "
          f"| {mb(r['generated_source_bytes'])} | {mb(r['assembly_bytes'])} | {r['noop_s']:.1f} (base {r['base_noop_s']:.1f}) | {r['edit_rebuild_s']:.1f} "
          f"| {r['diagnostics'] or ('build failed' if r['exit_code'] else '')} |")
PY
cat "$work/results.md"
echo "wrote $work/results.json and results.md" >&2
