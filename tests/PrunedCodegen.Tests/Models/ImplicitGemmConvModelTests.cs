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
    /// Ungrouped convolutions through the implicit-GEMM kernel (Kernel=gemm: the GEMM micro-kernel's register tiles over a
    /// per-thread staged input, each tap read at its offset), over awkward and real map sizes, kernel shapes 1x1 to 7x7 and 7x1,
    /// strides, dilations, asymmetric and SAME pads, 1-D, 2-D and 3-D, zero weights and dead filters, fused activations,
    /// NaN and infinity inputs, batches 1 and 7, compared with ONNX Runtime. Category Kernels: CI runs these once per
    /// instruction set.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class ImplicitGemmConvModelTests
    {
        private static OnnxAttribute Str(string name, string value) =>
            new OnnxAttribute { Name = name, Type = OnnxAttributeType.String, S = Encoding.UTF8.GetBytes(value) };

        private static long[] Csv(string text) => text.Length == 0 ? Array.Empty<long>() : text.Split(',').Select(long.Parse).ToArray();

        /// <summary>
        /// x[batch, c, spatial...] -> Conv (m filters, kernel, strides, pads, dilations, auto_pad) [-> activation] -> y, with
        /// `zeroFraction` random zero weights and filters 1 and (for 6+ filters) 5 all zero with zero bias.
        /// </summary>
        private static ModelBuilder Conv(int c, long[] spatial, int m, long[] kernel, int stride, string pads, int dilation, string autoPad,
            double zeroFraction, string activation, int seed)
        {
            int perFilter = c * (int)kernel.Aggregate(1L, (a, b) => a * b);
            var w = RandomWeights(m * perFilter, seed, zeroFraction);
            var b = RandomWeights(m, seed + 1);
            foreach (int f in new[] { 1, 5 }.Where(f => f < m && m >= 3 + 3 * (f / 5)))
            {
                Array.Clear(w, f * perFilter, perFilter);
                b[f] = 0f;
            }
            int rank = spatial.Length;
            var attrs = new List<OnnxAttribute>
            {
                Ints("kernel_shape", kernel), Ints("strides", Enumerable.Repeat((long)stride, rank).ToArray()),
                Ints("dilations", Enumerable.Repeat((long)dilation, rank).ToArray()),
            };
            if (pads.Length > 0) attrs.Add(Ints("pads", Csv(pads)));
            if (autoPad != "NOTSET") attrs.Add(Str("auto_pad", autoPad));
            string convOut = activation == "none" ? "y" : "c";
            var builder = new ModelBuilder(activation == "hardswish" ? 14 : 13).Input("x", new long?[] { null, c }.Concat(spatial.Select(d => (long?)d)).ToArray())
                .Output("y", Enumerable.Repeat<long?>(null, 2 + rank).ToArray())
                .Initializer("W", new long[] { m, c }.Concat(kernel).ToArray(), w)
                .Initializer("B", new long[] { m }, b)
                .Node("Conv", new[] { "x", "W", "B" }, new[] { convOut }, "conv", attrs.ToArray());
            switch (activation)
            {
                case "relu": builder.Node("Relu", new[] { "c" }, new[] { "y" }); break;
                case "leaky": builder.Node("LeakyRelu", new[] { "c" }, new[] { "y" }, "leaky", Float("alpha", 0.1f)); break;
                case "hardswish": builder.Node("HardSwish", new[] { "c" }, new[] { "y" }); break;
                case "sigmoid": builder.Node("Sigmoid", new[] { "c" }, new[] { "y" }); break;
                case "clip":
                    builder.Initializer("lo", Array.Empty<long>(), new[] { -0.5f }).Initializer("hi", Array.Empty<long>(), new[] { 0.75f })
                        .Node("Clip", new[] { "c", "lo", "hi" }, new[] { "y" });
                    break;
            }
            return builder;
        }

        private static string AssertMatchesOrt(ModelBuilder builder, int c, long[] spatial, int batch, KernelChoice kernel, float[]? input = null)
        {
            byte[] onnx = builder.Build();
            var model = CompiledModel.Load(onnx, kernel);
            var data = input ?? CompiledModel.RandomInput(model.InputLengths[0] * batch, 13, 2f);
            var expected = OrtOracle.Run(onnx, OracleInput.Float("x", data, new long[] { batch, c }.Concat(spatial).ToArray()));
            var actual = batch == 1 ? model.Predict(data) : model.PredictBatch(batch, data);
            Tolerance.AssertClose(expected[0].Data, actual[0], 1e-4f, 1e-4f, $"implicit GEMM conv vs ONNX Runtime ({kernel})");
            return ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { Kernel = kernel }).Source!;
        }

        // in channels, spatial, filters, kernel, stride, pads, dilation, auto_pad, zero fraction, activation, batch
        [Theory]
        [InlineData(1, "1,1", 1, "1,1", 1, "", 1, "NOTSET", 0.0, "none", 1)]          // 1x1 stride 1 unpadded: the pointwise GEMM instead
        [InlineData(3, "7,7", 4, "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "relu", 7)]   // 7x7: one chunk of 64 positions over 9-float phase rows
        [InlineData(3, "17,17", 9, "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.5, "clip", 1)] // 9 filters: one partial panel; 289 positions
        [InlineData(3, "32,32", 12, "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "relu", 1)] // CIFAR-10 first conv
        [InlineData(64, "8,8", 64, "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "relu", 2)]  // ResNet-8 last stage: 78 positions over 10-float rows
        [InlineData(32, "16,16", 64, "3,3", 2, "1,1,1,1", 1, "NOTSET", 0.5, "none", 1)] // ResNet-8 stride-2 conv
        [InlineData(32, "16,16", 64, "1,1", 2, "", 1, "NOTSET", 0.0, "none", 7)]        // ResNet-8 1x1 stride-2 shortcut
        [InlineData(16, "14,14", 20, "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "relu", 1)] // 14x14: a chunk boundary inside rows
        [InlineData(12, "32,32", 24, "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.5, "relu", 1)]
        [InlineData(16, "16,16", 24, "3,3", 2, "1,1,1,1", 1, "NOTSET", 0.0, "none", 7)] // stride 2: phase-split rows
        [InlineData(5, "63,100", 7, "5,5", 2, "2,1,1,2", 1, "NOTSET", 0.0, "leaky", 1)] // asymmetric pads, stride 2, odd sizes
        [InlineData(4, "31,33", 8, "3,3", 1, "2,1,2,3", 2, "NOTSET", 0.9, "hardswish", 2)] // dilation 2, asymmetric pads, 90% zeros
        [InlineData(3, "20,23", 6, "4,4", 3, "", 1, "SAME_LOWER", 0.0, "sigmoid", 1)]   // stride 3, unfused activation
        [InlineData(2, "29,13", 17, "7,1", 1, "3,0,3,0", 1, "NOTSET", 0.0, "relu", 1)]  // 7x1 kernel
        [InlineData(4, "21,19", 16, "1,7", 2, "0,3,0,3", 1, "NOTSET", 0.5, "none", 1)]  // 1x7, stride 2
        [InlineData(8, "15,15", 8, "1,1", 1, "", 1, "NOTSET", 0.0, "relu", 1)]          // 1x1
        [InlineData(8, "15,15", 8, "1,1", 2, "", 1, "NOTSET", 0.0, "none", 2)]          // 1x1 stride 2
        [InlineData(3, "96,96", 8, "3,3", 2, "0,0,1,1", 1, "NOTSET", 0.0, "clip", 1)]   // MobileNet at 96x96 stem
        [InlineData(1, "224,224", 16, "5,5", 1, "2,2,2,2", 1, "NOTSET", 0.0, "relu", 1)] // super-resolution first conv
        [InlineData(8, "9,9", 16, "3,3", 1, "1,1,1,1", 1, "NOTSET", 1.0, "relu", 2)]     // every weight zero: ReLU of the bias
        [InlineData(3, "9,10", 5, "2,3", 1, "", 1, "VALID", 0.3, "none", 7)]
        [InlineData(3, "50", 11, "5", 1, "2,2", 1, "NOTSET", 0.0, "relu", 7)]            // 1-D
        [InlineData(3, "128", 8, "3", 2, "1,0", 2, "NOTSET", 0.5, "none", 1)]            // 1-D, stride and dilation 2
        [InlineData(2, "5,6,7", 9, "3,3,3", 1, "1,1,1,1,1,1", 1, "NOTSET", 0.3, "relu", 2)] // 3-D
        [InlineData(2, "6,7,9", 4, "2,3,3", 2, "0,1,1,1,0,1", 1, "NOTSET", 0.0, "none", 1)] // 3-D, stride 2
        public void ImplicitGemm_matches_ORT(int c, string spatialCsv, int m, string kernelCsv, int stride, string pads, int dilation, string autoPad,
            double zeroFraction, string activation, int batch)
        {
            long[] spatial = Csv(spatialCsv), kernel = Csv(kernelCsv);
            var builder = Conv(c, spatial, m, kernel, stride, pads, dilation, autoPad, zeroFraction, activation, c * 31 + m + (int)spatial[0]);
            string source = AssertMatchesOrt(builder, c, spatial, batch, KernelChoice.Gemm);
            bool pointwise = kernel.All(k => k == 1) && stride == 1 && pads.Length == 0;
            if (pointwise) { Assert.Contains("conv pointwise GEMM", source); return; }
            Assert.Contains("Kernels.ConvImplicitGemm(", source);
            Assert.Contains("conv implicit GEMM", source);
            Assert.Matches(activation is "relu" or "clip" ? @"_ImplicitGemmOffsets, -?\d+, true," : @"_ImplicitGemmOffsets, -?\d+, false,", source);
            if (activation == "sigmoid") Assert.Contains("Kernels.Sigmoid(y)", source);
        }

        /// <summary>A grouped conv (group 2) forced to gemm falls back to a kernel that applies, and still matches ONNX Runtime.</summary>
        [Fact]
        public void Grouped_conv_forced_to_gemm_falls_back_and_matches_ORT()
        {
            var w = RandomWeights(8 * 3 * 3 * 3, 4);
            var builder = new ModelBuilder().Input("x", null, 6, 12, 11).Output("y", null, null, null, null)
                .Initializer("W", new long[] { 8, 3, 3, 3 }, w).Initializer("B", new long[] { 8 }, RandomWeights(8, 5))
                .Node("Conv", new[] { "x", "W", "B" }, new[] { "y" }, "conv", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Int("group", 2));
            string source = AssertMatchesOrt(builder, 6, new long[] { 12, 11 }, 2, KernelChoice.Gemm);
            Assert.DoesNotContain("Kernels.ConvImplicitGemm(", source);
        }

        /// <summary>NaN and infinities in the input reach the outputs as in ONNX Runtime (dense weights, so no tap is skipped).</summary>
        [Theory]
        [InlineData("relu")]
        [InlineData("hardswish")]
        [InlineData("leaky")]
        public void ImplicitGemm_propagates_NaN_and_infinity_as_ORT(string activation)
        {
            long[] spatial = { 19, 37 };
            var builder = Conv(3, spatial, 10, new long[] { 3, 3 }, 1, "1,1,1,1", 1, "NOTSET", 0.0, activation, 77);
            var data = CompiledModel.RandomInput(3 * 19 * 37, 5, 2f);
            data[0] = float.NaN; data[100] = float.PositiveInfinity; data[700] = float.NegativeInfinity; data[19 * 37 + 36] = float.NaN;
            data[2 * 19 * 37 + 18 * 37] = float.PositiveInfinity;
            AssertMatchesOrt(builder, 3, spatial, 1, KernelChoice.Gemm, data);
        }
    }
}
