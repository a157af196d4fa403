using System;
using System.Linq;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>
    /// Pointwise (1x1, stride 1, unpadded, group 1) convolutions through the pointwise kernel, over awkward channel and
    /// map counts, 1-D and 2-D maps, zero weights, dead input channels, batches and fused ReLU / Clip, compared with ONNX
    /// Runtime. Category Kernels: CI runs these once per instruction set.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class PointwiseConvModelTests
    {
        private static OnnxAttribute Ints(string name, params long[] values)
        {
            var a = new OnnxAttribute { Name = name, Type = OnnxAttributeType.Ints };
            a.Ints.AddRange(values);
            return a;
        }

        /// <summary>
        /// x[batch, cin, spatial...] -> Conv 1x1 (cout filters) [-> Relu | Clip(-0.5, 0.75)] -> y, with `zeroFraction` random
        /// zero weights; with `dead`, input channels 0 and (for 3+ channels) 2 are read by no filter.
        /// </summary>
        private static ModelBuilder Pointwise(int cin, int cout, long[] spatial, double zeroFraction, bool dead, string activation, int seed)
        {
            var w = RandomWeights(cout * cin, seed, zeroFraction);
            if (dead)
                for (int m = 0; m < cout; m++)
                    foreach (int ch in new[] { 0, 2 }.Where(ch => ch < cin)) w[m * cin + ch] = 0f;
            var builder = new ModelBuilder().Input("x", new long?[] { null, cin }.Concat(spatial.Select(d => (long?)d)).ToArray())
                .Output("y", Enumerable.Repeat<long?>(null, 2 + spatial.Length).ToArray())
                .Initializer("W", new long[] { cout, cin }.Concat(spatial.Select(_ => 1L)).ToArray(), w)
                .Initializer("B", new long[] { cout }, RandomWeights(cout, seed + 1));
            string convOut = activation == "none" ? "y" : "c";
            builder.Node("Conv", new[] { "x", "W", "B" }, new[] { convOut }, "pointwise", Ints("kernel_shape", spatial.Select(_ => 1L).ToArray()));
            if (activation == "relu") builder.Node("Relu", new[] { "c" }, new[] { "y" });
            if (activation == "clip")
                builder.Initializer("lo", Array.Empty<long>(), new[] { -0.5f }).Initializer("hi", Array.Empty<long>(), new[] { 0.75f })
                    .Node("Clip", new[] { "c", "lo", "hi" }, new[] { "y" });
            return builder;
        }

        private static string AssertMatchesOrt(ModelBuilder builder, int cin, long[] spatial, int batch, KernelChoice kernel)
        {
            byte[] onnx = builder.Build();
            var model = CompiledModel.Load(onnx, kernel);
            var data = CompiledModel.RandomInput(model.InputLengths[0] * batch, 13, 2f);
            var expected = OrtOracle.Run(onnx, OracleInput.Float("x", data, new long[] { batch, cin }.Concat(spatial).ToArray()));
            var actual = batch == 1 ? model.Predict(data) : model.PredictBatch(batch, data);
            Tolerance.AssertClose(expected[0].Data, actual[0], 2e-5f, 1e-5f, $"pointwise conv vs ONNX Runtime ({kernel})");
            return ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { Kernel = kernel }).Source!;
        }

        // in channels, out channels, spatial (comma separated), zero fraction, dead input channels, activation, batch
        [Theory]
        [InlineData(1, 1, "1,1", 0.0, false, "none", 1)]
        [InlineData(3, 8, "3,5", 0.0, false, "relu", 2)]       // 15 positions: Vector128 / 256 overlap, no Vector512
        [InlineData(8, 17, "7,7", 0.5, false, "clip", 7)]      // 49 positions: two-vector steps plus an overlapping last vector
        [InlineData(17, 33, "32,32", 0.0, false, "relu", 1)]   // MobileNet map size, 33 filters: a last group of one
        [InlineData(33, 3, "32,32", 0.9, true, "none", 2)]
        [InlineData(32, 32, "32,32", 0.5, false, "relu", 1)]
        [InlineData(8, 8, "7,7", 1.0, false, "relu", 2)]       // every weight zero: ReLU of the bias
        [InlineData(17, 8, "3,5", 0.0, true, "clip", 7)]       // dead input channels 0 and 2
        [InlineData(3, 17, "1,1", 0.5, false, "relu", 7)]      // one position: scalar path
        [InlineData(8, 3, "2,2", 0.0, false, "none", 2)]       // four positions: one Vector128
        [InlineData(3, 8, "50", 0.0, false, "relu", 2)]        // 1-D
        [InlineData(17, 17, "1", 0.5, true, "clip", 1)]        // 1-D, a single position
        [InlineData(8, 33, "37", 0.9, false, "none", 7)]
        public void Pointwise_matches_ORT(int cin, int cout, string spatialCsv, double zeroFraction, bool dead, string activation, int batch)
        {
            long[] spatial = spatialCsv.Split(',').Select(long.Parse).ToArray();
            var builder = Pointwise(cin, cout, spatial, zeroFraction, dead, activation, cin * 31 + cout);
            // Kernel=dense: the pointwise kernel whatever the cost model says (Auto_picks_... checks auto).
            string source = AssertMatchesOrt(builder, cin, spatial, batch, KernelChoice.DenseSimd);
            Assert.Contains("Kernels.ConvPointwise(", source);
            Assert.Contains("conv pointwise SIMD", source);
            if (activation != "none")
            {
                Assert.DoesNotContain("Kernels.Relu(", source);
                Assert.DoesNotContain("Kernels.Clip(", source);
            }
        }

        /// <summary>Dead input channels are never loaded: no group lists them.</summary>
        [Fact]
        public void Dead_input_channels_are_left_out()
        {
            var onnx = Pointwise(8, 8, new long[] { 7, 7 }, 0.0, true, "relu", 5).Build();
            string source = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { Kernel = KernelChoice.DenseSimd }).Source!;
            Assert.Contains("// 12 input channels read over 2 groups of 4 filters", source);
            Assert.Contains("2 input channel(s) are read by no remaining tap and never loaded", source);
        }

        /// <summary>Auto picks the pointwise kernel for the MobileNet pointwise layer when 90% pruned (dense ones take the GEMM: GemmConvModelTests), and names it in the layer table.</summary>
        [Theory]
        [InlineData(0.9)]
        public void Auto_picks_the_pointwise_kernel(double zeroFraction)
        {
            var onnx = Pointwise(32, 32, new long[] { 32, 32 }, zeroFraction, false, "relu", 9).Build();
            string source = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx")).Source!;
            Assert.Contains("Kernels.ConvPointwise(", source);
            Assert.Contains("conv pointwise SIMD (~", source);
            Assert.Contains(", pointwise ", source);
        }

        /// <summary>Padding, stride or a wider kernel is not pointwise: those convs stay on the other kernels.</summary>
        [Fact]
        public void Padded_or_strided_1x1_is_not_pointwise()
        {
            var onnx = new ModelBuilder().Input("x", null, 8, 9, 9).Output("y", null, 8, 5, 5)
                .Initializer("W", new long[] { 8, 8, 1, 1 }, RandomWeights(64, 3))
                .Node("Conv", new[] { "x", "W" }, new[] { "y" }, "strided", Ints("kernel_shape", 1, 1), Ints("strides", 2, 2)).Build();
            foreach (var kernel in new[] { KernelChoice.Auto, KernelChoice.DenseSimd })
            {
                var model = CompiledModel.Load(onnx, kernel);
                var data = CompiledModel.RandomInput(model.InputLengths[0] * 2, 4, 2f);
                var expected = OrtOracle.Run(onnx, OracleInput.Float("x", data, new long[] { 2, 8, 9, 9 }));
                Tolerance.AssertClose(expected[0].Data, model.PredictBatch(2, data)[0], 2e-5f, 1e-5f, "strided 1x1 vs ONNX Runtime");
                string source = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { Kernel = kernel }).Source!;
                Assert.DoesNotContain("Kernels.ConvPointwise(", source);
            }
        }

        /// <summary>Forcing Kernel=sparse or block keeps the generic kernels; dense picks the pointwise kernel.</summary>
        [Theory]
        [InlineData(KernelChoice.SparseRows, "Kernels.ConvTaps(")]
        [InlineData(KernelChoice.BlockSparse, "Kernels.ConvChannels(")]
        [InlineData(KernelChoice.DenseSimd, "Kernels.ConvPointwise(")]
        public void Forced_kernels_keep_working(KernelChoice kernel, string call)
        {
            long[] spatial = { 9, 10 };
            string source = AssertMatchesOrt(Pointwise(17, 9, spatial, 0.5, true, "clip", 5), 17, spatial, 2, kernel);
            Assert.Contains(call, source);
            if (kernel != KernelChoice.DenseSimd) Assert.DoesNotContain("Kernels.ConvPointwise(", source);
        }
    }
}
