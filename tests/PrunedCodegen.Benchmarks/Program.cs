// PrunedCodegen benchmark suite (issue 5). Commands: docs/benchmarks.md.
//
//   --quick              in-process timing loop (warm-up, interleaved rounds, medians); prints a table
//   --json <path>        also write the results as JSON (quick mode and BDN mode)
//   --cases <regex>      only cases "model[@inputs]:implementation" matching, e.g. "mlp784_s90|digits", ":pcg-|:ort-1t",
//                        "@image" (the MNIST-like inputs) or "^(mnist_cnn|resnet8)_"
//   --batches <list>     batch sizes, default 1,64 (quick mode and BDN)
//   --rounds <n>         quick mode: timed rounds per case (default 15)
//   --passes <n>         quick mode: run all cases n times, report the median of the per-pass medians (default 1;
//                        on a shared machine, 3 passes spread over time are much steadier than one)
//   --manifest <path>    another models manifest (default: the one this build wrote into obj/models/)
//   --peak               only the FMA peak calibration
//   --list               list the cases
//   anything else        goes to BenchmarkDotNet (e.g. --filter '*' to run the BDN suite without prompting)
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Running;
using PrunedCodegen.Benchmarks;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

bool quick = false, peakOnly = false, list = false;
string? json = null;
Regex? cases = null;
int[] batches = { 1, 64 };
int rounds = 15, passes = 1;
var rest = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    string a = args[i];
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value");
    switch (a)
    {
        case "--quick": quick = true; break;
        case "--peak": peakOnly = true; break;
        case "--list": list = true; break;
        case "--json": json = Next(); break;
        case "--cases": cases = new Regex(Next(), RegexOptions.CultureInvariant); break;
        case "--batches": batches = Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
        case "--rounds": rounds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--passes": passes = Math.Max(1, int.Parse(Next(), CultureInfo.InvariantCulture)); break;
        case "--manifest": Catalog.ManifestPath = Next(); break;
        default: rest.Add(a); break;
    }
}

var clock = Stopwatch.StartNew();
Console.WriteLine($"PrunedCodegen benchmarks: {MachineInfo.Cpu()}, {Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, ONNX Runtime {MachineInfo.OrtVersion()}");
Console.WriteLine($"CPU: {MachineInfo.Family()}");
Console.WriteLine($"ISA: {MachineInfo.IsaSummary()}; {MachineInfo.Isa()}");
Console.WriteLine($"models: {Catalog.ModelSet}; manifest {Catalog.ManifestPath}");
Console.WriteLine($"load average at start: {MachineInfo.LoadAverage()}");

foreach (var m in Catalog.Models.Where(m => m.MissingVariants.Count > 0))
    Console.WriteLine($"warning: {m.Name}: generated classes not found for {string.Join(", ", m.MissingVariants)}");
foreach (var m in Catalog.Models.Where(m => m.InputSet == Catalog.Models.First(x => x.ModelName == m.ModelName).InputSet))
{
    foreach (var r in m.Refused)
        Console.WriteLine($"warning: {m.ModelName}: the generator refused the {r.Kernel} variant at build time: {r.Diagnostic}");
    foreach (var v in m.Variants.Where(v => v.LargestMethod.IlBytes > Catalog.JitIlLimit || v.LargestMethod.Locals > Catalog.JitLocalsLimit))
        Console.WriteLine($"warning: {m.ModelName} ({v.Kernel}): {v.LargestMethod.Method} has {v.LargestMethod.IlBytes:N0} bytes of IL and {v.LargestMethod.Locals} locals, past the JIT's optimisation limits (NOTES.md): it runs unoptimised");
    if (list)
        foreach (var v in m.Variants)
            Console.WriteLine($"  {m.ModelName} ({v.Kernel}): largest generated method {v.LargestMethod.Method}, {v.LargestMethod.IlBytes:N0} bytes of IL, {v.LargestMethod.Locals} locals");
}

if (list)
{
    foreach (var m in Catalog.Models)
        foreach (var n in Implementations.Names(m))
            if (cases == null || cases.IsMatch(m.Name + ":" + n))
                Console.WriteLine($"{m.Name}:{n}");
    return 0;
}

var peaks = Peak.All();
var peak = peaks[0];
Console.WriteLine("FMA peak, one core: " + string.Join("; ", peaks.Select(p =>
    $"{p.Width} {p.GFlops:0.0} GFLOP/s (median {2 * p.FmaPerSecondMedian / 1e9:0.0}; {p.Chains} chains; {p.FmaLanesPerCycle:0.0} FMA lanes/cycle at {p.ClockGHz:0.00} GHz){(p.Fused ? "" : " unfused")}")));
Console.WriteLine($"  expected for {peak.Width}: {(peak.Width == "Vector512" && MachineInfo.Family().Contains("Zen 4", StringComparison.Ordinal) ? "16 (Zen 4 splits a 512-bit FMA)" : $"{2 * peak.Lanes} with two full-width FMA pipes (Zen 5, Intel server cores)")} lanes/cycle; measured {peak.FmaLanesPerCycle:0.0}");
Console.WriteLine($"peak used for % of peak: {peak.Width}, {peak.FmaPerSecond / 1e9:0.0} G multiply-adds/s");
if (peakOnly) return 0;

List<Measurement> results;
string mode;
if (quick)
{
    mode = "quick";
    var runner = new QuickRunner { Rounds = rounds };
    Console.Error.WriteLine($"quick mode: {rounds} interleaved rounds per case, {passes} pass(es), batches {string.Join(",", batches)}");
    var passResults = new List<List<Measurement>>();
    for (int pass = 0; pass < passes; pass++)
    {
        if (passes > 1) Console.Error.WriteLine($"pass {pass + 1} of {passes}");
        passResults.Add(runner.Run(Catalog.Models, batches, (m, n) => cases == null || cases.IsMatch(m.Name + ":" + n)));
    }
    results = passes == 1 ? passResults[0] : QuickRunner.Combine(passResults);
    // The peak again after the run: on a shared machine the best of the two is the closer to the hardware's.
    var after = Peak.Widest();
    Console.WriteLine($"FMA peak after the run: {after.Width} {after.GFlops:0.0} GFLOP/s (median {2 * after.FmaPerSecondMedian / 1e9:0.0}; {after.FmaLanesPerCycle:0.0} FMA lanes/cycle at {after.ClockGHz:0.00} GHz)");
    if (after.FmaPerSecond > peak.FmaPerSecond)
    {
        peak = after;
        peaks = new[] { after }.Concat(peaks.Skip(1)).ToList();
    }
    Report.Derive(results, peak.FmaPerSecond);
    Console.WriteLine();
    Console.WriteLine(Report.Table(results));
}
else
{
    mode = "benchmarkdotnet";
    InferenceBenchmarks.CaseFilter = cases;
    InferenceBenchmarks.BatchSizes = batches;
    BdnConfig.PeakFmaPerSecond = peak.FmaPerSecond;
    var summaries = BenchmarkSwitcher.FromTypes(new[] { typeof(InferenceBenchmarks) }).Run(rest.ToArray());
    results = summaries.SelectMany(s => BdnResults.FromSummary(s, peak.FmaPerSecond)).ToList();
}

Console.WriteLine($"load average at end: {MachineInfo.LoadAverage()}; {clock.Elapsed.TotalSeconds:0} s in all");
if (json != null)
{
    Report.WriteJson(json, mode, results, peak, peaks, clock.Elapsed.TotalSeconds);
    Console.WriteLine($"wrote {json}");
}
return results.Any(r => r.Error != null) ? 1 : 0;
