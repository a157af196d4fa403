#!/usr/bin/env bash
# Kernel calibration (issue 3), one command: writes the single-layer models, compiles them through the generator
# (one assembly per size group, one compiler process at a time), times every kernel and fits the cost model.
#   tools/KernelCalibration/run.sh [full|quick] [results dir] [runner options, e.g. --stat min --rounds 41]
# CALIB_SKIP_BUILD=1 reuses the model assemblies of the last run (only the timing runs again).
# Results: <results dir>/calibration.md and calibration.json (default tools/KernelCalibration/results/).
# See docs/kernel-calibration.md. Run it on a quiet machine: load is recorded in the report.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
set_name="${1:-full}"
out="${2:-$here/results}"
shift $(( $# < 2 ? $# : 2 ))
models="$here/obj/models"
start=$SECONDS
load="$(uptime | sed 's/.*load average: //')"
echo "== load before: $load"
dotnet build "$here/KernelCalibration.csproj" -c Release -nologo -v:q -clp:ErrorsOnly
tool="$here/bin/Release/net10.0/KernelCalibration.dll"
dotnet "$tool" write --dir "$models" --set "$set_name"
[ "${CALIB_SKIP_BUILD:-0}" = 1 ] || while read -r group; do
  [ -n "$group" ] || continue
  t=$SECONDS
  dotnet build "$here/Models/KernelCalibration.Models.csproj" -c Release -nologo -v:q -clp:ErrorsOnly \
    -p:UseSharedCompilation=false -p:CalibGroup="$group" -p:CalibModelDir="$models/"
  echo "== built group $group in $((SECONDS - t)) s"
done < "$models/groups.txt"
echo "== build done in $((SECONDS - start)) s; load now: $(uptime | sed 's/.*load average: //')"
dotnet "$tool" run --dir "$models" --bin "$here/Models/bin" --out "$out" --set "$set_name" --load "$load" "$@"
echo "== load after: $(uptime | sed 's/.*load average: //'); total $((SECONDS - start)) s"
