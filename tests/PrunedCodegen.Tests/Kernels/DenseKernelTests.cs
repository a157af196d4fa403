using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Tests.Infrastructure;

namespace PrunedCodegen.Tests.Kernels
{
    /// <summary>
    /// The single-sample dense kernels (Emitting/Runtime/DenseKernels.cs, and DenseSkipZerosKernels.cs, which skips zero
    /// inputs) at every vector width through
    /// <see cref="KernelHarness"/>, on awkward shapes, with the fused clamp (none, ReLU, Clip) and inputs holding zeros,
    /// NaN and infinities. Reference: a plain loop in double precision over the [K][N] weights, written here.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class DenseKernelTests
    {
        private static readonly Lazy<Type> s_shim = new Lazy<Type>(() => KernelHarness.Compile(@"
public static class DenseShim
{
    public static void Run(string width, float[] weights, float[] bias, float[] x, float[] y, float low, float high)
    {
        ref float w = ref MemoryMarshal.GetArrayDataReference(weights);
        ref float b = ref MemoryMarshal.GetArrayDataReference(bias);
        ref float xs = ref MemoryMarshal.GetArrayDataReference(x);
        ref float ys = ref MemoryMarshal.GetArrayDataReference(y);
        bool hasBias = bias.Length > 0;
        int k = x.Length, n = y.Length;
" + KernelHarness.WidthSwitch((w, vt) => $"Kernels.DenseColumns<{w}, {vt}>(ref w, ref b, hasBias, ref xs, k, ref ys, n, low, high)") + @"
    }

    public static void RunSkip(string width, float[] weights, float[] bias, float[] x, float[] y, float low, float high)
    {
        var values = new float[x.Length + 16];
        var offsets = new int[x.Length + 16];
        int count = Kernels.ListNonzeroInputs(x, y.Length, values, offsets);
        ref float w = ref MemoryMarshal.GetArrayDataReference(weights);
        ref float b = ref MemoryMarshal.GetArrayDataReference(bias);
        ref float vs = ref MemoryMarshal.GetArrayDataReference(values);
        ref int os = ref MemoryMarshal.GetArrayDataReference(offsets);
        ref float ys = ref MemoryMarshal.GetArrayDataReference(y);
        bool hasBias = bias.Length > 0;
        int n = y.Length;
" + KernelHarness.WidthSwitch((w, vt) => $"Kernels.DenseSkipZeros<{w}, {vt}>(ref w, ref b, hasBias, ref vs, ref os, count, ref ys, n, low, high)") + @"
    }

    // Padded rows of 16 at a width: all 16 outputs into a NaN-filled buffer (the real ones copied out), or, at
    // ""scalar-n"", only the n real outputs straight into y, as DenseColumnsPadded's scalar path does.
    public static void RunPadded(string width, float[] weights, float[] bias, float[] x, float[] y, float low, float high)
    {
        ref float w = ref MemoryMarshal.GetArrayDataReference(weights);
        ref float b = ref MemoryMarshal.GetArrayDataReference(bias);
        ref float xs = ref MemoryMarshal.GetArrayDataReference(x);
        bool hasBias = bias.Length > 0;
        int k = x.Length, n = y.Length;
        if (width == ""scalar-n"")
        {
            Kernels.DenseColumns<Kernels.ScalarWidth, float>(ref w, 16, ref b, hasBias, ref xs, k, ref MemoryMarshal.GetArrayDataReference(y), n, low, high);
            return;
        }
        var padded = new float[16];
        Array.Fill(padded, float.NaN);
        ref float ps = ref MemoryMarshal.GetArrayDataReference(padded);
" + KernelHarness.WidthSwitch((w, vt) => $"Kernels.DenseColumns<{w}, {vt}>(ref w, 16, ref b, hasBias, ref xs, k, ref ps, 16, low, high)") + @"
        for (int c = n; c < 16; c++)
            if (padded[c] != Math.Clamp(0f, low, high)) throw new InvalidOperationException($""padded output {c} is {padded[c]}"");
        Array.Copy(padded, y, n);
    }

    public static void DispatchPadded(float[] weights, float[] bias, float[] x, float[] y, float low, float high) =>
        Kernels.DenseColumnsPadded(weights, bias, x, y, low, high);

    public static void Dispatch(float[] weights, float[] bias, float[] x, float[] y, float low, float high) =>
        Kernels.DenseColumns(weights, bias, x, y, low, high);

    public static void DispatchSkip(float[] weights, float[] bias, float[] x, float[] y, float low, float high) =>
        Kernels.DenseSkipZeros(weights, bias, x, y, low, high);
}", "DenseShim"));

        private static readonly int[] Sizes = { 1, 3, 7, 17, 63, 100, 1000 };

        public static TheoryData<string, string, int, int> Cases()
        {
            var data = new TheoryData<string, string, int, int>();
            foreach (string kernel in new[] { "Run", "RunSkip" })
                foreach (string width in KernelHarness.Widths)
                    foreach (int k in Sizes)
                        foreach (int n in Sizes)
                            if (n >= Lanes(width)) data.Add(kernel, width, k, n);   // a width serves layers of at least one vector
            return data;
        }

        private static int Lanes(string width) => width switch { "512" => 16, "256" => 8, "128" => 4, _ => 1 };

        private static readonly (float Low, float High, string Name)[] Clamps =
        {
            (float.NegativeInfinity, float.PositiveInfinity, "none"),
            (0f, float.PositiveInfinity, "relu"),
            (-0.25f, 0.5f, "clip"),
        };

        [Theory]
        [MemberData(nameof(Cases))]
        public void Dense_kernel_at_every_width_matches_a_double_reference(string kernel, string width, int k, int n)
        {
            var random = new Random(k * 7919 + n);
            var weights = RandomArray(random, k * n);
            foreach (double zeros in new[] { 0.0, 0.5, 0.9, 1.0 })
            {
                var x = RandomArray(random, k).Select(v => random.NextDouble() < zeros ? 0f : v).ToArray();
                foreach (bool withBias in new[] { false, true })
                {
                    var bias = withBias ? RandomArray(random, n) : Array.Empty<float>();
                    foreach (var clamp in Clamps)
                    {
                        var y = Enumerable.Repeat(float.NaN, n).ToArray();   // every output must be written
                        KernelHarness.Invoke(s_shim.Value, kernel, width, weights, bias, x, y, clamp.Low, clamp.High);
                        Check(y, Reference(weights, bias, x, n, clamp.Low, clamp.High), $"{kernel}, width {width}, {k}x{n}, {zeros:P0} zeros, bias {withBias}, {clamp.Name}");
                    }
                }
            }
        }

        [Theory]
        [InlineData("Run", "512")]
        [InlineData("Run", "256")]
        [InlineData("Run", "128")]
        [InlineData("Run", "scalar")]
        [InlineData("RunSkip", "512")]
        [InlineData("RunSkip", "256")]
        [InlineData("RunSkip", "128")]
        [InlineData("RunSkip", "scalar")]
        public void NaN_and_infinite_inputs_propagate_as_in_the_reference(string kernel, string width)
        {
            var random = new Random(5);
            foreach (var (k, n) in new[] { (17, 100), (63, 17), (3, 1000) })
            {
                if (n < Lanes(width)) continue;
                var weights = RandomArray(random, k * n);
                // A zero weight column for input 1: NaN * 0 and inf * 0 are NaN, so a NaN or infinite input reaches every output.
                for (int c = 0; c < n; c++) weights[1 * n + c] = 0f;
                var bias = RandomArray(random, n);
                foreach (float special in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
                {
                    foreach (int at in new[] { 0, 1, k - 1 })
                    {
                        // Half the other inputs zero: the skip kernel skips those, never the NaN or infinity.
                        var x = RandomArray(random, k).Select(v => random.Next(2) == 0 ? 0f : v).ToArray();
                        x[at] = special;
                        foreach (var clamp in Clamps)
                        {
                            var y = new float[n];
                            KernelHarness.Invoke(s_shim.Value, kernel, width, weights, bias, x, y, clamp.Low, clamp.High);
                            Check(y, Reference(weights, bias, x, n, clamp.Low, clamp.High), $"{kernel}, width {width}, {k}x{n}, x[{at}] = {special}, {clamp.Name}");
                        }
                    }
                }
            }
        }

        /// <summary>The public entry point picks a width per layer (narrower ones for layers of fewer outputs than a vector).</summary>
        [Theory]
        [InlineData("Dispatch")]
        [InlineData("DispatchSkip")]
        public void Dispatch_serves_every_output_count(string entry)
        {
            var random = new Random(11);
            foreach (int n in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 10, 15, 16, 17, 31, 33, 100, 129 })
            {
                foreach (int k in new[] { 1, 10, 64 })
                {
                    var weights = RandomArray(random, k * n);
                    var bias = RandomArray(random, n);
                    var x = RandomArray(random, k).Select(v => random.Next(3) == 0 ? 0f : v).ToArray();
                    var y = new float[n];
                    KernelHarness.Invoke(s_shim.Value, entry, weights, bias, x, y, 0f, float.PositiveInfinity);
                    Check(y, Reference(weights, bias, x, n, 0f, float.PositiveInfinity), $"{entry} {k}x{n}");
                }
            }
            Assert.Throws<ArgumentException>(() => KernelHarness.Invoke(s_shim.Value, entry, new float[5], Array.Empty<float>(), new float[2], new float[3], 0f, 1f));
        }

        public static TheoryData<string, int> PaddedCases()
        {
            var data = new TheoryData<string, int>();
            foreach (string width in KernelHarness.Widths.Append("scalar-n").Append("dispatch"))
                foreach (int k in new[] { 1, 3, 7, 17, 55, 100 })
                    data.Add(width, k);
            return data;
        }

        /// <summary>
        /// A narrow layer's weights padded with zero columns to 16 (DenseColumnsPadded, as the generator emits them for 2, 3,
        /// 5-7 and 9-15 outputs): at every width the 16 padded outputs are whole vectors; the real ones match the unpadded
        /// reference and the padding lanes hold the clamped zero (nothing of them reaches y).
        /// </summary>
        [Theory]
        [MemberData(nameof(PaddedCases))]
        public void Padded_narrow_layer_at_every_width_matches_the_unpadded_reference(string width, int k)
        {
            var random = new Random(k * 31 + width.Length);
            foreach (int n in new[] { 2, 3, 5, 7, 9, 10, 12, 15 })
            {
                var weights = RandomArray(random, k * n);
                var padded = new float[k * 16];
                for (int p = 0; p < k; p++) Array.Copy(weights, p * n, padded, p * 16, n);
                foreach (bool withBias in new[] { false, true })
                {
                    var bias = withBias ? RandomArray(random, n) : Array.Empty<float>();
                    var paddedBias = withBias ? bias.Concat(new float[16 - n]).ToArray() : Array.Empty<float>();
                    var x = RandomArray(random, k).Select(v => random.Next(4) == 0 ? 0f : v).ToArray();
                    foreach (var clamp in Clamps)
                    {
                        var output = Enumerable.Repeat(float.NaN, n).ToArray();   // every output must be written
                        if (width == "dispatch") KernelHarness.Invoke(s_shim.Value, "DispatchPadded", padded, paddedBias, x, output, clamp.Low, clamp.High);
                        else KernelHarness.Invoke(s_shim.Value, "RunPadded", width, padded, paddedBias, x, output, clamp.Low, clamp.High);
                        Check(output, Reference(weights, bias, x, n, clamp.Low, clamp.High), $"padded, width {width}, {k}x{n}, bias {withBias}, {clamp.Name}");
                    }
                }
            }
            if (width == "dispatch")
            {
                // Rows not 16 long, or a bias of the unpadded length, are refused.
                Assert.Throws<ArgumentException>(() => KernelHarness.Invoke(s_shim.Value, "DispatchPadded", new float[3 * 10], Array.Empty<float>(), new float[3], new float[10], 0f, 1f));
                Assert.Throws<ArgumentException>(() => KernelHarness.Invoke(s_shim.Value, "DispatchPadded", new float[3 * 16], new float[10], new float[3], new float[10], 0f, 1f));
            }
        }

        private static float[] RandomArray(Random random, int length) =>
            Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

        /// <summary>The expected outputs in double, and each one's scale (sum of |terms|) for the tolerance.</summary>
        private static (double Value, double Scale)[] Reference(float[] weights, float[] bias, float[] x, int n, float low, float high)
        {
            var result = new (double, double)[n];
            for (int c = 0; c < n; c++)
            {
                double sum = bias.Length > 0 ? bias[c] : 0, scale = Math.Abs(sum);
                for (int p = 0; p < x.Length; p++)
                {
                    double term = (double)x[p] * weights[p * n + c];
                    sum += term;
                    scale += Math.Abs(term);
                }
                // The fused activation: min(max(v, low), high), NaN kept.
                if (sum < low) sum = low;
                if (sum > high) sum = high;
                result[c] = (sum, scale);
            }
            return result;
        }

        private static void Check(float[] actual, (double Value, double Scale)[] expected, string what)
        {
            for (int c = 0; c < actual.Length; c++)
            {
                var (e, scale) = expected[c];
                if (double.IsNaN(e)) Assert.True(float.IsNaN(actual[c]), $"{what}: output {c} is {actual[c]}, expected NaN");
                else if (double.IsInfinity(e)) Assert.True(actual[c] == e, $"{what}: output {c} is {actual[c]}, expected {e}");
                else Assert.True(Math.Abs(actual[c] - e) <= 1e-5 * (1 + scale), $"{what}: output {c} is {actual[c]}, expected {e}");
            }
        }
    }
}
