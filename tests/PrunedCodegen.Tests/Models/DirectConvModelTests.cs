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
    /// Ungrouped convolutions through the direct kernel (Kernel=direct: register tiles of 8 filters x 2 vectors of
    /// positions over a per-thread staged input), over awkward and real map sizes, kernel shapes 1x1 to 7x7 and 7x1,
    /// strides, dilations, asymmetric and SAME pads, 1-D, 2-D and 3-D, zero weights and dead filters, fused activations,
    /// NaN and infinity inputs, batches 1 and 7, compared with ONNX Runtime. Category Kernels: CI runs these once per
    /// instruction set.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class DirectConvModelTests
    {
        private static ModelBuilder Conv(int c, long[] spatial, int m, long[] kernel, int stride, string pads, int dilation, string autoPad,
            double zeroFraction, string activation, int seed) =>
            ConvKernelCases.Conv(c, spatial, m, kernel, stride, pads, dilation, autoPad, zeroFraction, activation, seed);

        private static long[] Csv(string text) => ConvKernelCases.Csv(text);

        private static string AssertMatchesOrt(ModelBuilder builder, int c, long[] spatial, int batch, KernelChoice kernel, float[]? input = null) =>
            ConvKernelCases.AssertMatchesOrt(builder, c, spatial, batch, kernel, "direct conv", input);

        // in channels, spatial, filters, kernel, stride, pads, dilation, auto_pad, zero fraction, activation, batch
        [Theory]
        [InlineData(1, "1,1", 1, "1,1", 1, "", 1, "NOTSET", 0.0, "none", 1)]          // one position, one filter: scalar-width path
        [InlineData(3, "7,7", 4, "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "relu", 7)]   // 7-wide rows: Vector128 with a partial vector
        [InlineData(3, "17,17", 9, "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.5, "clip", 1)] // 9 filters: a tile of one
        [InlineData(3, "32,32", 12, "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "relu", 1)] // CIFAR-10 first conv
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
        public void Direct_matches_ORT(int c, string spatialCsv, int m, string kernelCsv, int stride, string pads, int dilation, string autoPad,
            double zeroFraction, string activation, int batch)
        {
            long[] spatial = Csv(spatialCsv), kernel = Csv(kernelCsv);
            var builder = Conv(c, spatial, m, kernel, stride, pads, dilation, autoPad, zeroFraction, activation, c * 31 + m + (int)spatial[0]);
            string source = AssertMatchesOrt(builder, c, spatial, batch, KernelChoice.Direct);
            Assert.Contains("Kernels.ConvDirect(", source);
            Assert.Contains("conv direct SIMD", source);
            if (activation is "relu" or "clip") Assert.Contains("Kernels.DirectClamp", source);
            if (activation == "leaky") Assert.Contains("Kernels.DirectLeakyRelu", source);
            if (activation == "hardswish") Assert.Contains("Kernels.DirectHardSwish", source);
            if (activation == "sigmoid") Assert.Contains("Kernels.Sigmoid(y)", source);
        }

        /// <summary>NaN and infinities in the input reach the outputs as in ONNX Runtime (dense weights, so no tap is skipped).</summary>
        [Theory]
        [InlineData("relu")]
        [InlineData("hardswish")]
        [InlineData("leaky")]
        public void Direct_propagates_NaN_and_infinity_as_ORT(string activation)
        {
            long[] spatial = { 19, 37 };
            var builder = Conv(3, spatial, 10, new long[] { 3, 3 }, 1, "1,1,1,1", 1, "NOTSET", 0.0, activation, 77);
            var data = CompiledModel.RandomInput(3 * 19 * 37, 5, 2f);
            data[0] = float.NaN; data[100] = float.PositiveInfinity; data[700] = float.NegativeInfinity; data[19 * 37 + 36] = float.NaN;
            data[2 * 19 * 37 + 18 * 37] = float.PositiveInfinity;
            AssertMatchesOrt(builder, 3, spatial, 1, KernelChoice.Direct, data);
        }

        /// <summary>Auto picks the direct kernel for a real-sized conv the stack-bound kernels do not fit, and it is right.</summary>
        [Fact]
        public void Auto_picks_direct_for_a_CIFAR_sized_conv()
        {
            // 5x5: the 3x3 stride-1 layers of this size go to Winograd F(2x2, 3x3) (WinogradConvModelTests).
            long[] spatial = { 32, 32 };
            var builder = Conv(12, spatial, 24, new long[] { 5, 5 }, 1, "2,2,2,2", 1, "NOTSET", 0.0, "relu", 3);
            string source = AssertMatchesOrt(builder, 12, spatial, 1, KernelChoice.Auto);
            Assert.Contains("Kernels.ConvDirect(", source);
        }
    }
}
