using System;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>
    /// QuantizeLinear / DequantizeLinear (the QDQ format of ONNX Runtime's quantization tool and PyTorch's exporter)
    /// against ONNX Runtime: Q/DQ pairs on activations (per tensor, uint8 and int8, saturating inputs), weights stored as
    /// int8 per output channel with int32 biases behind DequantizeLinear, folded to float at build time; and the refusals.
    /// </summary>
    public class QuantizationModelTests
    {
        private static OnnxTensor Int8(string name, long[] dims, sbyte[] data)
        {
            var t = new OnnxTensor { Name = name, DataType = OnnxDataType.Int8, RawData = data.Select(v => unchecked((byte)v)).ToArray() };
            t.Dims.AddRange(dims);
            return t;
        }

        private static OnnxTensor UInt8(string name, long[] dims, byte[] data)
        {
            var t = new OnnxTensor { Name = name, DataType = OnnxDataType.UInt8 };
            t.Dims.AddRange(dims);
            t.Int32Data.AddRange(data.Select(v => (int)v));
            return t;
        }

        private static OnnxTensor Int32(string name, long[] dims, int[] data)
        {
            var t = new OnnxTensor { Name = name, DataType = OnnxDataType.Int32 };
            t.Dims.AddRange(dims);
            t.Int32Data.AddRange(data);
            return t;
        }

        private static sbyte[] RandomInt8(int count, int seed)
        {
            var random = new Random(seed);
            return Enumerable.Range(0, count).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
        }

        [Theory]
        [InlineData(false, 0.02f, 128)]   // uint8 with a mid zero point: inputs in [-4, 4) saturate both ways
        [InlineData(false, 0.05f, 3)]
        [InlineData(true, 0.02f, 0)]      // int8, symmetric
        [InlineData(true, 0.0625f, -17)]  // a power-of-two scale: many x / scale land on .5 exactly (ties to even)
        public void Quantize_dequantize_pair_on_a_runtime_tensor_matches_exactly(bool signed, float scale, int zeroPoint)
        {
            var b = new ModelBuilder().Input("x", null, 6, 11).Output("y", null, 6, 11)
                .Initializer("s", Array.Empty<long>(), new[] { scale })
                .Initializer(signed ? Int8("z", Array.Empty<long>(), new[] { (sbyte)zeroPoint }) : UInt8("z", Array.Empty<long>(), new[] { (byte)zeroPoint }))
                .Node("QuantizeLinear", new[] { "x", "s", "z" }, new[] { "q" }, "q")
                .Node("DequantizeLinear", new[] { "q", "s", "z" }, new[] { "y" }, "dq");
            string source = ElementwiseAndShapeOpTests.AssertMatchesOrt(b, batch: 3, specials: false, atol: 0f, rtol: 0f);
            Assert.Contains("Kernels.QuantizeDequantize(", source);   // one pass for the pair
        }

        [Fact]
        public void Quantize_and_dequantize_with_different_scales_stay_two_ops()
        {
            // Not a pair of one scale (a requantisation): Q at 0.05 / zero point 10, DQ read at 0.1 / zero point 10.
            var b = new ModelBuilder().Input("x", null, 50).Output("y", null, 50)
                .Initializer("s1", Array.Empty<long>(), new[] { 0.05f })
                .Initializer("s2", Array.Empty<long>(), new[] { 0.1f })
                .Initializer(UInt8("z", Array.Empty<long>(), new byte[] { 10 }))
                .Node("QuantizeLinear", new[] { "x", "s1", "z" }, new[] { "q" })
                .Node("DequantizeLinear", new[] { "q", "s2", "z" }, new[] { "y" });
            string source = ElementwiseAndShapeOpTests.AssertMatchesOrt(b, batch: 2, specials: false, atol: 0f, rtol: 0f);
            Assert.DoesNotContain("Kernels.QuantizeDequantize(", source);
            Assert.Contains("Kernels.Quantize(", source);
        }

        [Fact]
        public void Quantize_of_a_constant_folds_with_ties_to_even_and_saturation()
        {
            // x / 0.5 = 0.5, 1.5, 2.5, -0.5, -2.5, 300, -300: rounds to 0, 2, 2, -0, -2 and saturates to [0, 255] around 10.
            var constant = new[] { 0.25f, 0.75f, 1.25f, -0.25f, -1.25f, 150f, -150f };
            var b = new ModelBuilder().Input("x", null, 7).Output("y", null, 7)
                .Initializer("c", new long[] { 7 }, constant)
                .Initializer("s", Array.Empty<long>(), new[] { 0.5f })
                .Initializer(UInt8("z", Array.Empty<long>(), new byte[] { 10 }))
                .Node("QuantizeLinear", new[] { "c", "s", "z" }, new[] { "q" })
                .Node("DequantizeLinear", new[] { "q", "s", "z" }, new[] { "d" })
                .Node("Add", new[] { "x", "d" }, new[] { "y" });
            ElementwiseAndShapeOpTests.AssertMatchesOrt(b, batch: 2, specials: false, atol: 0f, rtol: 0f);
        }

        /// <summary>
        /// An MLP as ONNX Runtime's static quantizer writes it: activations Q/DQ per tensor (uint8), weights int8 per output
        /// channel (axis 0 of a transB Gemm) and int32 biases with scale = input scale x weight scale.
        /// </summary>
        private static ModelBuilder QdqMlp(int inputs, int hidden, int outputs)
        {
            const float inScale = 0.016f, hiddenScale = 0.05f;
            var b = new ModelBuilder().Input("x", null, inputs).Output("y", null, outputs)
                .Initializer("xs", Array.Empty<long>(), new[] { inScale })
                .Initializer(UInt8("xz", Array.Empty<long>(), new byte[] { 128 }))
                .Initializer("hs", Array.Empty<long>(), new[] { hiddenScale })
                .Initializer(UInt8("hz", Array.Empty<long>(), new byte[] { 0 }));
            void Layer(string name, int n, int k, float inputScale, string input, string output, int seed)
            {
                var weightScales = Enumerable.Range(0, n).Select(i => 0.002f + 0.0005f * (i % 7)).ToArray();
                var random = new Random(seed);
                b.Initializer(Int8(name + "_w", new long[] { n, k }, RandomInt8(n * k, seed)))
                 .Initializer(name + "_ws", new long[] { n }, weightScales)
                 .Initializer(Int8(name + "_wz", new long[] { n }, new sbyte[n]))
                 .Initializer(Int32(name + "_b", new long[] { n }, Enumerable.Range(0, n).Select(_ => random.Next(-3000, 3000)).ToArray()))
                 .Initializer(name + "_bs", new long[] { n }, weightScales.Select(s => s * inputScale).ToArray())
                 .Node("DequantizeLinear", new[] { name + "_w", name + "_ws", name + "_wz" }, new[] { name + "_wf" }, name + "_dqw", Int("axis", 0))
                 .Node("DequantizeLinear", new[] { name + "_b", name + "_bs" }, new[] { name + "_bf" }, name + "_dqb", Int("axis", 0))
                 .Node("Gemm", new[] { input, name + "_wf", name + "_bf" }, new[] { output }, name, Int("transB", 1));
            }
            b.Node("QuantizeLinear", new[] { "x", "xs", "xz" }, new[] { "xq" }).Node("DequantizeLinear", new[] { "xq", "xs", "xz" }, new[] { "xd" });
            Layer("fc1", hidden, inputs, inScale, "xd", "h", 1);
            b.Node("Relu", new[] { "h" }, new[] { "hr" })
             .Node("QuantizeLinear", new[] { "hr", "hs", "hz" }, new[] { "hq" }).Node("DequantizeLinear", new[] { "hq", "hs", "hz" }, new[] { "hd" });
            Layer("fc2", outputs, hidden, hiddenScale, "hd", "y", 2);
            return b;
        }

        [Theory]
        [InlineData(20, 33, 10)]
        [InlineData(64, 128, 10)]
        public void Qdq_mlp_with_int8_per_channel_weights_matches_ort(int inputs, int hidden, int outputs)
        {
            // Against ORT computing node by node; the Gemm sums round differently from ours (float, another order), so a
            // hidden value next to a rounding boundary may quantize one step (0.05) apart: allow one step of fc2's input
            // through fc2's largest weight row sum, bounded here by 0.05 * 0.005 * 127 * hidden.
            float step = 0.05f * 0.005f * 127f * hidden / 8;
            ElementwiseAndShapeOpTests.AssertMatchesOrt(QdqMlp(inputs, hidden, outputs), batch: 4, specials: false, atol: step, rtol: 1e-4f);
        }

        [Fact]
        public void Qdq_cnn_with_int8_per_channel_conv_weights_matches_ort()
        {
            const float inScale = 0.0313f, actScale = 0.04f;
            int c = 3, m = 6;
            var weightScales = Enumerable.Range(0, m).Select(i => 0.003f + 0.001f * i).ToArray();
            var b = new ModelBuilder().Input("x", null, c, 10, 10).Output("y", null, 4)
                .Initializer("xs", Array.Empty<long>(), new[] { inScale })
                .Initializer(Int8("xz", Array.Empty<long>(), new sbyte[] { 0 }))
                .Initializer("as", Array.Empty<long>(), new[] { actScale })
                .Initializer(Int8("az", Array.Empty<long>(), new sbyte[] { -128 }))
                .Initializer(Int8("w", new long[] { m, c, 3, 3 }, RandomInt8(m * c * 9, 5)))
                .Initializer("ws", new long[] { m }, weightScales)
                .Initializer(Int32("cb", new long[] { m }, new[] { 100, -200, 300, 0, -50, 4000 }))
                .Initializer("cbs", new long[] { m }, weightScales.Select(s => s * inScale).ToArray())
                .Initializer("fw", new long[] { 4, m * 5 * 5 }, RandomWeights(4 * m * 25, 9))
                .Node("QuantizeLinear", new[] { "x", "xs", "xz" }, new[] { "xq" })
                .Node("DequantizeLinear", new[] { "xq", "xs", "xz" }, new[] { "xd" })
                .Node("DequantizeLinear", new[] { "w", "ws" }, new[] { "wf" }, "dqw", Int("axis", 0))
                .Node("DequantizeLinear", new[] { "cb", "cbs" }, new[] { "bf" }, "dqb", Int("axis", 0))
                .Node("Conv", new[] { "xd", "wf", "bf" }, new[] { "conv" }, "conv", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1))
                .Node("Relu", new[] { "conv" }, new[] { "r" })
                .Node("QuantizeLinear", new[] { "r", "as", "az" }, new[] { "rq" })
                .Node("MaxPool", new[] { "rq" }, new[] { "pq" }, "pool", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2))
                .Node("DequantizeLinear", new[] { "pq", "as", "az" }, new[] { "pd" })
                .Node("Flatten", new[] { "pd" }, new[] { "f" })
                .Node("Gemm", new[] { "f", "fw" }, new[] { "y" }, "fc", Int("transB", 1));
            // MaxPool of quantized integers is not ours (only value-moving ops read them): move the pool after DQ instead.
            var refused = ModelCompiler.Compile(b.Build(), new CompileOptions("Model", "Tests", "model.onnx"));
            Assert.Contains(refused.Diagnostics, d => d.Id == DiagnosticIds.UnsupportedDataType && d.Message.Contains("'rq' holds Int8 values"));

            var graph = b.Model.Graph!;
            var pool = graph.Nodes.Single(n => n.OpType == "MaxPool");
            var dq = graph.Nodes.Single(n => n.Inputs.Count > 0 && n.Inputs[0] == "pq");
            pool.Inputs[0] = "pdq"; pool.Outputs[0] = "pd2";
            dq.Inputs[0] = "rq"; dq.Outputs[0] = "pdq";
            graph.Nodes.Remove(pool);
            graph.Nodes.Insert(graph.Nodes.IndexOf(dq) + 1, pool);
            graph.Nodes.Single(n => n.OpType == "Flatten").Inputs[0] = "pd2";
            // One activation step (0.04) through the head's weights (|w| < 1, 150 inputs) bounds a boundary flip.
            ElementwiseAndShapeOpTests.AssertMatchesOrt(b, batch: 2, specials: false, atol: 0.04f, rtol: 1e-4f);
        }

        [Fact]
        public void Qdq_model_agrees_with_ort_integer_kernels_within_a_quantization_step()
        {
            // With its graph optimisations on, ORT fuses DQ -> Gemm -> Q into integer kernels (QGemm / QLinearMatMul):
            // the product's float QDQ arithmetic then differs by rounding, not by more than a few output steps.
            var b = QdqMlp(64, 128, 10);
            byte[] onnx = b.Build();
            var model = CompiledModel.Load(onnx);
            var x = CompiledModel.RandomInput(64 * 5, 3, 4f);
            var expected = OrtOracle.Run(onnx, new[] { OracleInput.Float("x", x, new long[] { 5, 64 }) }, GraphOptimizationLevel.ORT_ENABLE_ALL);
            var actual = model.PredictBatch(5, new[] { x });
            float worst = expected[0].Data.Zip(actual[0]).Max(p => Math.Abs(p.First - p.Second));
            float scale = expected[0].Data.Max(Math.Abs);
            Assert.True(worst <= 0.02f * scale, $"largest difference {worst} against outputs up to {scale}");
        }

        [Fact]
        public void Runtime_quantize_rounds_ties_to_even()
        {
            // floor(x) / 2 is a whole or half number; at scale 1 the halves are ties: -1.5 -> -2, -0.5 -> -0, 0.5 -> 0, 1.5 -> 2.
            var b = new ModelBuilder().Input("x", null, 40).Output("y", null, 40)
                .Initializer("half", Array.Empty<long>(), new[] { 0.5f })
                .Initializer("one", Array.Empty<long>(), new[] { 1f })
                .Initializer(Int8("z", Array.Empty<long>(), new sbyte[] { 1 }))
                .Node("Floor", new[] { "x" }, new[] { "f" })
                .Node("Mul", new[] { "f", "half" }, new[] { "h" })
                .Node("QuantizeLinear", new[] { "h", "one", "z" }, new[] { "q" })
                .Node("DequantizeLinear", new[] { "q", "one", "z" }, new[] { "y" });
            ElementwiseAndShapeOpTests.AssertMatchesOrt(b, batch: 2, specials: false, atol: 0f, rtol: 0f);
        }

        [Fact]
        public void Refusals_name_the_node_and_the_reason()
        {
            static string Ids(ModelBuilder b) => string.Join(";", ModelCompiler.Compile(b.Build(), new CompileOptions("Model", "Tests", "model.onnx")).Diagnostics
                .Where(d => d.Id != DiagnosticIds.ModelSummary).Select(d => d.Id + " " + d.Message));
            ModelBuilder Base() => new ModelBuilder().Input("x", null, 4).Initializer("s", Array.Empty<long>(), new[] { 0.1f })
                .Initializer(UInt8("z", Array.Empty<long>(), new byte[] { 7 }));

            // A quantized graph output is integer data.
            Assert.Contains("holds UInt8 values", Ids(Base().Output("q", null, 4).Node("QuantizeLinear", new[] { "x", "s", "z" }, new[] { "q" })));
            // Arithmetic on the integers.
            Assert.Contains("PCG0005 model.onnx: node 'add' (Add): input 'q' holds UInt8 values", Ids(Base().Output("y", null, 4)
                .Node("QuantizeLinear", new[] { "x", "s", "z" }, new[] { "q" }).Node("Add", new[] { "q", "q" }, new[] { "y" }, "add")));
            // Per-axis scales on a runtime tensor.
            Assert.Contains("PCG0004 model.onnx: node 'qa' (QuantizeLinear): per-axis quantization of a runtime tensor", Ids(new ModelBuilder().Input("x", null, 4).Output("y", null, 4)
                .Initializer("s4", new long[] { 4 }, new[] { 0.1f, 0.2f, 0.3f, 0.4f })
                .Node("QuantizeLinear", new[] { "x", "s4" }, new[] { "q" }, "qa", Int("axis", 1)).Node("DequantizeLinear", new[] { "q", "s4" }, new[] { "y" }, "dqa", Int("axis", 1))));
            // Blocked quantization (opset 21).
            Assert.Contains("block_size", Ids(new ModelBuilder(opset: 21).Input("x", null, 4).Output("y", null, 4)
                .Initializer("s", Array.Empty<long>(), new[] { 0.1f })
                .Node("QuantizeLinear", new[] { "x", "s" }, new[] { "q" }, "qb", Int("block_size", 2)).Node("DequantizeLinear", new[] { "q", "s" }, new[] { "y" })));
            // A zero scale.
            Assert.Contains("is not a positive finite number", Ids(new ModelBuilder().Input("x", null, 4).Output("y", null, 4)
                .Initializer("s0", Array.Empty<long>(), new[] { 0f })
                .Node("QuantizeLinear", new[] { "x", "s0" }, new[] { "q" }).Node("DequantizeLinear", new[] { "q", "s0" }, new[] { "y" })));
            // An int8 weight read as float without DequantizeLinear.
            Assert.Contains("is an integer tensor where a float tensor is expected", Ids(new ModelBuilder().Input("x", null, 4).Output("y", null, 3)
                .Initializer(Int8("w", new long[] { 3, 4 }, new sbyte[12])).Node("Gemm", new[] { "x", "w" }, new[] { "y" }, "g", Int("transB", 1))));
        }
    }
}
