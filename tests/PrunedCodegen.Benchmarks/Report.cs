using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text;
using System.Text.Json;

namespace PrunedCodegen.Benchmarks
{
    /// <summary>One implementation on one case at one batch size.</summary>
    public sealed class Measurement
    {
        public required BenchModel Model { get; init; }
        public required string Implementation { get; init; }
        public required int Batch { get; init; }
        public required double NsMedian { get; init; }
        /// <summary>Interquartile range of the per-round times (quick mode), or BDN's Q1/Q3.</summary>
        public double NsQ1 { get; init; }
        public double NsQ3 { get; init; }
        /// <summary>Managed bytes allocated per call (ONNX Runtime's native allocations are not seen here).</summary>
        public double AllocatedBytes { get; init; }
        public int Threads { get; init; } = 1;
        public int Rounds { get; init; }
        public string? Error { get; init; }

        public double? RatioVsOrt { get; set; }
        public double? RatioVsDense { get; set; }
        public double? PctOfPeak { get; set; }
    }

    public static class Report
    {
        private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

        /// <summary>
        /// Fills in the derived columns. ratio_vs_ort = ORT (one thread) time / this time, for the same case and batch:
        /// above 1 is faster than ORT. ratio_vs_dense = time of our own generated code (auto) on the unpruned model of
        /// the same architecture / this time. pct_of_peak = useful multiply-adds per second (per sample: nonzero weights
        /// x output positions, summed over layers, i.e. nonzero weights for an MLP; times the batch), as a percentage
        /// of the measured single-core FMA peak.
        /// </summary>
        public static void Derive(IReadOnlyList<Measurement> results, double peakFmaPerSecond)
        {
            foreach (var m in results)
            {
                if (m.Error != null) continue;
                var ort = results.FirstOrDefault(r => r.Model.Name == m.Model.Name && r.Batch == m.Batch && r.Implementation == Implementations.Ort && r.Error == null);
                var dense = results.FirstOrDefault(r => r.Model.Name == m.Model.DenseRef && r.Batch == m.Batch && r.Implementation == Implementations.PcgAuto && r.Error == null);
                m.RatioVsOrt = ort == null ? null : ort.NsMedian / m.NsMedian;
                m.RatioVsDense = dense == null ? null : dense.NsMedian / m.NsMedian;
                m.PctOfPeak = 100.0 * m.Model.MultiplyAdds * m.Batch / (m.NsMedian * 1e-9) / peakFmaPerSecond;
            }
        }

        public static string Table(IReadOnlyList<Measurement> results)
        {
            var sb = new StringBuilder();
            sb.AppendLine(string.Format(Inv, "{0,-26} {1,-26} {2,5} {3,-17} {4,13} {5,11} {6,8} {7,9} {8,7}",
                "case", "model", "batch", "implementation", "ns median", "alloc B", "vs ORT", "vs dense", "% peak"));
            string? last = null;
            foreach (var m in results)
            {
                string key = m.Model.Name + "/" + m.Batch;
                if (last != null && key != last) sb.AppendLine();
                last = key;
                string model = $"{m.Model.Arch} {Describe(m.Model)}";
                if (m.Error != null)
                {
                    sb.AppendLine(string.Format(Inv, "{0,-26} {1,-26} {2,5} {3,-17} {4}", m.Model.Name, Trunc(model, 26), m.Batch, m.Implementation, "ERROR: " + m.Error));
                    continue;
                }
                sb.AppendLine(string.Format(Inv, "{0,-26} {1,-26} {2,5} {3,-17} {4,13:N0} {5,11:N0} {6,8} {7,9} {8,7}",
                    m.Model.Name, Trunc(model, 26), m.Batch, m.Implementation + (m.Threads > 1 ? $" ({m.Threads}t)" : ""),
                    m.NsMedian, m.AllocatedBytes, Ratio(m.RatioVsOrt), Ratio(m.RatioVsDense), m.PctOfPeak is double p ? p.ToString("0.0", Inv) : "-"));
            }
            return sb.ToString();
        }

        public static string Describe(BenchModel m) => m.Pattern == "dense" ? "dense" :
            $"{m.Sparsity:P0} {(m.Pattern.StartsWith("8x1", StringComparison.Ordinal) ? "8x1 blk" : m.Pattern.StartsWith("filters", StringComparison.Ordinal) ? "filt" : "unstr")}".Replace(" %", "%");

