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
        private static ModelBuilder Conv(int c, long[] spatial, int m, long[] kernel, int stride, string pads, int dilation, string autoPad,
            double zeroFraction, string activation, int seed) =>
            ConvKernelCases.Conv(c, spatial, m, kernel, stride, pads, dilation, autoPad, zeroFraction, activation, seed);

        private static long[] Csv(string text) => ConvKernelCases.Csv(text);

        private static string AssertMatchesOrt(ModelBuilder builder, int c, long[] spatial, int batch, KernelChoice kernel, float[]? input = null) =>
            ConvKernelCases.AssertMatchesOrt(builder, c, spatial, batch, kernel, "implicit GEMM conv", input);

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
