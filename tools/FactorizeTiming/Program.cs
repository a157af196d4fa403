// Accuracy and Predict latency of model variants against the first model (see FactorizeTiming.csproj).
// Usage: FactorizeTiming data.csv baseline.onnx variant.onnx ... [--passes 5]
// Prints, per variant: accuracy with the generated code, ns per Predict, and the speed-up over the baseline
// (median of the passes' interleaved medians, with their range). The machine is shared: read ratios, not digits.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using PrunedCodegen.Evaluation;

var args_ = args.ToList();
int passes = 5;
int at = args_.IndexOf("--passes");
if (at >= 0) { passes = int.Parse(args_[at + 1], CultureInfo.InvariantCulture); args_.RemoveRange(at, 2); }
if (args_.Count < 3) { Console.Error.WriteLine("usage: FactorizeTiming data.csv baseline.onnx variant.onnx ... [--passes 5]"); return 2; }

var data = CsvDataset.Load(args_[0], "label");
string Cpu(string key) => File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?.Split(':').Last().Trim() ?? "?";
// AMD family 26 is Zen 5, 25 Zen 3/4 (NOTES.md: machines of the same kind have reported both): print it with every figure.
Console.WriteLine($"CPU: {Cpu("model name")}, family {Cpu("cpu family")} model {Cpu("model\t")}; {Environment.ProcessorCount} cores; " +
    $"Vector512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}; load {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine($"Data: {args_[0]} ({data.Rows} samples); {passes} passes, each variant in turn against the baseline (31 interleaved rounds of 512 Predicts)");

var models = args_.Skip(1).Select(p => (Path: p, Model: CompiledModel.Compile(File.ReadAllBytes(p), Path.GetFileName(p)))).ToList();
var baseline = models[0].Model;
float[] reference = baseline.RunOneByOne(data);
var accuracy = models.Select(m => Metrics.Compute(m.Model.RunOneByOne(data), data.Rows, m.Model.OutputLength, data.Labels, reference)).ToList();

var ns = models.Skip(1).Select(_ => new List<(double Base, double Variant, double SpeedUp)>()).ToList();
for (int pass = 0; pass < passes; pass++)
    for (int v = 1; v < models.Count; v++)
        ns[v - 1].Add(CompiledModel.MeasureAgainst(baseline, models[v].Model, data));

static double Median(IEnumerable<double> values) { var s = values.OrderBy(x => x).ToArray(); return s[s.Length / 2]; }
Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-40} {1,8} {2,9} {3,11} {4,11} {5,16}", "model", "accuracy", "agreement", "baseline ns", "variant ns", "speed-up (range)"));
Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-40} {1,8:0.0000} {2,9:0.0000}", models[0].Path, accuracy[0].Accuracy, 1.0));
for (int v = 1; v < models.Count; v++)
{
    var m = ns[v - 1];
    Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-40} {1,8:0.0000} {2,9:0.0000} {3,11:0} {4,11:0} {5,6:0.00}x ({6:0.00}-{7:0.00})",
        models[v].Path, accuracy[v].Accuracy, accuracy[v].Agreement, Median(m.Select(x => x.Base)), Median(m.Select(x => x.Variant)),
        Median(m.Select(x => x.SpeedUp)), m.Min(x => x.SpeedUp), m.Max(x => x.SpeedUp)));
}
Console.WriteLine($"load after: {File.ReadAllText("/proc/loadavg").Trim()}");
foreach (var m in models) m.Model.Dispose();
return 0;
