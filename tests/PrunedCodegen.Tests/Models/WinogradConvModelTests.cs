using System.Linq;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>
    /// 3x3 stride-1 convolutions through Winograd F(2x2, 3x3) (Kernel=winograd), over real and awkward map sizes (odd
    /// heights and widths, 1-40 tiles per row, several blocks of tile rows), SAME/VALID and asymmetric pads, zero weights
    /// and dead filters, fused and unfused activations, NaN and infinity inputs, batches 1, 2 and 7, compared with ONNX
    /// Runtime; layers it does not compute (stride 2, dilation, 5x5, groups, 1-D) fall back to another kernel. Category
    /// Kernels: CI runs these once per instruction set.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class WinogradConvModelTests
    {
        private static ModelBuilder Conv(int c, long[] spatial, int m, long[] kernel, int stride, string pads, int dilation, string autoPad,
            double zeroFraction, string activation, int seed) =>
            ConvKernelCases.Conv(c, spatial, m, kernel, stride, pads, dilation, autoPad, zeroFraction, activation, seed);

        private static string AssertMatchesOrt(ModelBuilder builder, int c, long[] spatial, int batch, float[]? input = null) =>
            ConvKernelCases.AssertMatchesOrt(builder, c, spatial, batch, KernelChoice.Winograd, "Winograd conv", input);

        // in channels, spatial, filters, kernel, stride, pads, dilation, auto_pad, zero fraction, activation, batch
        [Theory]
        [InlineData(16, "32,32", 16, "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "relu", 1)]    // ResNet-8 first stage
        [InlineData(32, "16,16", 32, "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "none", 2)]    // ResNet-8 second stage
        [InlineData(64, "8,8", 64, "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.5, "relu", 1)]      // ResNet-8 last stage, half the weights zero
        [InlineData(3, "32,32", 12, "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "clip", 7)]     // CIFAR-10 first conv, batch 7
        [InlineData(12, "32,32", 24, "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.8, "relu", 1)]    // 80% zeros
        [InlineData(5, "17,23", 9, "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "leaky", 2)]     // odd sizes, unfused LeakyRelu
        [InlineData(4, "31,33", 8, "3,3", 1, "2,1,0,2", 1, "NOTSET", 0.3, "hardswish", 1)] // asymmetric pads
        [InlineData(3, "20,23", 6, "3,3", 1, "", 1, "SAME_LOWER", 0.0, "sigmoid", 1)]
        [InlineData(3, "9,10", 5, "3,3", 1, "", 1, "VALID", 0.3, "none", 7)]
        [InlineData(2, "3,3", 3, "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "relu", 2)]        // 3x3 map: 2 tiles per row, scalar transforms
        [InlineData(48, "56,56", 48, "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "relu", 1)]    // 56x56: blocks of tile rows
        [InlineData(8, "9,9", 16, "3,3", 1, "1,1,1,1", 1, "NOTSET", 1.0, "relu", 2)]       // every weight zero: ReLU of the bias
        public void Winograd_matches_ORT(int c, string spatialCsv, int m, string kernelCsv, int stride, string pads, int dilation, string autoPad,
            double zeroFraction, string activation, int batch)
        {
            long[] spatial = ConvKernelCases.Csv(spatialCsv), kernel = ConvKernelCases.Csv(kernelCsv);
            var builder = Conv(c, spatial, m, kernel, stride, pads, dilation, autoPad, zeroFraction, activation, c * 31 + m + (int)spatial[0]);
            string source = AssertMatchesOrt(builder, c, spatial, batch);
            if (zeroFraction == 1.0) return;   // no filter left to convolve
            Assert.Contains("Kernels.ConvWinograd(", source);
            Assert.Contains("conv Winograd F(2x2,3x3)", source);
            Assert.Matches(activation is "relu" or "clip" ? @"_Weights, true," : @"_Weights, false,", source);
            if (activation == "sigmoid") Assert.Contains("Kernels.Sigmoid(y)", source);
        }

        /// <summary>
        /// Auto takes Winograd for the 3x3 stride-1 layers of CIFAR-10 and ResNet-8 sizes (tools/ConvTiming: 1.2-2.0x the
        /// direct and implicit-GEMM kernels there), and a smaller kernel for a 4x4 map (1 tile row of 2: transforms dominate).
        /// </summary>
        [Theory]
        [InlineData(12, 32, 24, true)]
        [InlineData(64, 8, 64, true)]
        [InlineData(16, 4, 32, false)]
        public void Auto_picks_Winograd_where_it_pays(int c, int size, int m, bool winograd)
        {
            long[] spatial = { size, size };
            string source = ConvKernelCases.AssertMatchesOrt(Conv(c, spatial, m, new long[] { 3, 3 }, 1, "1,1,1,1", 1, "NOTSET", 0.0, "relu", 3), c, spatial, 1,
                KernelChoice.Auto, "auto conv");
            Assert.Equal(winograd, source.Contains("Kernels.ConvWinograd("));
        }

        /// <summary>Windows Winograd F(2x2, 3x3) does not compute take another kernel under Kernel=winograd and still match ONNX Runtime.</summary>
        [Theory]
        [InlineData(8, "16,16", 8, "3,3", 2, "1,1,1,1", 1, "NOTSET")]   // stride 2
        [InlineData(4, "15,15", 6, "3,3", 1, "2,2,2,2", 2, "NOTSET")]   // dilation 2
        [InlineData(3, "14,14", 4, "5,5", 1, "2,2,2,2", 1, "NOTSET")]   // 5x5
        [InlineData(3, "50", 5, "3", 1, "1,1", 1, "NOTSET")]            // 1-D
        public void Windows_it_does_not_compute_fall_back_and_match_ORT(int c, string spatialCsv, int m, string kernelCsv, int stride, string pads, int dilation, string autoPad)
        {
            long[] spatial = ConvKernelCases.Csv(spatialCsv), kernel = ConvKernelCases.Csv(kernelCsv);
            string source = AssertMatchesOrt(Conv(c, spatial, m, kernel, stride, pads, dilation, autoPad, 0.0, "relu", 9), c, spatial, 1);
            Assert.DoesNotContain("Kernels.ConvWinograd(", source);
        }

        /// <summary>A grouped 3x3 conv under Kernel=winograd takes another kernel.</summary>
        [Fact]
        public void Grouped_conv_falls_back_and_matches_ORT()
        {
            var builder = new ModelBuilder().Input("x", null, 6, 12, 11).Output("y", null, null, null, null)
                .Initializer("W", new long[] { 8, 3, 3, 3 }, RandomWeights(8 * 3 * 3 * 3, 4)).Initializer("B", new long[] { 8 }, RandomWeights(8, 5))
                .Node("Conv", new[] { "x", "W", "B" }, new[] { "y" }, "conv", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Int("group", 2));
            string source = AssertMatchesOrt(builder, 6, new long[] { 12, 11 }, 2);
            Assert.DoesNotContain("Kernels.ConvWinograd(", source);
        }

        /// <summary>
        /// NaN and infinities in the input reach the outputs as in ONNX Runtime: only those whose window holds them (an image
        /// with one is convolved directly; the transforms would spread it over whole tiles). Dense weights, so no tap is skipped.
        /// </summary>
        [Theory]
        [InlineData("relu", 1)]
        [InlineData("hardswish", 2)]
        [InlineData("none", 2)]
        public void Winograd_propagates_NaN_and_infinity_as_ORT(string activation, int batch)
        {
            long[] spatial = { 19, 37 };
            var builder = Conv(3, spatial, 10, new long[] { 3, 3 }, 1, "1,1,1,1", 1, "NOTSET", 0.0, activation, 77);
            var data = CompiledModel.RandomInput(batch * 3 * 19 * 37, 5, 2f);
            data[0] = float.NaN; data[100] = float.PositiveInfinity; data[700] = float.NegativeInfinity; data[19 * 37 + 36] = float.NaN;
            data[2 * 19 * 37 + 18 * 37] = float.PositiveInfinity;
            string source = AssertMatchesOrt(builder, 3, spatial, batch, data);
            Assert.Contains("Kernels.ConvWinograd(", source);
        }
    }
}
