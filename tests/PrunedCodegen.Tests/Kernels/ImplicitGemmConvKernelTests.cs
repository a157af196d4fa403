using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Graph;
using PrunedCodegen.Planning;
using PrunedCodegen.Tests.Infrastructure;

namespace PrunedCodegen.Tests.Kernels
{
    /// <summary>
    /// The implicit-GEMM conv kernel (Kernels.ConvImplicitGemm) at every vector width through <see cref="KernelHarness"/> (Vector512
    /// in software where it is not accelerated), against a plain reference loop over the ONNX definition of Conv, on planes
    /// below, at and above the 64-position chunk (rows split across chunks, a last partial chunk), strides, dilations,
    /// asymmetric pads, 3-D, taps left out, and the fused clamp.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class ImplicitGemmConvKernelTests
    {
        private static readonly Lazy<Type> s_shim = new Lazy<Type>(() => KernelHarness.Compile(@"
public static class ImplicitGemmShim
{
    public static void Run(string width, float[] x, float[] y, int[] g, float[] bias, float[] w, int[] offsets, int mask, bool clamp, float low, float high)
    {
" + KernelHarness.WidthSwitch((w, vt) => $"Kernels.ConvImplicitGemm<{w}, {vt}>(x, y, g, bias, w, offsets, mask, clamp, low, high)") + @"
    }
}", "ImplicitGemmShim"));

        // in channels, D, H, W, filters, kD, kH, kW, stride D/H/W, dilation, pads (D, H, W begin; D, H, W end), clamp
        [Theory]
        [InlineData(3, 1, 9, 13, 10, 1, 3, 3, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, true)]     // 9x13 over 15-float rows
        [InlineData(2, 1, 11, 20, 13, 1, 5, 3, 1, 2, 2, 2, 0, 2, 0, 0, 1, 3, false)]    // strides 2, dilation 2, asymmetric pads, 13 filters
        [InlineData(4, 1, 5, 37, 8, 1, 1, 7, 1, 1, 3, 1, 0, 0, 3, 0, 2, 2, true)]      // 1x7, W stride 3
        [InlineData(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, false)]      // one position
        [InlineData(5, 1, 7, 7, 17, 1, 3, 3, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, true)]      // 7x7: a 64-position chunk
        [InlineData(16, 1, 8, 8, 32, 1, 3, 3, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, false)]    // 8x8 over 10-float rows: two chunks
        [InlineData(8, 1, 16, 16, 24, 1, 3, 3, 1, 2, 2, 1, 0, 1, 1, 0, 1, 1, true)]    // ResNet-style stride 2
        [InlineData(6, 1, 6, 41, 10, 1, 1, 1, 1, 2, 2, 1, 0, 0, 0, 0, 0, 0, false)]    // 1x1 stride 2 over 41-float rows: one phase, a vector deinterleave
        [InlineData(3, 1, 5, 70, 9, 1, 3, 3, 1, 2, 2, 1, 0, 1, 1, 0, 0, 1, true)]      // 3x3 stride 2 over 72-float padded rows, asymmetric pads
        [InlineData(3, 1, 33, 1, 5, 1, 3, 1, 1, 1, 1, 1, 0, 1, 0, 0, 1, 0, false)]     // W = 1: a segment per position
        [InlineData(2, 5, 6, 7, 9, 3, 3, 3, 2, 1, 2, 1, 1, 1, 1, 0, 1, 1, true)]       // 3-D with strides
        public void ConvImplicitGemm_matches_a_reference_loop_at_every_width(int c, int d, int h, int w, int m, int kD, int kH, int kW, int sD, int sH, int sW,
            int dil, int padF, int padT, int padL, int padBk, int padB, int padR, bool clamp)
        {
            var g = new WindowGeometry
            {
                Images = 2, InChannels = c, OutChannels = m, In = new[] { d, h, w }, Kernel = new[] { kD, kH, kW }, Stride = new[] { sD, sH, sW },
                Dilation = new[] { dil, dil, dil }, PadBegin = new[] { padF, padT, padL }, PadEnd = new[] { padBk, padB, padR }, Rank = 3,
            };
            int outD = (d + padF + padBk - dil * (kD - 1) - 1) / sD + 1, outH = (h + padT + padB - dil * (kH - 1) - 1) / sH + 1, outW = (w + padL + padR - dil * (kW - 1) - 1) / sW + 1;
            g.Out = new[] { outD, outH, outW };
            var random = new Random(c * 7 + m + h);
            int volume = kD * kH * kW, per = c * volume;
            float[] weights = Enumerable.Range(0, m * per).Select(_ => random.NextDouble() < 0.3 ? 0f : (float)(random.NextDouble() * 2 - 1)).ToArray();
            // Input channel 0's first tap zero in every filter: left out of the taps, as the emitter does.
            for (int f = 0; f < m; f++) weights[f * per] = 0f;
            float[] bias = Enumerable.Range(0, m).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            float[] x = Enumerable.Range(0, 2 * c * d * h * w).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();

            var used = Enumerable.Range(0, per).Where(row => Enumerable.Range(0, m).Any(f => weights[f * per + row] != 0f)).ToList();
            var offsets = used.Select(row => ConvPlanner.ImplicitGemmTapOffset(g, row / volume, row % volume / (kH * kW), row % (kH * kW) / kW, row % kW)).ToArray();
            int mask = ConvPlanner.ImplicitGemmPhaseMask(g, used);
            int panels = (m + 7) / 8;
            var packed = new float[panels * used.Count * 8];
            for (int f = 0; f < m; f++)
                for (int t = 0; t < used.Count; t++)
                    packed[f / 8 * used.Count * 8 + t * 8 + f % 8] = weights[f * per + used[t]];

            int plane = outD * outH * outW;
            var expected = new float[2 * m * plane];
            for (int n = 0; n < 2; n++)
                for (int f = 0; f < m; f++)
                    for (int od = 0; od < outD; od++)
                        for (int oh = 0; oh < outH; oh++)
                            for (int ow = 0; ow < outW; ow++)
                            {
                                double sum = bias[f];
                                for (int ch = 0; ch < c; ch++)
                                    for (int a = 0; a < kD; a++)
                                        for (int i = 0; i < kH; i++)
                                            for (int j = 0; j < kW; j++)
                                            {
                                                int id = od * sD + a * dil - padF, ih = oh * sH + i * dil - padT, iw = ow * sW + j * dil - padL;
                                                if (id >= 0 && id < d && ih >= 0 && ih < h && iw >= 0 && iw < w)
                                                    sum += weights[f * per + ((ch * kD + a) * kH + i) * kW + j] * x[(((n * c + ch) * d + id) * h + ih) * w + iw];
                                            }
                                float v = (float)sum;
                                if (clamp) v = Math.Min(Math.Max(v, -0.5f), 0.75f);
                                expected[(n * m + f) * plane + (od * outH + oh) * outW + ow] = v;
                            }
            foreach (string width in KernelHarness.Widths)
            {
                var y = Enumerable.Repeat(float.NaN, expected.Length).ToArray();
                KernelHarness.Invoke(s_shim.Value, "Run", width, x, y, g.ToTable(), bias, packed, offsets, mask, clamp, -0.5f, 0.75f);
                Tolerance.AssertClose(expected, y, 1e-4f, 1e-4f, $"ConvImplicitGemm at width {width}");
            }
        }

        [Fact]
        public void ConvImplicitGemm_refuses_a_tap_offset_outside_the_staged_input()
        {
            var g = new WindowGeometry { Images = 1, InChannels = 1, OutChannels = 1, In = new[] { 1, 4, 4 }, Out = new[] { 1, 4, 4 }, Rank = 2 };
            var e = Assert.Throws<ArgumentException>(() => KernelHarness.Invoke(s_shim.Value, "Run", "128", new float[16], new float[16], g.ToTable(),
                Array.Empty<float>(), new float[8], new[] { 1 }, -1, false, 0f, 0f));
            Assert.Contains("outside the staged input", e.Message);
        }
    }
}