        private static string Ratio(double? r) => r is double v ? v.ToString(v >= 10 ? "0.0" : "0.00", Inv) + "x" : "-";

        private static string Trunc(string s, int n) => s.Length <= n ? s : s.Substring(0, n - 1) + "~";

        public static void WriteJson(string path, string mode, IReadOnlyList<Measurement> results, PeakResult peak, IReadOnlyList<PeakResult> allPeaks, double elapsedSeconds)
        {
            var doc = new
            {
                mode,
                machine = MachineInfo.Describe(),
                model_set = Catalog.ModelSet,
                elapsed_s = Math.Round(elapsedSeconds, 1),
                peak = new
                {
                    width = peak.Width,
                    lanes = peak.Lanes,
                    fused = peak.Fused,
                    gflops = Math.Round(peak.GFlops, 1),
                    fma_per_s = peak.FmaPerSecond,
                    clock_ghz = Math.Round(peak.ClockGHz, 3),
                    fma_lanes_per_cycle = Math.Round(peak.FmaLanesPerCycle, 2),
                    all = allPeaks.Select(p => new { width = p.Width, gflops = Math.Round(p.GFlops, 1), gflops_median = Math.Round(2 * p.FmaPerSecondMedian / 1e9, 1), chains = p.Chains, clock_ghz = Math.Round(p.ClockGHz, 3) }).ToArray(),
                },
                definitions = new
                {
                    ns_median = "median wall-clock ns per call: one inference at batch 1, one whole batch otherwise",
                    ratio_vs_ort = "ns of ort-1t (ONNX Runtime, one intra-op thread, IoBinding) / ns of this implementation, same case and batch; >1 = faster than ORT",
                    ratio_vs_dense = "ns of pcg-auto on the unpruned model of the same architecture (dense_ref) / ns of this implementation, same batch",
                    pct_of_peak = "100 * multiply_adds * batch / seconds / measured single-core FMA peak (widest vector)",
                    inputs = "the input set: uniform (uniform [0, 1), seed 12345), digits (the digits test images), image (MNIST-like 28x28 digits, ~80% exact zeros); cases of a set other than the model's main one are named model@set",
                    oracle = "every implementation's output was checked against ort-1t before timing: max |diff| <= 1e-3 x max |y_ort| over the batch",
                    multiply_adds = "useful multiply-adds per sample: sum over layers of nonzero weights x output positions (an MLP: its nonzero weights; a conv: nonzero weights x output height x width)",
                },
                results = results.Select(m => new
                {
                    @case = m.Model.Name,
                    implementation = m.Implementation,
                    batch = m.Batch,
                    ns_median = Math.Round(m.NsMedian, 1),
                    ratio_vs_ort = Round(m.RatioVsOrt, 4),
                    ratio_vs_dense = Round(m.RatioVsDense, 4),
                    pct_of_peak = Round(m.PctOfPeak, 3),
                    ns_q1 = Math.Round(m.NsQ1, 1),
                    ns_q3 = Math.Round(m.NsQ3, 1),
                    alloc_bytes = Math.Round(m.AllocatedBytes, 1),
                    threads = m.Threads,
                    rounds = m.Rounds,
                    error = m.Error,
                    family = m.Model.Family,
                    arch = m.Model.Arch,
                    pattern = m.Model.Pattern,
                    sparsity = Math.Round(m.Model.Sparsity, 4),
                    layer_sparsity = m.Model.LayerSparsity,
                    weights = m.Model.Weights,
                    nonzero_weights = m.Model.NonzeroWeights,
                    multiply_adds = m.Model.MultiplyAdds,
                    kind = m.Model.Kind,
                    dense_ref = m.Model.DenseRef,
                    model = m.Model.ModelName,
                    inputs = m.Model.InputSet,
                    input_zero_fraction = double.IsNaN(m.Model.InputZeroFraction) ? (double?)null : m.Model.InputZeroFraction,
                    activation_zero_fraction = m.Model.ActivationZeroFraction,
                    largest_method_il = m.Implementation.StartsWith("pcg-", StringComparison.Ordinal)
                        ? m.Model.Variants.FirstOrDefault(v => "pcg-" + v.Kernel == m.Implementation)?.LargestMethod.IlBytes : null,
                }).ToArray(),
            };
            string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (dir != null) Directory.CreateDirectory(dir);
            File.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(doc, new JsonSerializerOptions { WriteIndented = true }));
        }

