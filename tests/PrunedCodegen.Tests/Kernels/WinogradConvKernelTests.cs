using System;
using System.Linq;
using PrunedCodegen.Graph;
using PrunedCodegen.Planning;
using PrunedCodegen.Tests.Infrastructure;

namespace PrunedCodegen.Tests.Kernels
{
    /// <summary>
    /// The Winograd F(2x2, 3x3) conv kernel (Kernels.ConvWinograd) with its GEMMs at every vector width through
    /// <see cref="KernelHarness"/>, against a plain reference loop over the ONNX definition of Conv (in double), with the
    /// filters transformed by the planner: odd and even sizes (a dropped last tile row or column), rows of 1 to 40 tiles
    /// (every transform width and the scalar one), maps cut into several blocks of tile rows, pads 0 to 2 and asymmetric,
    /// input channels no filter reads, batches, the fused clamp, and images with an infinity or NaN (the direct fallback).
    /// </summary>
    [Trait("Category", "Kernels")]
    public class WinogradConvKernelTests
    {
        private static readonly Lazy<Type> s_shim = new Lazy<Type>(() => KernelHarness.Compile(@"
public static class WinogradShim
{
    public static void Run(string width, float[] x, float[] y, int[] g, float[] bias, float[] packed, int[] channels, float[] weights, bool clamp, float low, float high)
    {
" + KernelHarness.WidthSwitch((w, vt) => $"Kernels.ConvWinograd<{w}, {vt}>(x, y, g, bias, packed, channels, weights, clamp, low, high)") + @"
    }
}", "WinogradShim"));

        // in channels, H, W, filters, pads (top, left, bottom, right), images, clamp, dead input channels, bias
        [Theory]
        [InlineData(3, 8, 8, 5, 1, 1, 1, 1, 1, false, 0, true)]        // 4 tiles per row: Vector128 transforms
        [InlineData(16, 32, 32, 16, 1, 1, 1, 1, 1, true, 0, true)]     // ResNet-8 first stage: 16 tiles per row
        [InlineData(4, 9, 13, 9, 1, 1, 1, 1, 2, false, 0, true)]       // odd height and width, 9 filters (a partial panel), 2 images
        [InlineData(2, 5, 5, 3, 0, 0, 0, 0, 1, false, 0, false)]       // no padding, 3x3 output, no bias
        [InlineData(1, 4, 3, 2, 2, 0, 1, 2, 1, true, 0, true)]         // asymmetric pads, 1-2 tiles per row: scalar transforms
        [InlineData(5, 17, 40, 20, 1, 2, 0, 1, 3, false, 1, true)]     // 19 tiles per row: a vector and an overlapping one; 3 images
        [InlineData(64, 40, 40, 64, 1, 1, 1, 1, 1, false, 3, true)]    // several blocks of tile rows, a partial last block; dead channels
        [InlineData(7, 3, 3, 33, 1, 1, 1, 1, 1, true, 0, true)]        // 3x3 map, 33 filters
        [InlineData(24, 16, 16, 24, 1, 1, 1, 1, 2, true, 2, true)]     // CIFAR-10 third conv
        public void ConvWinograd_matches_a_reference_loop_at_every_width(int c, int h, int w, int m, int padT, int padL, int padB, int padR,
            int images, bool clamp, int dead, bool withBias)
        {
            var g = new WindowGeometry
            {
                Images = images, InChannels = c, OutChannels = m, In = new[] { 1, h, w }, Kernel = new[] { 1, 3, 3 }, Stride = new[] { 1, 1, 1 },
                Dilation = new[] { 1, 1, 1 }, PadBegin = new[] { 0, padT, padL }, PadEnd = new[] { 0, padB, padR }, Rank = 2,
            };
            int outH = h + padT + padB - 2, outW = w + padL + padR - 2;
            g.Out = new[] { 1, outH, outW };
            var random = new Random(c * 7 + m + h * 3 + w);
            float[] weights = Enumerable.Range(0, m * c * 9).Select(_ => random.NextDouble() < 0.2 ? 0f : (float)(random.NextDouble() * 2 - 1)).ToArray();
            // The last `dead` input channels are read by no filter: left out of the channel list, as the emitter does.
            for (int f = 0; f < m; f++)
                for (int ch = c - dead; ch < c; ch++)
                    for (int k = 0; k < 9; k++) weights[(f * c + ch) * 9 + k] = 0f;
            float[] bias = withBias ? Enumerable.Range(0, m).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray() : Array.Empty<float>();
            float[] x = Enumerable.Range(0, images * c * h * w).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
            var (packed, channels) = Transform(weights, c, m);
            Assert.Equal(c - dead, channels.Length);

            float[] expected = Reference(x, weights, bias, images, c, h, w, m, padT, padL, outH, outW, clamp);
            foreach (string width in KernelHarness.Widths)
            {
                var y = Enumerable.Repeat(float.NaN, expected.Length).ToArray();
                KernelHarness.Invoke(s_shim.Value, "Run", width, x, y, g.ToTable(), bias, packed, channels, weights, clamp, -0.5f, 0.75f);
                // Winograd's additions round differently from the direct sum: a tolerance on the scale of the terms.
                Tolerance.AssertClose(expected, y, 1e-4f, 1e-4f, $"ConvWinograd at width {width}");
            }
        }

        /// <summary>
        /// An image with an infinity or NaN is convolved directly, so that each non-finite input reaches only the outputs
        /// whose window holds it (the transforms alone would spread NaN over whole tiles); the other image of the batch
        /// still goes through the transforms.
        /// </summary>
        [Fact]
        public void ConvWinograd_keeps_non_finite_inputs_inside_their_windows()
        {
            const int c = 3, h = 12, w = 12, m = 4;
            var g = new WindowGeometry
            {
                Images = 2, InChannels = c, OutChannels = m, In = new[] { 1, h, w }, Kernel = new[] { 1, 3, 3 }, Stride = new[] { 1, 1, 1 },
                Dilation = new[] { 1, 1, 1 }, PadBegin = new[] { 0, 1, 1 }, PadEnd = new[] { 0, 1, 1 }, Rank = 2, Out = new[] { 1, h, w },
            };
            var random = new Random(5);
            float[] weights = Enumerable.Range(0, m * c * 9).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            float[] bias = Enumerable.Range(0, m).Select(_ => 0.1f).ToArray();
            float[] x = Enumerable.Range(0, 2 * c * h * w).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
            x[(1 * c + 1) * h * w + 5 * w + 6] = float.PositiveInfinity;   // image 1, channel 1, row 5, column 6
            x[(1 * c + 2) * h * w + 0] = float.NaN;
            var (packed, channels) = Transform(weights, c, m);
            float[] expected = Reference(x, weights, bias, 2, c, h, w, m, 1, 1, h, w, clamp: false);
            Assert.Contains(expected, float.IsPositiveInfinity);
            foreach (string width in KernelHarness.Widths)
            {
                var y = new float[expected.Length];
                KernelHarness.Invoke(s_shim.Value, "Run", width, x, y, g.ToTable(), bias, packed, channels, weights, false, 0f, 0f);
                for (int i = 0; i < y.Length; i++)
                    Assert.True(float.IsFinite(expected[i]) ? Math.Abs(expected[i] - y[i]) <= 1e-4f * (1 + Math.Abs(expected[i])) : expected[i].Equals(y[i]),
                        $"width {width}, output {i}: expected {expected[i]}, got {y[i]}");
            }
        }

        [Fact]
        public void ConvWinograd_refuses_a_window_it_does_not_compute()
        {
            var g = new WindowGeometry
            {
                Images = 1, InChannels = 1, OutChannels = 1, In = new[] { 1, 6, 6 }, Kernel = new[] { 1, 3, 3 }, Stride = new[] { 1, 2, 2 },
                Dilation = new[] { 1, 1, 1 }, PadBegin = new[] { 0, 1, 1 }, PadEnd = new[] { 0, 1, 1 }, Rank = 2, Out = new[] { 1, 3, 3 },
            };
            var e = Assert.Throws<ArgumentException>(() => KernelHarness.Invoke(s_shim.Value, "Run", "128", new float[36], new float[9], g.ToTable(),
                Array.Empty<float>(), new float[16 * 8], new[] { 0 }, new float[9], false, 0f, 0f));
            Assert.Contains("stride and dilation 1", e.Message);
        }

        private static (float[] Packed, int[] Channels) Transform(float[] weights, int c, int m)
        {
            var channels = ConvPlanner.WinogradChannels(weights, m, c);
            return (ConvPlanner.WinogradTransformFilters(weights, m, c, channels), channels.ToArray());
        }

        private static float[] Reference(float[] x, float[] weights, float[] bias, int images, int c, int h, int w, int m, int padT, int padL, int outH, int outW, bool clamp)
        {
            var expected = new float[images * m * outH * outW];
            for (int n = 0; n < images; n++)
                for (int f = 0; f < m; f++)
                    for (int oh = 0; oh < outH; oh++)
                        for (int ow = 0; ow < outW; ow++)
                        {
                            double sum = bias.Length > 0 ? bias[f] : 0;
                            for (int ch = 0; ch < c; ch++)
                                for (int i = 0; i < 3; i++)
                                    for (int j = 0; j < 3; j++)
                                    {
                                        int ih = oh + i - padT, iw = ow + j - padL;
                                        float wt = weights[(f * c + ch) * 9 + i * 3 + j];
                                        if (ih >= 0 && ih < h && iw >= 0 && iw < w) sum += wt * (double)x[((n * c + ch) * h + ih) * w + iw];
                                    }
                            float v = (float)sum;
                            if (clamp) v = Math.Min(Math.Max(v, -0.5f), 0.75f);
                            expected[((n * m + f) * outH + oh) * outW + ow] = v;
                        }
            return expected;
        }
    }
}
