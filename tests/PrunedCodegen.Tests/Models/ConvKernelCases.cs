using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>The conv models and the ONNX Runtime check shared by the direct and implicit-GEMM conv kernel tests.</summary>
    internal static class ConvKernelCases
    {
        public static OnnxAttribute Str(string name, string value) =>
            new OnnxAttribute { Name = name, Type = OnnxAttributeType.String, S = Encoding.UTF8.GetBytes(value) };

        public static long[] Csv(string text) => text.Length == 0 ? Array.Empty<long>() : text.Split(',').Select(long.Parse).ToArray();

        /// <summary>
        /// x[batch, c, spatial...] -> Conv (m filters, kernel, strides, pads, dilations, auto_pad) [-> activation] -> y, with
        /// `zeroFraction` random zero weights and filters 1 and (for 6+ filters) 5 all zero with zero bias.
        /// </summary>
        public static ModelBuilder Conv(int c, long[] spatial, int m, long[] kernel, int stride, string pads, int dilation, string autoPad,
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

        public static string AssertMatchesOrt(ModelBuilder builder, int c, long[] spatial, int batch, KernelChoice kernel, string what, float[]? input = null)
        {
            byte[] onnx = builder.Build();
            var model = CompiledModel.Load(onnx, kernel);
            var data = input ?? CompiledModel.RandomInput(model.InputLengths[0] * batch, 13, 2f);
            var expected = OrtOracle.Run(onnx, OracleInput.Float("x", data, new long[] { batch, c }.Concat(spatial).ToArray()));
            var actual = batch == 1 ? model.Predict(data) : model.PredictBatch(batch, data);
            Tolerance.AssertClose(expected[0].Data, actual[0], 1e-4f, 1e-4f, $"{what} vs ONNX Runtime ({kernel})");
            return ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { Kernel = kernel }).Source!;
        }
    }
}
