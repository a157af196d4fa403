using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Graph;
using PrunedCodegen.Planning;
using PrunedCodegen.Tests.Infrastructure;

namespace PrunedCodegen.Tests.Kernels
{
    /// <summary>
    /// The direct conv kernel (Kernels.ConvDirect) at every vector width through <see cref="KernelHarness"/> (Vector512 in
    /// software where it is not accelerated), against a plain reference loop over the ONNX definition of Conv, on
    /// geometries with partial vectors, odd filter counts, strides, dilations and asymmetric pads, and each fused activation.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class DirectConvKernelTests
    {
        private static readonly Lazy<Type> s_shim = new Lazy<Type>(() => KernelHarness.Compile(@"
public static class DirectShim
{
    public static void Run(string width, float[] x, float[] y, int[] g, float[] bias, float[] w, int[] offsets, int[] starts, int activation, float p0, float p1)
    {
" + KernelHarness.WidthSwitch((w, vt) => $"Kernels.ConvDirect<{w}, {vt}>(x, y, g, bias, w, offsets, starts, activation, p0, p1)") + @"
    }
}", "DirectShim"));

        // in channels, H, W, filters, kH, kW, stride H, stride W, dilation, pads top, left, bottom, right, activation (0 none, 1 clamp, 2 leaky, 3 hardswish)
        [Theory]
        [InlineData(3, 9, 13, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1)]
        [InlineData(2, 11, 20, 9, 5, 3, 2, 2, 2, 2, 0, 1, 3, 0)]
        [InlineData(4, 5, 37, 8, 1, 7, 1, 3, 1, 0, 3, 0, 2, 2)]
        [InlineData(1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 3)]
        [InlineData(5, 17, 40, 17, 3, 3, 1, 1, 1, 0, 0, 0, 0, 1)]
        public void ConvDirect_matches_a_reference_loop_at_every_width(int c, int h, int w, int m, int kH, int kW, int sH, int sW, int dil,
            int padT, int padL, int padB, int padR, int activation)
        {
            var g = new WindowGeometry
            {
                Images = 2, InChannels = c, OutChannels = m, In = new[] { 1, h, w }, Kernel = new[] { 1, kH, kW }, Stride = new[] { 1, sH, sW },
                Dilation = new[] { 1, dil, dil }, PadBegin = new[] { 0, padT, padL }, PadEnd = new[] { 0, padB, padR }, Rank = 2,
            };
            int outH = (h + padT + padB - dil * (kH - 1) - 1) / sH + 1, outW = (w + padL + padR - dil * (kW - 1) - 1) / sW + 1;
            g.Out = new[] { 1, outH, outW };
            var random = new Random(c * 7 + m);
            float[] weights = Enumerable.Range(0, m * c * kH * kW).Select(_ => random.NextDouble() < 0.3 ? 0f : (float)(random.NextDouble() * 2 - 1)).ToArray();
            float[] bias = Enumerable.Range(0, m).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            float[] x = Enumerable.Range(0, 2 * c * h * w).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();

            // Packed as the emitter packs them: per tile of 8 filters, the taps any of them uses.
            var packed = new List<float>();
            var offsets = new List<int>();
            var starts = new List<int> { 0 };
            int per = c * kH * kW;
            for (int first = 0; first < m; first += 8)
            {
                for (int row = 0; row < per; row++)
                {
                    if (!Enumerable.Range(first, Math.Min(8, m - first)).Any(f => weights[f * per + row] != 0f)) continue;
                    offsets.Add(ConvPlanner.DirectTapOffset(g, row / (kH * kW), 0, row / kW % kH, row % kW));
                    for (int f = 0; f < 8; f++) packed.Add(first + f < m ? weights[(first + f) * per + row] : 0f);
                }
                starts.Add(offsets.Count);
            }

            var expected = new float[2 * m * outH * outW];
            for (int n = 0; n < 2; n++)
                for (int f = 0; f < m; f++)
                    for (int oh = 0; oh < outH; oh++)
                        for (int ow = 0; ow < outW; ow++)
                        {
                            double sum = bias[f];
                            for (int ch = 0; ch < c; ch++)
                                for (int i = 0; i < kH; i++)
                                    for (int j = 0; j < kW; j++)
                                    {
                                        int ih = oh * sH + i * dil - padT, iw = ow * sW + j * dil - padL;
                                        if (ih >= 0 && ih < h && iw >= 0 && iw < w) sum += weights[f * per + (ch * kH + i) * kW + j] * x[((n * c + ch) * h + ih) * w + iw];
                                    }
                            float v = (float)sum;
                            v = activation switch
                            {
                                1 => Math.Min(Math.Max(v, -0.5f), 0.75f),
                                2 => v < 0 ? v * 0.1f : v,
                                3 => v * Math.Max(0f, Math.Min(1f, v / 6f + 0.5f)),
                                _ => v,
                            };
                            expected[((n * m + f) * outH + oh) * outW + ow] = v;
                        }
            float p0 = activation == 1 ? -0.5f : activation == 2 ? 0.1f : 0f, p1 = activation == 1 ? 0.75f : 0f;
            foreach (string width in KernelHarness.Widths)
            {
                var y = Enumerable.Repeat(float.NaN, expected.Length).ToArray();
                KernelHarness.Invoke(s_shim.Value, "Run", width, x, y, g.ToTable(), bias, packed.ToArray(), offsets.ToArray(), starts.ToArray(), activation, p0, p1);
                Tolerance.AssertClose(expected, y, 1e-4f, 1e-4f, $"ConvDirect at width {width}");
            }
        }

        [Fact]
        public void ConvDirect_refuses_a_tap_offset_outside_the_staged_input()
        {
            var g = new WindowGeometry { Images = 1, InChannels = 1, OutChannels = 1, In = new[] { 1, 4, 4 }, Out = new[] { 1, 4, 4 }, Rank = 2 };
            var e = Assert.Throws<ArgumentException>(() => KernelHarness.Invoke(s_shim.Value, "Run", "128", new float[16], new float[16], g.ToTable(),
                Array.Empty<float>(), new float[8], new[] { 1 << 20 }, new[] { 0, 1 }, 0, 0f, 0f));
            Assert.Contains("outside the staged input", e.Message);
        }
    }
}
