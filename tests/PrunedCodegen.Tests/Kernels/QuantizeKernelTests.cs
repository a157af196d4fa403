using System;
using System.Linq;
using PrunedCodegen.Tests.Infrastructure;

namespace PrunedCodegen.Tests.Kernels
{
    /// <summary>
    /// The vector QuantizeLinear / DequantizeLinear kernels at every width through <see cref="KernelHarness"/>, against the
    /// ONNX definition written out here per element (round half to even after the division, saturation, NaN kept):
    /// bit-identical, ties, saturating values, infinities and signed zeros included, on lengths around each vector size.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class QuantizeKernelTests
    {
        private static readonly Lazy<Type> s_shim = new Lazy<Type>(() => KernelHarness.Compile(@"
public static class QuantizeShim
{
    public static void Quantize(string width, float[] y, float scale, float zeroPoint, float min, float max)
    {
" + KernelHarness.WidthSwitch((w, vt) => $"Kernels.QuantizeVectors<{w}, {vt}>(y, scale, min - zeroPoint, max - zeroPoint, 1f, zeroPoint)") + @"
    }
    public static void Pair(string width, float[] y, float scale, float low, float high)
    {
" + KernelHarness.WidthSwitch((w, vt) => $"Kernels.QuantizeVectors<{w}, {vt}>(y, scale, low, high, scale, 0f)") + @"
    }
    public static void Dequantize(string width, float[] y, float scale, float zeroPoint)
    {
" + KernelHarness.WidthSwitch((w, vt) => $"Kernels.DequantizeVectors<{w}, {vt}>(y, scale, zeroPoint)") + @"
    }
    public static void DispatchPair(float[] y, float scale, float low, float high) => Kernels.QuantizeDequantize(y, scale, low, high);
}", "QuantizeShim"));

        private static int Lanes(string width) => width switch { "512" => 16, "256" => 8, "128" => 4, _ => 1 };

        /// <summary>ONNX QuantizeLinear of one value, the integer as a float (NaN kept).</summary>
        private static float OnnxQuantize(float x, float scale, float zeroPoint, float min, float max)
        {
            float q = MathF.Round(x / scale, MidpointRounding.ToEven) + zeroPoint;
            return q < min ? min : q > max ? max : q;
        }

        private static float[] Values(int n, float scale, int seed)
        {
            var random = new Random(seed);
            var specials = new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f, 1e30f, -1e30f };
            return Enumerable.Range(0, n).Select(i =>
                i % 9 == 4 ? specials[random.Next(specials.Length)]
                : i % 3 == 1 ? (random.Next(-300, 300) + 0.5f) * scale          // ties: x / scale lands on .5
                : (float)(random.NextDouble() * 400 - 200) * scale).ToArray();
        }

        private static void AssertSame(float expected, float actual, string what) =>
            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual) || (float.IsNaN(expected) && float.IsNaN(actual)),
                $"{what}: {actual}, expected {expected}");

        public static TheoryData<string, int> Cases()
        {
            var data = new TheoryData<string, int>();
            foreach (string width in KernelHarness.Widths)
                foreach (int n in new[] { 1, 4, 5, 8, 9, 16, 17, 40, 257 })
                    if (n >= Lanes(width)) data.Add(width, n);
            return data;
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void Quantize_dequantize_and_the_pair_match_onnx_at_every_width(string width, int n)
        {
            foreach (var (scale, zeroPoint, min, max) in new[] { (0.5f, 0f, -128f, 127f), (0.0625f, 128f, 0f, 255f), (0.013f, -17f, -128f, 127f), (0.25f, 3f, 0f, 65535f) })
            {
                var x = Values(n, scale, n * 31 + (int)zeroPoint);
                var q = (float[])x.Clone();
                KernelHarness.Invoke(s_shim.Value, "Quantize", width, q, scale, zeroPoint, min, max);
                for (int i = 0; i < n; i++)
                    AssertSame(OnnxQuantize(x[i], scale, zeroPoint, min, max) + 0f, q[i], $"Quantize width {width}, n {n}, scale {scale}, zp {zeroPoint}, x[{i}] = {x[i]}");

                var d = (float[])q.Clone();
                KernelHarness.Invoke(s_shim.Value, "Dequantize", width, d, scale, zeroPoint);
                for (int i = 0; i < n; i++)
                    AssertSame((q[i] - zeroPoint) * scale, d[i], $"Dequantize width {width}, n {n}, q[{i}] = {q[i]}");

                // The fused pair equals Dequantize(Quantize(x)), signed zeros included (an integer 0 dequantizes to +0).
                var pair = (float[])x.Clone();
                KernelHarness.Invoke(s_shim.Value, "Pair", width, pair, scale, min - zeroPoint, max - zeroPoint);
                for (int i = 0; i < n; i++)
                    AssertSame(d[i], pair[i], $"pair width {width}, n {n}, x[{i}] = {x[i]}");
            }
        }

        [Fact]
        public void Dispatch_handles_empty_and_short_spans()
        {
            KernelHarness.Invoke(s_shim.Value, "DispatchPair", Array.Empty<float>(), 0.5f, -128f, 127f);
            var y = new[] { 0.74f, -0.25f, 300f };
            KernelHarness.Invoke(s_shim.Value, "DispatchPair", y, 0.5f, -128f, 127f);
            Assert.Equal(new[] { 0.5f, 0f, 63.5f }, y);
            Assert.Equal(0, BitConverter.SingleToInt32Bits(y[1]));   // +0, not -0
        }
    }
}
