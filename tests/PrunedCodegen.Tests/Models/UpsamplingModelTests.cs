using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using Xunit;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>
    /// Resize, Upsample and ConvTranspose (issue 18 items 3 and 6) in the models that use them: a small UNet
    /// (Conv -> MaxPool -> Conv -> Resize or ConvTranspose -> Concat with the skip -> Conv), at batch 1 and 3, and the
    /// ops alone with pruned weights and the less common attributes; each compiled and compared with ONNX Runtime.
    /// </summary>
    public class UpsamplingModelTests
    {
        private static OnnxAttribute Str(string name, string value) =>
            new OnnxAttribute { Name = name, Type = OnnxAttributeType.String, S = Encoding.UTF8.GetBytes(value) };

        private static void AssertMatchesOrt(ModelBuilder b, int batch, float atol = 2e-5f, float rtol = 2e-5f) =>
            ElementwiseAndShapeOpTests.AssertMatchesOrt(b, batch: batch, specials: false, atol: atol, rtol: rtol);

        /// <summary>A Conv layer with random, half-pruned weights, a bias and a Relu.</summary>
        private static void ConvRelu(ModelBuilder b, string x, string y, int inC, int outC, int kernel, int seed)
        {
            b.Initializer(y + "_w", new long[] { outC, inC, kernel, kernel }, RandomWeights(outC * inC * kernel * kernel, seed, zeroFraction: 0.5))
                .Initializer(y + "_b", new long[] { outC }, RandomWeights(outC, seed + 1))
                .Node("Conv", new[] { x, y + "_w", y + "_b" }, new[] { y + "_conv" }, y, Ints("pads", kernel / 2, kernel / 2, kernel / 2, kernel / 2))
                .Node("Relu", new[] { y + "_conv" }, new[] { y });
        }

        /// <summary>
        /// [N, 3, 8, 8] -> enc1 Conv 3x3 (8 ch) -> MaxPool 2 -> enc2 Conv 3x3 (16 ch) -> up to [N, 8 or 16, 8, 8] ->
        /// Concat with enc1 -> head Conv 1x1 (2 ch).
        /// </summary>
        internal static ModelBuilder UNet(string up, int opset)
        {
            var b = new ModelBuilder(opset).Input("x", null, 3, 8, 8).Output("y", null, 2, 8, 8);
            ConvRelu(b, "x", "enc1", 3, 8, 3, 10);
            b.Node("MaxPool", new[] { "enc1" }, new[] { "pool" }, "pool", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2));
            ConvRelu(b, "pool", "enc2", 8, 16, 3, 20);
            int upChannels = 16;
            float[] scales = { 1, 1, 2, 2 };
            switch (up)
            {
                case "upsample9":
                    b.Initializer("scales", new long[] { 4 }, scales).Node("Upsample", new[] { "enc2", "scales" }, new[] { "up" }, "up", Str("mode", "nearest"));
                    break;
                case "resize10_linear":
                    b.Initializer("scales", new long[] { 4 }, scales).Node("Resize", new[] { "enc2", "scales" }, new[] { "up" }, "up", Str("mode", "linear"));
                    break;
                case "nearest_floor_asymmetric": // what PyTorch's nn.Upsample(scale_factor=2) exports
                    b.Initializer("scales", new long[] { 4 }, scales).Node("Resize", new[] { "enc2", "", "scales" }, new[] { "up" }, "up",
                        Str("mode", "nearest"), Str("nearest_mode", "floor"), Str("coordinate_transformation_mode", "asymmetric"));
                    break;
                case "nearest_round_half_pixel_sizes": // opset 18: sizes for the listed axes only
                    b.Int64Initializer("sizes", 8, 8).Node("Resize", new[] { "enc2", "", "", "sizes" }, new[] { "up" }, "up",
                        Str("mode", "nearest"), Ints("axes", 2, 3));
                    break;
                case "linear_half_pixel":
                case "linear_pytorch_half_pixel":
                case "linear_align_corners":
                case "cubic_half_pixel":
                {
                    string[] parts = up.Split('_', 2);
                    b.Initializer("scales", new long[] { 4 }, scales).Node("Resize", new[] { "enc2", "", "scales" }, new[] { "up" }, "up",
                        Str("mode", parts[0]), Str("coordinate_transformation_mode", parts[1]));
                    break;
                }
                case "convtranspose":
                    upChannels = 8;
                    b.Initializer("up_w", new long[] { 16, 8, 2, 2 }, RandomWeights(16 * 8 * 4, 30, zeroFraction: 0.6))
                        .Initializer("up_b", new long[] { 8 }, RandomWeights(8, 31))
                        .Node("ConvTranspose", new[] { "enc2", "up_w", "up_b" }, new[] { "up" }, "up", Ints("strides", 2, 2));
                    break;
                default: throw new ArgumentException(up);
            }
            b.Node("Concat", new[] { "up", "enc1" }, new[] { "cat" }, "skip", Int("axis", 1))
                .Initializer("head_w", new long[] { 2, upChannels + 8, 1, 1 }, RandomWeights(2 * (upChannels + 8), 40, zeroFraction: 0.3))
                .Node("Conv", new[] { "cat", "head_w" }, new[] { "y" }, "head");
            return b;
        }

        [Theory]
        [InlineData("nearest_floor_asymmetric", 13, 1)]
        [InlineData("nearest_floor_asymmetric", 13, 3)]
        [InlineData("nearest_round_half_pixel_sizes", 18, 3)]
        [InlineData("linear_half_pixel", 13, 1)]
        [InlineData("linear_half_pixel", 13, 3)]
        [InlineData("linear_pytorch_half_pixel", 13, 3)]
        [InlineData("linear_align_corners", 13, 3)]
        [InlineData("cubic_half_pixel", 13, 3)]
        [InlineData("resize10_linear", 10, 3)]
        [InlineData("upsample9", 9, 3)]
        [InlineData("convtranspose", 13, 1)]
        [InlineData("convtranspose", 13, 3)]
        public void UNet_matches_onnx_runtime(string up, int opset, int batch)
        {
            AssertMatchesOrt(UNet(up, opset), batch, atol: 5e-5f, rtol: 5e-5f);
        }

        [Theory]
        [InlineData(1, 1, 0, 1, "")]          // 1-D, stride 1
        [InlineData(2, 1, 1, 1, "")]          // stride 2, output_padding 1
        [InlineData(3, 2, 0, 2, "")]          // stride 3, dilation 2, 2 groups
        [InlineData(2, 1, 0, 1, "SAME_UPPER")]
        [InlineData(2, 1, 0, 1, "pads")]      // pads 1, 2 crop the full output
        [InlineData(9, 1, 2, 1, "")]          // 81 phases: one Conv over the input spread with zeros instead
        public void ConvTranspose_with_pruned_weights_matches_onnx_runtime(int stride, int dilation, int outputPadding, int group, string padding)
        {
            // [N, 4, 5, 6] -> [N, 6, ...]: W [4, 6/group, 3, 2] with 60% zeros, a bias.
            int outPerGroup = 6 / group;
            var b = new ModelBuilder(13).Input("x", null, 4, 5, 6)
                .Initializer("w", new long[] { 4, outPerGroup, 3, 2 }, RandomWeights(4 * outPerGroup * 6, 50 + stride, zeroFraction: 0.6))
                .Initializer("b", new long[] { 6 }, RandomWeights(6, 60));
            var attrs = new List<OnnxAttribute> { Ints("strides", stride, stride), Ints("dilations", dilation, dilation), Int("group", group) };
            if (outputPadding > 0) attrs.Add(Ints("output_padding", outputPadding, outputPadding));
            if (padding == "SAME_UPPER") attrs.Add(Str("auto_pad", "SAME_UPPER"));
            if (padding == "pads") attrs.Add(Ints("pads", 1, 0, 2, 1));
            long Out(long input, long k, long pb, long pe) =>
                padding == "SAME_UPPER" ? input * stride : stride * (input - 1) + outputPadding + (k - 1) * dilation + 1 - pb - pe;
            long h = Out(5, 3, padding == "pads" ? 1 : 0, padding == "pads" ? 2 : 0), w = Out(6, 2, 0, padding == "pads" ? 1 : 0);
            b.Output("y", null, 6, h, w).Node("ConvTranspose", new[] { "x", "w", "b" }, new[] { "y" }, "deconv", attrs.ToArray());
            AssertMatchesOrt(b, batch: 3);
        }

        [Fact]
        public void ConvTranspose_1d_matches_onnx_runtime()
        {
            var b = new ModelBuilder(13).Input("x", null, 3, 7).Output("y", null, 4, 15)
                .Initializer("w", new long[] { 3, 4, 4 }, RandomWeights(48, 70, zeroFraction: 0.5))
                .Node("ConvTranspose", new[] { "x", "w" }, new[] { "y" }, "deconv1d", Ints("strides", 2), Ints("pads", 1, 1), Ints("output_padding", 1));
            AssertMatchesOrt(b, batch: 3);
        }

        [Theory]
        [InlineData("linear", 0)]
        [InlineData("linear", 1)]
        [InlineData("cubic", 0)]
        [InlineData("cubic", 1)]
        [InlineData("nearest", 0)]
        public void Resize_shrinking_with_and_without_antialias_matches_onnx_runtime(string mode, int antialias)
        {
            // [N, 2, 9, 7] -> [N, 2, 4, 3] (scales 0.5, 0.45): antialias widens the filter to 1 / scale taps.
            var b = new ModelBuilder(18).Input("x", null, 2, 9, 7).Output("y", null, 2, 4, 3)
                .Initializer("scales", new long[] { 2 }, new[] { 0.5f, 0.45f })
                .Node("Resize", new[] { "x", "", "scales" }, new[] { "y" }, "down", Str("mode", mode), Int("antialias", antialias), Ints("axes", 2, 3));
            AssertMatchesOrt(b, batch: 3);
        }

        [Fact]
        public void Resize_tf_crop_and_resize_with_extrapolation_matches_onnx_runtime()
        {
            var b = new ModelBuilder(13).Input("x", null, 1, 6, 6).Output("y", null, 1, 4, 5)
                .Initializer("roi", new long[] { 8 }, new[] { 0f, 0f, -0.2f, 0.3f, 1f, 1f, 0.9f, 1.4f })
                .Int64Initializer("sizes", 1, 1, 4, 5)
                .Node("Resize", new[] { "x", "roi", "", "sizes" }, new[] { "y" }, "crop", Str("mode", "linear"),
                    Str("coordinate_transformation_mode", "tf_crop_and_resize"), Float("extrapolation_value", 2.5f));
            AssertMatchesOrt(b, batch: 1);
        }
    }
}
