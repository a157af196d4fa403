#!/usr/bin/env bash
# The same edge app with ONNX Runtime instead of generated code, for the README's size and start-up comparison.
# Publishes both for linux-x64 (EdgeDigits with NativeAOT; the ONNX Runtime app self-contained, single folder, since
# ONNX Runtime ships a native library either way), then measures:
#   - the size of each published output folder (everything the app needs, including libonnxruntime.so);
#   - wall time from process start to exit with one prediction (median of 21 runs, one row of the test split).
# Not run by CI (it downloads ONNX Runtime's native package); run it by hand: bash samples/EdgeDigits/compare-onnxruntime.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d /tmp/edge-ort-compare.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

model="$repo/tests/fixtures/digits/digits_pruned.onnx"
head -2 "$repo/tests/fixtures/digits/digits_test.csv" > "$work/one-row.csv"

echo "== publish EdgeDigits (generated code, NativeAOT, linux-x64)"
dotnet publish "$repo/samples/EdgeDigits" -c Release -r linux-x64 -p:IlcInstructionSet=x86-64-v3 -o "$work/pcg" -v:q -nologo > "$work/pcg.log" \
  || { cat "$work/pcg.log"; exit 1; }

echo "== publish the same app with ONNX Runtime (self-contained, linux-x64)"
mkdir -p "$work/ortapp"
ort_version=$(sed -n 's/.*Include="Microsoft.ML.OnnxRuntime" Version="\([^"]*\)".*/\1/p' "$repo/Directory.Packages.props")
cat > "$work/ortapp/OrtDigits.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <InvariantGlobalization>true</InvariantGlobalization>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Microsoft.ML.OnnxRuntime" Version="$ort_version" />
    <None Include="$model" Link="digits_pruned.onnx" CopyToOutputDirectory="PreserveNewest" />
  </ItemGroup>
</Project>
EOF
cat > "$work/ortapp/Program.cs" <<'EOF'
// Reads rows of 64 pixels (optionally preceded by the label) and prints each predicted class, like EdgeDigits.
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
using var session = new InferenceSession(Path.Combine(AppContext.BaseDirectory, "digits_pruned.onnx"), options);
string input = session.InputMetadata.Keys.First();
foreach (string line in File.ReadLines(args[0]))
{
    var cells = line.Split(',');
    if (cells.Length < 64 || !float.TryParse(cells[^1], NumberStyles.Float, CultureInfo.InvariantCulture, out _)) continue;
    var pixels = cells.Skip(cells.Length - 64).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
    using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(input, new DenseTensor<float>(pixels, new[] { 1, 64 })) });
    var logits = results.First().AsEnumerable<float>().ToArray();
    Console.WriteLine(Array.IndexOf(logits, logits.Max()));
}
EOF
dotnet publish "$work/ortapp" -c Release -r linux-x64 --self-contained -o "$work/ort" -v:q -nologo > "$work/ort.log" \
  || { cat "$work/ort.log"; exit 1; }
echo "== and trimmed (PublishTrimmed=true), as a size-conscious user would try"
dotnet publish "$work/ortapp" -c Release -r linux-x64 --self-contained -p:PublishTrimmed=true -o "$work/ort-trimmed" -v:q -nologo > "$work/ort-trimmed.log" \
  || { cat "$work/ort-trimmed.log"; exit 1; }

# Median wall time (ms) of 21 runs of a command, process start to exit.
median_ms() {
  for _ in $(seq 21); do
    start=$(date +%s%N); "$@" > /dev/null; end=$(date +%s%N)
    echo $(( (end - start) / 1000 ))
  done | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1000 }'
}

pcg_class=$("$work/pcg/EdgeDigits" "$work/one-row.csv" | awk -F'\t' '$1 == "0" { print $2 }')
ort_class=$("$work/ort/OrtDigits" "$work/one-row.csv")
[ "$pcg_class" = "$ort_class" ] || { echo "the two apps disagree on the row: $pcg_class vs $ort_class"; exit 1; }

# Bytes a deployment needs: debug symbols (.dbg, .pdb) left out.
size() { find "$1" -type f ! -name '*.dbg' ! -name '*.pdb' -printf '%s\n' | awk '{ s += $1 } END { printf "%.1f MB", s / 1e6 }'; }
files() { find "$1" -type f ! -name '*.dbg' ! -name '*.pdb' | wc -l; }
pcg_ms=$(median_ms "$work/pcg/EdgeDigits" "$work/one-row.csv")
ort_ms=$(median_ms "$work/ort/OrtDigits" "$work/one-row.csv")
ort_trimmed_ms=$(median_ms "$work/ort-trimmed/OrtDigits" "$work/one-row.csv")
echo
echo "| app (linux-x64, one prediction) | published output | start to exit (median of 21) |"
echo "|---|---|---|"
echo "| EdgeDigits, generated code, NativeAOT | $(size "$work/pcg") ($(files "$work/pcg") file) | $pcg_ms ms |"
echo "| same app with ONNX Runtime $ort_version, self-contained | $(size "$work/ort") ($(files "$work/ort") files; libonnxruntime.so $(size "$work/ort/libonnxruntime.so")) | $ort_ms ms |"
echo "| same, trimmed | $(size "$work/ort-trimmed") ($(files "$work/ort-trimmed") files) | $ort_trimmed_ms ms |"
echo "(both predict class $pcg_class for the first test row)"
