// EdgeDigits: an edge-style classifier loop. The 90%-pruned digits model is compiled into this binary at build time
// by PrunedCodegen; the app reads 8x8 digit images (64 pixel values in [0, 1], optionally preceded by the true label)
// one per line from a CSV file or stdin, and prints the predicted class and the latency of each prediction.
//
//   EdgeDigits [FILE.csv | -] [--logits]
//   EdgeDigits FILE.csv --kernels     (self-check: every kernel's logits for every row, for cross-ISA comparison)
//
// Lines that do not parse as 64 or 65 numbers (a CSV header, blank lines) are skipped. With --logits each row also
// carries the model's 10 logits, printed so that they round-trip exactly (publish-and-check.sh compares them).
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Arm = System.Runtime.Intrinsics.Arm;
using X86 = System.Runtime.Intrinsics.X86;

namespace EdgeDigits
{
    internal static class Program
    {
        private static int Main(string[] args)
        {
            long started = Stopwatch.GetTimestamp();
            string path = "-";
            bool printLogits = false;
            bool kernels = false;
            foreach (string arg in args)
            {
                if (arg == "--logits") printLogits = true;
                else if (arg == "--kernels") kernels = true;
                else if (arg == "-h" || arg == "--help")
                {
                    Console.WriteLine("usage: EdgeDigits [FILE.csv | -] [--logits]   (rows of 64 pixels in [0,1], optionally preceded by the label)");
                    return 0;
                }
                else path = arg;
            }

            var inv = CultureInfo.InvariantCulture;
            var stdout = Console.Out;
            stdout.WriteLine($"# EdgeDigits: {nameof(DigitsModel)} {DigitsModel.InputLength} -> {DigitsModel.OutputLength} on {RuntimeInformation.OSArchitecture}, " +
                             $"{RuntimeInformation.FrameworkDescription}");
            stdout.WriteLine("# simd: " + SimdFlags());
            if (kernels) return KernelSelfCheck.Run(path == "-" ? Console.In : File.OpenText(path), stdout);
            stdout.WriteLine(printLogits ? "row\tclass\tlabel\tlatency_ns\tlogits" : "row\tclass\tlabel\tlatency_ns");

            using TextReader input = path == "-" ? Console.In : File.OpenText(path);
            var pixels = new float[DigitsModel.InputLength];
            var logits = new float[DigitsModel.OutputLength];
            var latencies = new List<double>();
            int rows = 0, labelled = 0, correct = 0;
            double firstPredictionUs = 0;
            string? line;
            while ((line = input.ReadLine()) != null)
            {
                if (!TryParse(line, pixels, out int label)) continue;

                long t0 = Stopwatch.GetTimestamp();
                DigitsModel.Predict(pixels, logits);
                long t1 = Stopwatch.GetTimestamp();

                if (rows == 0) firstPredictionUs = Stopwatch.GetElapsedTime(started, t1).TotalMicroseconds;
                double ns = Stopwatch.GetElapsedTime(t0, t1).TotalNanoseconds;
                latencies.Add(ns);
                int predicted = ArgMax(logits);
                if (label >= 0)
                {
                    labelled++;
                    if (predicted == label) correct++;
                }
                string row = string.Create(inv, $"{rows}\t{predicted}\t{(label >= 0 ? label.ToString(inv) : "-")}\t{ns:0}");
                if (printLogits)
                {
                    var text = new string[logits.Length];
                    for (int i = 0; i < logits.Length; i++) text[i] = logits[i].ToString("R", inv);
                    row += "\t" + string.Join(",", text);
                }
                stdout.WriteLine(row);
                rows++;
            }

            if (rows == 0)
            {
                Console.Error.WriteLine("EdgeDigits: no rows of 64 pixel values (optionally preceded by a label) in the input");
                return 1;
            }
            latencies.Sort();
            stdout.WriteLine(string.Create(inv,
                $"# {rows} rows; {correct} of {labelled} labelled rows correct ({(labelled > 0 ? (double)correct / labelled : 0):0.00%}); " +
                $"latency median {latencies[latencies.Count / 2]:0} ns, max {latencies[^1]:0} ns; " +
                $"main() to first prediction {firstPredictionUs:0} us"));
            return 0;
        }

        /// <summary>64 pixels, or a label and 64 pixels, comma- or whitespace-separated; label is -1 when absent.</summary>
        internal static bool TryParse(string line, float[] pixels, out int label)
        {
            label = -1;
            string[] fields = line.Split(new[] { ',', ' ', '\t', ';' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            int offset = fields.Length - pixels.Length;
            if (offset != 0 && offset != 1) return false;
            if (offset == 1 && !int.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out label)) return false;
            for (int i = 0; i < pixels.Length; i++)
                if (!float.TryParse(fields[offset + i], NumberStyles.Float, CultureInfo.InvariantCulture, out pixels[i])) return false;
            return true;
        }

        private static int ArgMax(ReadOnlySpan<float> values)
        {
            int best = 0;
            for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
            return best;
        }

        /// <summary>What the generated kernels can use on this machine, as the JIT/AOT compiler decided it.</summary>
        internal static string SimdFlags() =>
            $"Vector512={Vector512.IsHardwareAccelerated} Vector256={Vector256.IsHardwareAccelerated} Vector128={Vector128.IsHardwareAccelerated} " +
            $"Avx512F={X86.Avx512F.IsSupported} Avx2={X86.Avx2.IsSupported} Fma={X86.Fma.IsSupported} " +
            $"AdvSimd={Arm.AdvSimd.IsSupported} AdvSimd.Arm64={Arm.AdvSimd.Arm64.IsSupported}";
    }
}
