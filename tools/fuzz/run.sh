#!/usr/bin/env bash
# Coverage-guided fuzzing of the ONNX reader and the whole ModelCompiler pipeline (issue 9), with AFL++ and
# SharpFuzz. Usage: tools/fuzz/run.sh [SECONDS] [OUTPUT_DIR]   (default 1800 s, /tmp/pcg-fuzz)
#
#   1. builds tests/PrunedCodegen.Fuzz and instruments its copy of PrunedCodegen.Core.dll with SharpFuzz,
#   2. seeds AFL++ with tests/fixtures/**/*.onnx, ../shared/onnx-node-tests/**/model.onnx and the committed
#      regression corpus tests/fuzz-corpus,
#   3. runs afl-fuzz for SECONDS, with a 6 s hang timeout per input (FuzzTarget's own budget is 4 s),
#   4. prints the statistics (executions, duration, edges) and replays any crash or hang found.
# Needs: apt-get install -y afl++ ; dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0
# A finding is fixed in the core, and the input is committed to tests/fuzz-corpus/ (the test suite replays it).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-1800}
out=${2:-/tmp/pcg-fuzz}
export PATH="$PATH:$HOME/.dotnet/tools"
command -v afl-fuzz >/dev/null || { echo "afl-fuzz missing: apt-get install -y afl++" >&2; exit 2; }
command -v sharpfuzz >/dev/null || { echo "sharpfuzz missing: dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0" >&2; exit 2; }

bin=tests/PrunedCodegen.Fuzz/bin/Release/net10.0
rm -f "$bin/PrunedCodegen.Core.dll"   # the build copies a fresh, uninstrumented one
dotnet build tests/PrunedCodegen.Fuzz -c Release -nologo -v:q
sharpfuzz "$bin/PrunedCodegen.Core.dll"

seeds="$out/seeds"
rm -rf "$seeds" && mkdir -p "$seeds"
shared="${PCG_SHARED_DIR:-../shared}"
{ find tests/fixtures -name '*.onnx'; find "$shared/onnx-node-tests" -name model.onnx; find tests/fuzz-corpus -type f || true; } |
  while read -r f; do cp "$f" "$seeds/$(echo "$f" | sed 's|^[./]*||' | tr -c 'A-Za-z0-9._\n-' '_')"; done
echo "$(ls "$seeds" | wc -l) seed files"

# AFL++ checks meant for native targets: the instrumentation lives in the .NET assembly, and crashes are
# exceptions reported through SharpFuzz's fork server, not core dumps.
export AFL_SKIP_BIN_CHECK=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1
export AFL_AUTORESUME=1 DOTNET_TieredPGO=0
afl-fuzz -i "$seeds" -o "$out/findings" -t 6000 -m none -V "$seconds" -x tools/fuzz/onnx.dict -- dotnet "$bin/PrunedCodegen.Fuzz.dll" || true

stats="$out/findings/default/fuzzer_stats"
[ -f "$stats" ] && grep -E '^(start_time|last_update|run_time|execs_done|execs_per_sec|corpus_count|bitmap_cvg|edges_found|total_edges|saved_crashes|saved_hangs|unique_crashes|unique_hangs) ' "$stats"
# Replays need an uninstrumented build (the instrumented core expects AFL's shared memory).
dotnet build tests/PrunedCodegen.Fuzz -c Release -nologo -v:q -o "$out/replay-bin" >/dev/null
for kind in crashes hangs; do
  dir="$out/findings/default/$kind"
  if [ -d "$dir" ] && [ -n "$(ls -A "$dir" | grep -v README || true)" ]; then
    echo "== $kind (replayed without the fuzzer)"
    dotnet "$out/replay-bin/PrunedCodegen.Fuzz.dll" replay $(ls -d "$dir"/id* ) || true
  fi
done
