using System;
using System.Linq;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>
    /// Depthwise-separable chains kept channels-last between their convolutions (LayoutPlanner): dw -> pw -> dw -> pw
    /// blocks with the depthwise convs through the channels kernel and the pointwise convs reading channels-last
    /// (Kernels.ConvPointwiseChannelsLast), transposed only where the chain is entered and left, against ONNX Runtime:
    /// channel and filter counts below, at and past a vector (1, 3, 8, 17, 33, 64), stride 2, SAME pads, batch 1/2/7,
    /// 0/50/90% zero weights, dead depthwise and pointwise filters, NaN/inf inputs, a value read by two ops (stays NCHW),
    /// a chain ending in a depthwise conv, and the last pointwise before GlobalAveragePool. Category Kernels: CI runs
    /// these once per instruction set.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class DepthwiseSeparableChainTests
    {
        /// <summary>
        /// x [N, c, h, w] -> (dw 3x3 stride s + Clip(0, 6) -> pw + ReLU) per entry of <paramref name="filters"/> [-> dw 3x3]
        /// [-> GlobalAveragePool] -> y. Filter 1 of the first depthwise and filter 0 of each pointwise all zero with zero bias.
        /// </summary>
        private static (ModelBuilder Builder, long[] OutShape) Chain(int c, int h, int w, int[] filters, int[] strides, double zeroFraction, bool endWithDepthwise, bool pool, int seed)
        {
            var b = new ModelBuilder(13).Input("x", null, c, h, w);
            string x = "x";
            int channels = c, height = h, width = w;
            b.Initializer("lo", Array.Empty<long>(), new[] { 0f }).Initializer("hi", Array.Empty<long>(), new[] { 6f });
            for (int i = 0; i < filters.Length; i++)
            {
                int s = strides[i];
                var wd = RandomWeights(channels * 9, seed + 10 * i, zeroFraction);
                var bd = RandomWeights(channels, seed + 10 * i + 1);
                if (i == 0 && channels >= 3) { Array.Clear(wd, 9, 9); bd[1] = 0f; }
                b.Initializer($"Wd{i}", new long[] { channels, 1, 3, 3 }, wd).Initializer($"Bd{i}", new long[] { channels }, bd)
                    .Node("Conv", new[] { x, $"Wd{i}", $"Bd{i}" }, new[] { $"d{i}" }, $"dw{i}", Ints("kernel_shape", 3, 3), Ints("strides", s, s),
                        Ints("pads", s == 1 ? new long[] { 1, 1, 1, 1 } : new long[] { 0, 0, 1, 1 }), Int("group", channels))
                    .Node("Clip", new[] { $"d{i}", "lo", "hi" }, new[] { $"r{i}" });
                height = (height + (s == 1 ? 2 : 1) - 3) / s + 1;
                width = (width + (s == 1 ? 2 : 1) - 3) / s + 1;
                int f = filters[i];
                var wp = RandomWeights(f * channels, seed + 10 * i + 2, zeroFraction);
                var bp = RandomWeights(f, seed + 10 * i + 3);
                if (f >= 3) { Array.Clear(wp, 0, channels); bp[0] = 0f; }
                b.Initializer($"Wp{i}", new long[] { f, channels, 1, 1 }, wp).Initializer($"Bp{i}", new long[] { f }, bp)
                    .Node("Conv", new[] { $"r{i}", $"Wp{i}", $"Bp{i}" }, new[] { $"p{i}" }, $"pw{i}", Ints("kernel_shape", 1, 1))
                    .Node("Relu", new[] { $"p{i}" }, new[] { $"q{i}" });
                x = $"q{i}";
                channels = f;
            }
            if (endWithDepthwise)
            {
                b.Initializer("WdEnd", new long[] { channels, 1, 3, 3 }, RandomWeights(channels * 9, seed + 99, zeroFraction))
                    .Node("Conv", new[] { x, "WdEnd" }, new[] { "e" }, "dwEnd", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Int("group", channels));
                x = "e";
            }
            if (pool)
            {
                b.Node("GlobalAveragePool", new[] { x }, new[] { "y" });
                return (b.Output("y", null, channels, 1, 1), new long[] { channels, 1, 1 });
            }
            b.Node("Identity", new[] { x }, new[] { "y" });
            return (b.Output("y", null, channels, height, width), new long[] { channels, height, width });
        }

        private static string AssertMatchesOrt(ModelBuilder builder, long[] inShape, int batch, KernelChoice kernel, bool specials = false)
        {
            byte[] onnx = builder.Build();
            var model = CompiledModel.Load(onnx, kernel);
            var data = CompiledModel.RandomInput(model.InputLengths[0] * batch, 17, 2f);
            if (specials)
            {
                data[1] = float.NaN;
                data[data.Length / 2] = float.PositiveInfinity;
                data[data.Length - 2] = float.NegativeInfinity;
            }
            var expected = OrtOracle.Run(onnx, OracleInput.Float("x", data, new long[] { batch }.Concat(inShape).ToArray()));
            var actual = batch == 1 ? model.Predict(data) : model.PredictBatch(batch, data);
            Tolerance.AssertClose(expected[0].Data, actual[0], 5e-5f, 3e-5f, $"depthwise-separable chain vs ONNX Runtime ({kernel})");
            return ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { Kernel = kernel }).Source!;
        }

        // c, h, w, filters, strides, zero fraction, end with depthwise, pool, batch
        [Theory]
        [InlineData(64, 25, 5, "64,64", "1,1", 0.0, false, true, 1)]     // DS-CNN blocks -> GlobalAveragePool
        [InlineData(8, 24, 24, "16,32", "1,2", 0.0, false, false, 2)]    // MobileNet's first blocks, stride 2
        [InlineData(17, 11, 9, "33,17", "2,1", 0.5, false, false, 7)]   // not multiples of a vector
        [InlineData(3, 7, 10, "5,3", "1,1", 0.0, true, false, 1)]       // fewer channels than a vector; ends with a depthwise
        [InlineData(33, 6, 6, "64,1", "1,1", 0.9, false, false, 2)]     // 90% zeros, one filter at the end
        [InlineData(1, 9, 9, "8,3", "2,1", 0.0, true, true, 2)]         // one input channel
        [InlineData(128, 3, 3, "256,17", "1,1", 0.0, false, false, 1)]  // MobileNet's 3x3 end
        public void Chain_matches_ORT(int c, int h, int w, string filtersCsv, string stridesCsv, double zeroFraction, bool endWithDepthwise, bool pool, int batch)
        {
            int[] filters = filtersCsv.Split(',').Select(int.Parse).ToArray(), strides = stridesCsv.Split(',').Select(int.Parse).ToArray();
            var (builder, _) = Chain(c, h, w, filters, strides, zeroFraction, endWithDepthwise, pool, c + h * 3 + filters[0]);
            string source = AssertMatchesOrt(builder, new long[] { c, h, w }, batch, KernelChoice.DepthwiseChannels);
            Assert.Contains("Kernels.ConvPointwiseChannelsLast(", source);
            Assert.Contains("inputChannelsLast: false, outputChannelsLast: true", source);   // the chain entered
            Assert.Contains("conv pointwise channels-last SIMD", source);
            if (filters.Length > 1) Assert.Contains("inputChannelsLast: true, outputChannelsLast: true", source);   // inside the chain: no transpose
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        public void Chain_with_NaN_and_infinity_matches_ORT(int batch)
        {
            var (builder, _) = Chain(17, 9, 11, new[] { 33, 17 }, new[] { 1, 2 }, 0.0, true, false, 5);
            AssertMatchesOrt(builder, new long[] { 17, 9, 11 }, batch, KernelChoice.DepthwiseChannels, specials: true);
        }

        /// <summary>Auto chains the DS-CNN and MobileNet-style blocks (the channels kernels named in the layer table).</summary>
        [Fact]
        public void Auto_chains_depthwise_separable_blocks()
        {
            var (builder, _) = Chain(64, 25, 5, new[] { 64, 64 }, new[] { 1, 1 }, 0.0, false, true, 3);
            string source = AssertMatchesOrt(builder, new long[] { 64, 25, 5 }, 1, KernelChoice.Auto);
            Assert.Contains("conv pointwise channels-last SIMD (~", source);
            Assert.Contains("conv depthwise channels SIMD (~", source);
            Assert.Contains("Kernels.GlobalAveragePoolChannelsLast(", source);   // the pool reads the chain's last output channels-last
            Assert.DoesNotContain("outputChannelsLast: false);", source);
        }

        /// <summary>A pointwise output read by two ops (a residual Add) stays NCHW: the next depthwise reads NCHW.</summary>
        [Fact]
        public void Value_read_twice_stays_NCHW()
        {
            const int c = 16;
            var b = new ModelBuilder(13).Input("x", null, c, 8, 8).Output("y", null, c, 8, 8)
                .Initializer("Wd", new long[] { c, 1, 3, 3 }, RandomWeights(c * 9, 1)).Initializer("Wp", new long[] { c, c, 1, 1 }, RandomWeights(c * c, 2))
                .Initializer("Wd2", new long[] { c, 1, 3, 3 }, RandomWeights(c * 9, 3))
                .Node("Conv", new[] { "x", "Wd" }, new[] { "d" }, "dw", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Int("group", c))
                .Node("Conv", new[] { "d", "Wp" }, new[] { "p" }, "pw", Ints("kernel_shape", 1, 1))
                .Node("Conv", new[] { "p", "Wd2" }, new[] { "e" }, "dw2", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Int("group", c))
                .Node("Add", new[] { "e", "p" }, new[] { "y" });
            string source = AssertMatchesOrt(b, new long[] { c, 8, 8 }, 2, KernelChoice.DepthwiseChannels);
            Assert.Contains("inputChannelsLast: false, outputChannelsLast: true", source);   // dw -> pw chained
            Assert.Contains("inputChannelsLast: false, outputChannelsLast: false", source);  // dw2 reads p, which the Add reads too
        }
    }
}
