using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>
    /// Depthwise convolutions (group = input channels, channel multiplier 1 or 2) through the depthwise kernel, over
    /// awkward map and channel counts, strides, explicit and automatic pads, dilations, zero taps, dead filters,
    /// batches and fused ReLU / Clip, compared with ONNX Runtime. Category Kernels: CI runs these once per instruction set.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class DepthwiseConvModelTests
    {
        private static OnnxAttribute Ints(string name, params long[] values)
        {
            var a = new OnnxAttribute { Name = name, Type = OnnxAttributeType.Ints };
            a.Ints.AddRange(values);
            return a;
        }

        private static long[] Parse(string csv) => csv.Split(',').Select(long.Parse).ToArray();

        /// <summary>
        /// x[batch, c, spatial...] -> Conv(group c, c*multiplier filters) [-> Relu | Clip(-0.5, 0.75)] -> y. Filters get
        /// `zeroFraction` random zero taps; with `dead`, filters 1 and (for 8+ filters) 5 are all zero, bias included.
        /// </summary>
        private static ModelBuilder Depthwise(int c, long[] spatial, long[] kernel, long[] strides, string pads, string autoPad,
            long dilation, int multiplier, double zeroFraction, bool dead, string activation, int seed)
        {
            int m = c * multiplier, volume = (int)kernel.Aggregate(1L, (a, b) => a * b);
            var w = RandomWeights(m * volume, seed, zeroFraction);
            var b = RandomWeights(m, seed + 1);
            if (dead)
                foreach (int f in new[] { 1, 5 }.Where(f => f < m))
                {
                    Array.Clear(w, f * volume, volume);
                    b[f] = 0f;
                }
            var attrs = new List<OnnxAttribute>
            {
                Ints("kernel_shape", kernel), Ints("strides", strides), Ints("dilations", spatial.Select(_ => dilation).ToArray()), Int("group", c),
            };
            if (pads.Length > 0) attrs.Add(Ints("pads", Parse(pads)));
            if (autoPad != "NOTSET") attrs.Add(new OnnxAttribute { Name = "auto_pad", Type = OnnxAttributeType.String, S = Encoding.UTF8.GetBytes(autoPad) });
            var builder = new ModelBuilder().Input("x", new long?[] { null, c }.Concat(spatial.Select(d => (long?)d)).ToArray())
                .Output("y", Enumerable.Repeat<long?>(null, 2 + spatial.Length).ToArray())
                .Initializer("W", new long[] { m, 1 }.Concat(kernel).ToArray(), w)
                .Initializer("B", new long[] { m }, b);
            string convOut = activation == "none" ? "y" : "c";
            builder.Node("Conv", new[] { "x", "W", "B" }, new[] { convOut }, "depthwise", attrs.ToArray());
            if (activation == "relu") builder.Node("Relu", new[] { "c" }, new[] { "y" });
            if (activation == "clip")
                builder.Initializer("lo", Array.Empty<long>(), new[] { -0.5f }).Initializer("hi", Array.Empty<long>(), new[] { 0.75f })
                    .Node("Clip", new[] { "c", "lo", "hi" }, new[] { "y" });
            return builder;
        }

        /// <summary>Runs `batch` random samples (PredictBatch, or Predict for 1) with the given kernel choice and compares with ORT.</summary>
        private static string AssertMatchesOrt(ModelBuilder builder, int c, long[] spatial, int batch, KernelChoice kernel = KernelChoice.Auto)
        {
            byte[] onnx = builder.Build();
            var model = CompiledModel.Load(onnx, kernel);
            var data = CompiledModel.RandomInput(model.InputLengths[0] * batch, 11, 2f);
            var expected = OrtOracle.Run(onnx, OracleInput.Float("x", data, new long[] { batch, c }.Concat(spatial).ToArray()));
            var actual = batch == 1 ? model.Predict(data) : model.PredictBatch(batch, data);
            Tolerance.AssertClose(expected[0].Data, actual[0], 2e-5f, 1e-5f, $"depthwise conv vs ONNX Runtime ({kernel})");
            return ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { Kernel = kernel }).Source!;
        }

        // c, h, w, kernel h/w, stride, pads (t,l,b,r or empty), auto_pad, dilation, multiplier, zero fraction, dead filters, activation, batch
        [Theory]
        [InlineData(3, 1, 1, "3,3", 1, "1,1,1,1", "NOTSET", 1, 1, 0.0, false, "none", 1)]       // 1x1 map: every tap but the centre in the padding
        [InlineData(8, 3, 3, "3,3", 1, "1,1,1,1", "NOTSET", 1, 1, 0.0, false, "relu", 2)]       // 3x3 map, rows narrower than a Vector128
        [InlineData(17, 7, 5, "3,3", 2, "0,1,2,1", "NOTSET", 1, 1, 0.5, false, "none", 7)]      // asymmetric pads, stride 2
        [InlineData(8, 17, 13, "3,3", 1, "", "SAME_UPPER", 1, 1, 0.0, true, "relu", 2)]         // dead filters 1 and 5
        [InlineData(3, 17, 13, "3,3", 2, "", "SAME_LOWER", 1, 1, 0.0, false, "clip", 2)]
        [InlineData(3, 17, 13, "4,4", 2, "", "SAME_UPPER", 1, 1, 0.5, false, "none", 1)]        // even kernel: SAME pads differ begin/end
        [InlineData(17, 17, 13, "3,3", 1, "2,2,2,2", "NOTSET", 2, 1, 0.5, false, "relu", 1)]    // dilation 2
        [InlineData(8, 17, 13, "3,3", 2, "2,1,2,1", "NOTSET", 2, 1, 0.0, false, "none", 2)]     // dilation 2, stride 2
        [InlineData(8, 32, 32, "3,3", 1, "1,1,1,1", "NOTSET", 1, 1, 0.5, false, "relu", 1)]     // MobileNet geometry: two Vector512 per row
        [InlineData(8, 32, 32, "3,3", 2, "1,1,1,1", "NOTSET", 1, 1, 0.9, true, "clip", 2)]
        [InlineData(17, 9, 11, "3,3", 1, "1,0,1,0", "NOTSET", 1, 1, 0.0, false, "none", 2)]     // no W padding, stride 1: rows read in place
        [InlineData(3, 9, 40, "1,5", 1, "0,2,0,2", "NOTSET", 1, 1, 0.0, false, "none", 1)]      // 1x5 kernel, long rows: all vector widths
        [InlineData(3, 7, 5, "5,5", 2, "", "VALID", 1, 1, 0.0, false, "relu", 7)]
        [InlineData(8, 17, 13, "3,3", 1, "1,1,1,1", "NOTSET", 1, 1, 0.9, false, "none", 1)]    // 90% zero taps
        [InlineData(8, 17, 13, "3,3", 1, "1,1,1,1", "NOTSET", 1, 1, 1.0, false, "relu", 2)]    // every tap zero: ReLU of the bias
        [InlineData(3, 17, 13, "3,3", 1, "1,1,1,1", "NOTSET", 1, 2, 0.3, true, "relu", 2)]      // channel multiplier 2
        [InlineData(8, 7, 5, "3,3", 2, "", "SAME_UPPER", 1, 2, 0.0, false, "clip", 7)]          // channel multiplier 2, stride 2
        [InlineData(17, 4, 4, "3,3", 1, "1,1,1,1", "NOTSET", 1, 1, 0.0, false, "relu", 1)]      // small map: one Vector128 per row
        public void Depthwise2D_matches_ORT(int c, int h, int w, string kernel, int stride, string pads, string autoPad, int dilation,
            int multiplier, double zeroFraction, bool dead, string activation, int batch)
        {
            long[] spatial = { h, w };
            var builder = Depthwise(c, spatial, Parse(kernel), new long[] { stride, stride }, pads, autoPad, dilation, multiplier, zeroFraction, dead, activation, c * 7 + h);
            // Kernel=dense: the depthwise kernel whatever the cost model says of the tap kernel (Auto_picks_... checks auto).
            string source = AssertMatchesOrt(builder, c, spatial, batch, KernelChoice.DenseSimd);
            Assert.Contains("Kernels.ConvDepthwise(", source);
            Assert.Contains("conv depthwise SIMD", source);
            if (activation != "none")
            {
                // Fused into the store: no separate pass over the output.
                Assert.DoesNotContain("Kernels.Relu(", source);
                Assert.DoesNotContain("Kernels.Clip(", source);
            }
        }

        // c, length, kernel, stride, pads (begin,end or empty), dilation, multiplier, zero fraction, batch
        [Theory]
        [InlineData(8, 20, 3, 1, "1,1", 1, 1, 0.0, 2)]
        [InlineData(3, 37, 5, 2, "2,1", 2, 2, 0.3, 7)]
        [InlineData(17, 1, 1, 1, "", 1, 1, 0.5, 1)]       // a single position per channel
        [InlineData(3, 50, 7, 1, "3,3", 1, 1, 0.9, 2)]
        public void Depthwise1D_matches_ORT(int c, int length, int kernel, int stride, string pads, int dilation, int multiplier, double zeroFraction, int batch)
        {
            long[] spatial = { length };
            var builder = Depthwise(c, spatial, new long[] { kernel }, new long[] { stride }, pads, "NOTSET", dilation, multiplier, zeroFraction, false, "relu", c + length);
            string source = AssertMatchesOrt(builder, c, spatial, batch, KernelChoice.DenseSimd);
            Assert.Contains("Kernels.ConvDepthwise(", source);
        }

        /// <summary>Auto picks a depthwise kernel for depthwise layers that have work to do (the channels or plane kernel for one filter per channel), and says so in the layer table.</summary>
        [Theory]
        [InlineData(0.0, 1, 1)]
        [InlineData(0.5, 2, 1)]
        [InlineData(0.5, 1, 2)]
        public void Auto_picks_the_depthwise_kernel(double zeroFraction, int stride, int multiplier)
        {
            var onnx = Depthwise(32, new long[] { 32, 32 }, new long[] { 3, 3 }, new long[] { stride, stride }, "1,1,1,1", "NOTSET", 1, multiplier, zeroFraction, false, "relu", 9).Build();
            string source = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx")).Source!;
            // One filter per channel: the channels kernel (DepthwiseChannelsModelTests) or the plane kernel (DepthwisePlanesModelTests); more: this row kernel.
            if (multiplier == 1) Assert.Matches(@"Kernels\.ConvDepthwise(Channels|Planes)\(", source);
            else Assert.Contains("Kernels.ConvDepthwise(", source);
            if (multiplier == 1) Assert.Matches(@"conv depthwise (channels|planes) SIMD \(~", source);
            else Assert.Contains("conv depthwise SIMD (~", source);
            Assert.Contains(", depthwise ", source);   // its cost next to the generic kernels' in the layer comment
        }

        /// <summary>One channel (group 1) is an ordinary conv: it stays on the generic kernels, and still matches ORT.</summary>
        [Fact]
        public void One_channel_stays_on_the_generic_kernels()
        {
            long[] spatial = { 7, 5 };
            string source = AssertMatchesOrt(Depthwise(1, spatial, new long[] { 3, 3 }, new long[] { 1, 1 }, "1,1,1,1", "NOTSET", 1, 1, 0.0, false, "relu", 3), 1, spatial, 2);
            Assert.DoesNotContain("Kernels.ConvDepthwise(", source);
        }

        /// <summary>Forcing Kernel=sparse or block keeps the generic tap kernel for depthwise layers; dense picks the depthwise kernel.</summary>
        [Theory]
        [InlineData(KernelChoice.SparseRows, false)]
        [InlineData(KernelChoice.BlockSparse, false)]
        [InlineData(KernelChoice.DenseSimd, true)]
        public void Forced_kernels_keep_working(KernelChoice kernel, bool depthwise)
        {
            long[] spatial = { 9, 10 };
            var builder = Depthwise(8, spatial, new long[] { 3, 3 }, new long[] { 2, 2 }, "1,1,1,1", "NOTSET", 1, 2, 0.5, true, "clip", 5);
            string source = AssertMatchesOrt(builder, 8, spatial, 2, kernel);
            Assert.Equal(depthwise, source.Contains("Kernels.ConvDepthwise(", StringComparison.Ordinal));
            Assert.Equal(!depthwise, source.Contains("Kernels.ConvTaps(", StringComparison.Ordinal));
        }

        /// <summary>A MobileNet block: depthwise 3x3 + ReLU, then pointwise 1x1 + ReLU, dense and pruned, against ORT.</summary>
        [Theory]
        [InlineData(0.0, 1)]
        [InlineData(0.7, 3)]
        public void MobileNet_block_matches_ORT(double zeroFraction, int batch)
        {
            const int c = 16, m = 24;
            long[] spatial = { 12, 12 };
            var builder = new ModelBuilder().Input("x", null, c, 12, 12).Output("y", null, m, 12, 12)
                .Initializer("Wd", new long[] { c, 1, 3, 3 }, RandomWeights(c * 9, 1, zeroFraction)).Initializer("Bd", new long[] { c }, RandomWeights(c, 2))
                .Initializer("Wp", new long[] { m, c, 1, 1 }, RandomWeights(m * c, 3, zeroFraction)).Initializer("Bp", new long[] { m }, RandomWeights(m, 4))
                .Node("Conv", new[] { "x", "Wd", "Bd" }, new[] { "d" }, "dw", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Int("group", c))
                .Node("Relu", new[] { "d" }, new[] { "r" })
                .Node("Conv", new[] { "r", "Wp", "Bp" }, new[] { "p" }, "pw", Ints("kernel_shape", 1, 1))
                .Node("Relu", new[] { "p" }, new[] { "y" });
            string source = AssertMatchesOrt(builder, c, spatial, batch);
            if (zeroFraction == 0) Assert.Contains("Kernels.ConvDepthwiseChannels(", source);
        }
    }
}