        private static double? Round(double? v, int digits) => v is double d ? Math.Round(d, digits) : null;
    }

    /// <summary>What the figures depend on, printed at the top of every run and stored in the JSON.</summary>
    public static class MachineInfo
    {
        private static Dictionary<string, string>? s_cpuinfo;

        /// <summary>The first processor's fields of /proc/cpuinfo (empty elsewhere).</summary>
        private static Dictionary<string, string> CpuInfo()
        {
            if (s_cpuinfo != null) return s_cpuinfo;
            var d = new Dictionary<string, string>(StringComparer.Ordinal);
            try
            {
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.Trim().Length == 0) { if (d.Count > 0) break; continue; }
                    int i = line.IndexOf(':');
                    if (i > 0) d.TryAdd(line.Substring(0, i).Trim(), line.Substring(i + 1).Trim());
                }
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            return s_cpuinfo = d;
        }

        public static string Cpu() => CpuInfo().TryGetValue("model name", out var m) ? m : RuntimeInformation.ProcessArchitecture.ToString();

        /// <summary>"family 26 model 2 stepping 1 (AMD Zen 5)": the family decides full- or half-width AVX-512 (Zen 5 vs Zen 4).</summary>
        public static string Family()
        {
            var c = CpuInfo();
            if (!c.TryGetValue("cpu family", out var fam)) return RuntimeInformation.ProcessArchitecture.ToString();
            c.TryGetValue("model", out var model);
            c.TryGetValue("stepping", out var stepping);
            c.TryGetValue("vendor_id", out var vendor);
            int.TryParse(fam, NumberStyles.Integer, CultureInfo.InvariantCulture, out int f);
            int.TryParse(model, NumberStyles.Integer, CultureInfo.InvariantCulture, out int m);
            string uarch = vendor == "AuthenticAMD" ? f switch
            {
                23 => "AMD Zen 1/2",
                25 => m >= 0x10 && m < 0x20 || m >= 0x60 && m < 0x80 || m >= 0xA0 ? "AMD Zen 4 (AVX-512 as two 256-bit halves)" : "AMD Zen 3",
                26 => "AMD Zen 5 (full-width AVX-512)",
                _ => "AMD",
            } : vendor == "GenuineIntel" ? "Intel" : vendor ?? "";
            return $"family {fam} model {model} stepping {stepping} ({uarch})";
        }

        /// <summary>The widest SIMD the runtime uses, and the CPU's own AVX-512 subsets.</summary>
        public static string IsaSummary()
        {
            var flags = new HashSet<string>((CpuInfo().GetValueOrDefault("flags") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
            string avx512 = string.Join("/", new[] { "f", "bw", "vl", "dq", "_vnni", "_bf16", "vbmi", "_fp16" }.Where(x => flags.Contains("avx512" + x)).Select(x => x.TrimStart('_').ToUpperInvariant()));
            string used = Vector512.IsHardwareAccelerated ? "AVX-512" : Avx2.IsSupported ? "AVX2" : System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? "NEON" : Vector128.IsHardwareAccelerated ? "SSE/128-bit" : "scalar";
            return $"{used} in use" + (avx512.Length > 0 ? $"; CPU AVX-512 {avx512}" : "") + (flags.Contains("avx2") ? ", AVX2" : "") + (flags.Contains("fma") ? ", FMA" : "");
        }

        public static string LoadAverage()
        {
            try { return File.ReadAllText("/proc/loadavg").Trim(); }
            catch (IOException) { return "?"; }
            catch (UnauthorizedAccessException) { return "?"; }
        }

        public static string Isa() =>
            $"Vector512={Vector512.IsHardwareAccelerated} Vector256={Vector256.IsHardwareAccelerated} Vector128={Vector128.IsHardwareAccelerated} " +
            $"Avx512F={Avx512F.IsSupported} Avx2={Avx2.IsSupported} Fma={Fma.IsSupported} AdvSimd={System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported}";

        public static object Describe() => new
        {
            cpu = Cpu(),
            family = Family(),
            isa_summary = IsaSummary(),
            logical_cores = Environment.ProcessorCount,
            os = RuntimeInformation.OSDescription,
            arch = RuntimeInformation.ProcessArchitecture.ToString(),
            runtime = RuntimeInformation.FrameworkDescription,
            isa = Isa(),
            onnxruntime = OrtVersion(),
            loadavg = LoadAverage(),
        };

        public static string OrtVersion()
        {
            try { return Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString(); }
            catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException) { return "?"; }
        }
    }
}
