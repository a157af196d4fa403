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
    /// Depthwise convolutions (group = channels, one filter each) through the plane kernel (Kernel=direct forces it; auto
    /// where the cost model picks it) over awkward sizes: odd maps, stride 2, asymmetric, SAME and VALID pads, dilation,
    /// 1-D and 2-D, 3x3 and other kernels, channels 1/3/17/64, zero weights and all-zero filters, NaN/inf inputs, fused
    /// ReLU/Clip and unfused activations, batch 1/2/7, compared with ONNX Runtime. Category Kernels: CI runs these once per
    /// instruction set.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class DepthwisePlanesModelTests
    {
        private static OnnxAttribute Str(string name, string value) =>
            new OnnxAttribute { Name = name, Type = OnnxAttributeType.String, S = Encoding.UTF8.GetBytes(value) };

        internal static long[] Csv(string text) => text.Length == 0 ? Array.Empty<long>() : text.Split(',').Select(long.Parse).ToArray();

        /// <summary>x[batch, c, spatial...] -> depthwise Conv [-> activation] -> y; filter 1 (for 3+ channels) all zero with zero bias.</summary>
        internal static ModelBuilder Depthwise(int c, long[] spatial, long[] kernel, int stride, string pads, int dilation, string autoPad,
            double zeroFraction, string activation, int seed)
        {
            int volume = (int)kernel.Aggregate(1L, (a, b) => a * b);
            var w = RandomWeights(c * volume, seed, zeroFraction);
            var b = RandomWeights(c, seed + 1);
            if (c >= 3) { Array.Clear(w, volume, volume); b[1] = 0f; }
            int rank = spatial.Length;
            var attrs = new List<OnnxAttribute>
            {
                Ints("kernel_shape", kernel), Ints("strides", Enumerable.Repeat((long)stride, rank).ToArray()),
                Ints("dilations", Enumerable.Repeat((long)dilation, rank).ToArray()),
                new OnnxAttribute { Name = "group", Type = OnnxAttributeType.Int, I = c },
            };
            if (pads.Length > 0) attrs.Add(Ints("pads", Csv(pads)));
            if (autoPad != "NOTSET") attrs.Add(Str("auto_pad", autoPad));
            string convOut = activation == "none" ? "y" : "c";
            var builder = new ModelBuilder(13).Input("x", new long?[] { null, c }.Concat(spatial.Select(d => (long?)d)).ToArray())
                .Output("y", Enumerable.Repeat<long?>(null, 2 + rank).ToArray())
                .Initializer("W", new long[] { c, 1 }.Concat(kernel).ToArray(), w)
                .Initializer("B", new long[] { c }, b)
                .Node("Conv", new[] { "x", "W", "B" }, new[] { convOut }, "dw", attrs.ToArray());
            switch (activation)
            {
                case "relu": builder.Node("Relu", new[] { "c" }, new[] { "y" }); break;
                case "sigmoid": builder.Node("Sigmoid", new[] { "c" }, new[] { "y" }); break;
                case "relu6":
                    builder.Initializer("lo", Array.Empty<long>(), new[] { 0f }).Initializer("hi", Array.Empty<long>(), new[] { 6f })
                        .Node("Clip", new[] { "c", "lo", "hi" }, new[] { "y" });
                    break;
                case "clip":
                    builder.Initializer("lo", Array.Empty<long>(), new[] { -0.5f }).Initializer("hi", Array.Empty<long>(), new[] { 0.75f })
                        .Node("Clip", new[] { "c", "lo", "hi" }, new[] { "y" });
                    break;
            }
            return builder;
        }

        internal static string AssertMatchesOrt(ModelBuilder builder, int c, long[] spatial, int batch, KernelChoice kernel, bool specials = false)
        {
            byte[] onnx = builder.Build();
            var model = CompiledModel.Load(onnx, kernel);
            var data = CompiledModel.RandomInput(model.InputLengths[0] * batch, 13, 2f);
            if (specials)
            {
                data[1] = float.NaN;
                data[data.Length / 2] = float.PositiveInfinity;
                data[data.Length - 2] = float.NegativeInfinity;
            }
            var expected = OrtOracle.Run(onnx, OracleInput.Float("x", data, new long[] { batch, c }.Concat(spatial).ToArray()));
            var actual = batch == 1 ? model.Predict(data) : model.PredictBatch(batch, data);
            Tolerance.AssertClose(expected[0].Data, actual[0], 3e-5f, 2e-5f, $"depthwise conv vs ONNX Runtime ({kernel})");
            return ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { Kernel = kernel }).Source!;
        }

        // channels, spatial, kernel, stride, pads, dilation, auto_pad, zero fraction, activation, batch
        [Theory]
        [InlineData(17, "7,9", "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "relu", 1)]
        [InlineData(3, "11,13", "3,3", 2, "1,1,1,1", 1, "NOTSET", 0.0, "relu6", 2)]
        [InlineData(64, "25,5", "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "relu", 1)]      // DS-CNN
        [InlineData(8, "48,48", "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "relu6", 1)]     // MobileNet first depthwise layer
        [InlineData(16, "48,48", "3,3", 2, "0,0,1,1", 1, "NOTSET", 0.0, "relu6", 1)]    // MobileNet stride 2, TF SAME pads
        [InlineData(17, "6,6", "3,3", 1, "", 1, "SAME_UPPER", 0.5, "clip", 7)]
        [InlineData(17, "3,3", "3,3", 2, "", 1, "SAME_LOWER", 0.0, "none", 2)]
        [InlineData(3, "9,10", "3,3", 1, "", 1, "VALID", 0.0, "sigmoid", 2)]
        [InlineData(3, "12,11", "3,3", 1, "2,2,2,2", 2, "NOTSET", 0.3, "relu", 1)]     // dilation 2
        [InlineData(17, "15,16", "5,5", 2, "2,1,1,2", 1, "NOTSET", 0.0, "relu", 2)]    // asymmetric pads, 5x5
        [InlineData(3, "8,8", "3,1", 1, "1,0,1,0", 1, "NOTSET", 0.0, "none", 1)]
        [InlineData(1, "5,7", "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "relu", 7)]       // one channel (group 1)
        [InlineData(17, "2,2", "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "relu", 2)]      // 4 positions: Vector128 / scalar
        [InlineData(17, "1,1", "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "clip", 2)]      // one position
        [InlineData(3, "7,7", "3,3", 1, "1,1,1,1", 1, "NOTSET", 1.0, "relu", 2)]       // every weight zero: the bias
        [InlineData(3, "50", "3", 1, "1,1", 1, "NOTSET", 0.0, "relu", 2)]             // 1-D
        [InlineData(17, "37", "5", 2, "2,1", 1, "NOTSET", 0.5, "none", 7)]            // 1-D, stride 2, asymmetric
        [InlineData(3, "96,96", "3,3", 2, "0,0,1,1", 1, "NOTSET", 0.0, "relu6", 1)]
        public void Depthwise_planes_match_ORT(int c, string spatialCsv, string kernelCsv, int stride, string pads, int dilation, string autoPad,
            double zeroFraction, string activation, int batch)
        {
            long[] spatial = Csv(spatialCsv), kernel = Csv(kernelCsv);
            var builder = Depthwise(c, spatial, kernel, stride, pads, dilation, autoPad, zeroFraction, activation, c * 7 + (int)spatial[0]);
            string source = AssertMatchesOrt(builder, c, spatial, batch, KernelChoice.Direct);
            if (c > 1)
            {
                Assert.Contains("Kernels.ConvDepthwisePlanes(", source);
                Assert.Contains("conv depthwise planes SIMD", source);
            }
            if (activation is "relu" or "relu6" or "clip")
            {
                Assert.DoesNotContain("Kernels.Relu(", source);
                Assert.DoesNotContain("Kernels.Clip(", source);
            }
        }

        /// <summary>NaN and infinities in the input propagate as in ONNX Runtime, padding included.</summary>
        [Theory]
        [InlineData("relu", 1, 1)]
        [InlineData("relu6", 2, 2)]
        [InlineData("none", 7, 1)]
        public void Depthwise_planes_with_NaN_and_infinity_match_ORT(string activation, int batch, int stride)
        {
            long[] spatial = { 9, 11 };
            AssertMatchesOrt(Depthwise(17, spatial, new long[] { 3, 3 }, stride, "1,1,1,1", 1, "NOTSET", 0.0, activation, 5), 17, spatial, batch, KernelChoice.Direct, specials: true);
        }
    }
}
