using System;
using System.Linq;
using System.Text;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>
    /// The activations, broadcasting binary ops and data-movement ops (Transpose, Squeeze, Unsqueeze, Pad, Concat)
    /// over parameter grids, each compiled and compared with ONNX Runtime on the same inputs, NaN and infinities
    /// included where the op is defined for them; plus residual blocks (one tensor read by two nodes, then added).
    /// </summary>
    public class ElementwiseAndShapeOpTests
    {
        /// <summary>Random values in [-scale, scale) with, when <paramref name="specials"/>, NaN, ±Inf, ±0 and large values mixed in.</summary>
        private static float[] Values(int count, int seed, bool specials = true, float scale = 4f)
        {
            var data = CompiledModel.RandomInput(count, seed, scale);
            if (!specials) return data;
            float[] mix = { float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 60f, -60f };
            for (int i = seed % 5; i < count; i += 5) data[i] = mix[(i / 5 + seed) % mix.Length];
            return data;
        }

        /// <summary>
        /// Compiles the model (with <paramref name="kernel"/>), feeds every graph input the same data as ONNX Runtime
        /// (inputs with a symbolic leading dim get <paramref name="batch"/> samples, run through PredictBatch) and
        /// compares every output. Returns the generated source.
        /// </summary>
        internal static string AssertMatchesOrt(ModelBuilder builder, int batch = 3, bool specials = true, float atol = 1e-5f,
            float rtol = 1e-5f, KernelChoice kernel = KernelChoice.Auto)
        {
            byte[] onnx = builder.Build();
            var graph = builder.Model.Graph!;
            var inputs = graph.Inputs.Where(i => graph.Initializers.All(t => t.Name != i.Name)).ToList();
            var model = CompiledModel.Load(onnx, kernel);
            bool batched = inputs.Any(v => v.Shape!.Count > 0 && v.Shape[0].Value == null);
            var data = inputs.Select((v, i) => Values(model.InputLengths[i] * (v.Shape!.Count > 0 && v.Shape[0].Value == null ? batch : 1), 100 + i, specials)).ToArray();
            var ortInputs = inputs.Select((v, i) => OracleInput.Float(v.Name, data[i], v.Shape!.Select(d => d.Value ?? batch).ToArray())).ToArray();
            var expected = OrtOracle.Run(onnx, ortInputs);
            // PredictBatch takes every input per sample: an input without a batch dim is repeated for each sample.
            var actual = batched
                ? model.PredictBatch(batch, data.Select((d, i) => inputs[i].Shape!.Count > 0 && inputs[i].Shape![0].Value == null ? d : Repeat(d, batch)).ToArray())
                : model.Predict(data);
            Assert.Equal(expected.Count, actual.Length);
            for (int o = 0; o < actual.Length; o++)
                Tolerance.AssertClose(expected[o].Data, actual[o], atol, rtol, $"output {o} '{graph.Outputs[o].Name}' ({kernel})", expected[o].Dims);
            return ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { Kernel = kernel }).Source!;
        }

        private static float[] Repeat(float[] data, int times) => Enumerable.Range(0, times).SelectMany(_ => data).ToArray();

        private static OnnxAttribute Str(string name, string value) =>
            new OnnxAttribute { Name = name, Type = OnnxAttributeType.String, S = Encoding.UTF8.GetBytes(value) };

        private static OnnxAttribute Ints(string name, params long[] values)
        {
            var a = new OnnxAttribute { Name = name, Type = OnnxAttributeType.Ints };
            a.Ints.AddRange(values);
            return a;
        }

        private static long?[] Dims(string text) =>
            text.Length == 0 ? Array.Empty<long?>() : text.Split(',').Select(d => d == "N" ? (long?)null : long.Parse(d, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        private static long[] Fixed(string text) => Dims(text).Select(d => d ?? 1).ToArray();

        // ---- activations ----

        [Fact]
        public void Activations_over_a_parameter_grid_with_nan_and_infinities()
        {
            // Opset 20 for Gelu; each activation and parameter set is one output of the same model.
            var b = new ModelBuilder(opset: 20).Input("x", null, 7, 5);
            b.Model.IrVersion = 9;
            void Act(string name, string op, params OnnxAttribute[] attrs)
            {
                b.Output(name, null, 7, 5);
                b.Node(op, new[] { "x" }, new[] { name }, name, attrs);
            }
            Act("elu", "Elu");
            Act("elu_half", "Elu", Float("alpha", 0.5f));
            Act("elu_three", "Elu", Float("alpha", 3f));
            Act("selu", "Selu");
            Act("selu_custom", "Selu", Float("alpha", 2f), Float("gamma", 3f));
            Act("hardsigmoid", "HardSigmoid");
            Act("hardsigmoid_custom", "HardSigmoid", Float("alpha", 0.3f), Float("beta", 0.6f));
            Act("hardsigmoid_negative", "HardSigmoid", Float("alpha", -0.25f), Float("beta", -0.1f));
            Act("hardswish", "HardSwish");
            Act("softplus", "Softplus");
            Act("gelu", "Gelu");
            Act("gelu_none", "Gelu", Str("approximate", "none"));
            Act("gelu_tanh", "Gelu", Str("approximate", "tanh"));
            Act("exp", "Exp");
            Act("sqrt", "Sqrt");
            AssertMatchesOrt(b, batch: 2);
        }

        [Fact]
        public void Activations_on_a_dense_range_without_special_values()
        {
            // 401 points over [-8, 8]: the erfc approximation behind Gelu, Softplus's tail, Exp's range.
            var b = new ModelBuilder(opset: 20).Input("x", 401);
            b.Model.IrVersion = 9;
            foreach (var (op, attrs) in new[] { ("Gelu", new OnnxAttribute[0]), ("Gelu", new[] { Str("approximate", "tanh") }),
                ("Softplus", new OnnxAttribute[0]), ("Elu", new OnnxAttribute[0]), ("Selu", new OnnxAttribute[0]), ("HardSwish", new OnnxAttribute[0]) })
            {
                string name = "y" + b.Model.Graph!.Outputs.Count;
                b.Output(name, 401).Node(op, new[] { "x" }, new[] { name }, "", attrs);
            }
            byte[] onnx = b.Build();
            var x = Enumerable.Range(0, 401).Select(i => -8f + i * 0.04f).ToArray();
            var expected = OrtOracle.Run(onnx, OracleInput.Float("x", x, 401));
            var actual = CompiledModel.Load(onnx).Predict(x);
            for (int o = 0; o < actual.Length; o++)
                Tolerance.AssertClose(expected[o].Data, actual[o], 2e-6f, 2e-6f, $"output {o}");
        }

        [Theory]
        [InlineData("Elu", KernelChoice.DenseSimd)]
        [InlineData("Selu", KernelChoice.SparseRows)]
        [InlineData("HardSigmoid", KernelChoice.BlockSparse)]
        [InlineData("HardSwish", KernelChoice.DenseSimd)]
        [InlineData("Softplus", KernelChoice.SparseRows)]
        [InlineData("Gelu", KernelChoice.Auto)]
        [InlineData("Exp", KernelChoice.DenseSimd)]
        public void Activation_after_a_pruned_dense_layer_is_fused_and_dead_neurons_fold(string activation, KernelChoice kernel)
        {
            // Neurons 1, 4 and 6 have no weights: their output is act(bias), a constant the build folds into the next
            // layer's bias (through Activation.Apply), so Apply must agree with ONNX Runtime too.
            var w1 = RandomWeights(8 * 5, 41, 0.3);
            foreach (int dead in new[] { 1, 4, 6 })
                for (int c = 0; c < 5; c++) w1[dead * 5 + c] = 0f;
            var b = new ModelBuilder(opset: 20).Input("x", null, 5).Output("y", null, 3)
                .Initializer("W1", new long[] { 8, 5 }, w1)
                .Initializer("b1", new long[] { 8 }, RandomWeights(8, 42))
                .Initializer("W2", new long[] { 3, 8 }, RandomWeights(24, 43))
                .Initializer("b2", new long[] { 3 }, RandomWeights(3, 44))
                .Node("Gemm", new[] { "x", "W1", "b1" }, new[] { "h" }, "fc1", Int("transB", 1))
                .Node(activation, new[] { "h" }, new[] { "a" }, "act")
                .Node("Gemm", new[] { "a", "W2", "b2" }, new[] { "y" }, "fc2", Int("transB", 1));
            b.Model.IrVersion = 9;
            string source = AssertMatchesOrt(b, batch: 4, specials: false, atol: 1e-5f, kernel: kernel);
            Assert.Contains($"Dense+{activation}", source);
            Assert.Contains("3 constant neuron(s) removed here", source);
        }

        [Fact]
        public void Erf_pow_max_min_comparisons_where_and_castlike()
        {
            // The primitives that function-expanded activations are made of, with broadcasting between operands.
            var b = new ModelBuilder(opset: 19).Input("x", null, 4, 6).Input("t", 6).Output("erf", null, 4, 6).Output("pow", null, 4, 6)
                .Output("pow_const", null, 4, 6).Output("max", null, 4, 6).Output("min", null, 4, 6).Output("where", null, 4, 6)
                .Output("where_scalar", null, 4, 6).Output("cast", null, 4, 6);
            b.Model.IrVersion = 9;
            b.Initializer("three", new long[0], new[] { 3f }).Initializer("half", new long[] { 1 }, new[] { 0.5f })
                .Node("Erf", new[] { "x" }, new[] { "erf" })
                .Node("Pow", new[] { "x", "t" }, new[] { "pow" })
                .Node("Pow", new[] { "x", "three" }, new[] { "pow_const" })
                .Node("Max", new[] { "x", "t", "half" }, new[] { "max" })
                .Node("Min", new[] { "x", "t" }, new[] { "min" })
                .Node("Less", new[] { "x", "t" }, new[] { "less" })
                .Node("Where", new[] { "less", "x", "t" }, new[] { "where" })
                .Node("Greater", new[] { "x", "half" }, new[] { "greater" })
                .Node("Where", new[] { "greater", "three", "x" }, new[] { "where_scalar" })
                .Node("CastLike", new[] { "x", "t" }, new[] { "cast" });
            // Pow of negative bases to fractional powers is NaN in both; NaN/Inf inputs are left out because ONNX
            // Runtime's Max/Min skip NaN where the ONNX reference propagates it.
            AssertMatchesOrt(b, batch: 3, specials: false);
        }

        [Fact]
        public void Erf_near_zero_keeps_its_relative_precision()
        {
            var b = new ModelBuilder(opset: 13).Input("x", 9).Output("y", 9).Node("Erf", new[] { "x" }, new[] { "y" });
            var x = new[] { 1e-30f, -1e-7f, 3e-5f, 0.01f, -0.25f, 0.49f, 0.5f, -2f, 4f };
            byte[] onnx = b.Build();
            var expected = OrtOracle.Run(onnx, OracleInput.Float("x", x, 9));
            Tolerance.AssertClose(expected[0].Data, CompiledModel.Load(onnx).Predict(x)[0], 0f, 1e-6f, "erf");
        }

        [Fact]
        public void A_comparison_result_only_feeds_where()
        {
            var b = new ModelBuilder().Input("x", 3).Input("y", 3).Output("z", 3)
                .Node("Less", new[] { "x", "y" }, new[] { "mask" })
                .Node("Add", new[] { "mask", "x" }, new[] { "z" });
            var result = ModelCompiler.Compile(b.Build(), new CompileOptions("Model", "Tests", "model.onnx"));
            Assert.False(result.Succeeded);
            Assert.Contains(result.Diagnostics, d => d.Id == DiagnosticIds.UnsupportedDataType && d.Message.Contains("bool"));
        }

        [Theory]
        [InlineData("Elu")]
        [InlineData("Softplus")]
        [InlineData("Gelu")]
        public void New_activations_run_in_the_sixteen_sample_batch_path(string activation)
        {
            // An 85%-sparse MLP is a chain of dense layers and activations: PredictBatch runs it feature-major.
            var b = Mlp(20, 24, 6, seed: 57, zeroFraction: 0.85);
            b.Model.Graph!.Nodes[1].OpType = activation;
            b.Model.OpsetImports[0].Version = 20;
            b.Model.IrVersion = 9;
            string source = AssertMatchesOrt(b, batch: 19, specials: false, atol: 1e-5f);
            Assert.Contains("Run_Batch(", source);
            Assert.Contains($"Dense+{activation}", source);
        }

        // ---- broadcasting ----

        [Theory]
        [InlineData("2,3,4", "", true)]          // scalar
        [InlineData("2,3,4", "", false)]
        [InlineData("2,3,4", "1", true)]         // [1]
        [InlineData("2,3,4", "4", true)]         // trailing
        [InlineData("2,3,4", "4", false)]
        [InlineData("2,3,4", "2,1,1", true)]     // leading
        [InlineData("3,1", "1,4", true)]         // both sides
        [InlineData("2,1,4", "3,1", true)]       // both sides and ranks differ
        [InlineData("4", "2,3,4", true)]         // the smaller operand first
        [InlineData("1,1", "5,1,3", false)]
        [InlineData("N,3,4", "4", false)]        // per sample, constant operand
        [InlineData("N,3,4", "3,1", false)]
        [InlineData("N,3,4", "1,3,4", false)]
        [InlineData("N,3,1", "N,1,4", true)]     // two per-sample operands, both sides
        [InlineData("N,3,37", "N,3,37", true)]   // same shape, 111 floats: the vector Add/Mul with an overlapping last vector
        [InlineData("2,5,41", "2,5,41", false)]
        public void Binary_ops_broadcast_both_ways(string aShape, string bShape, bool bIsInput)
        {
            var a = Dims(aShape);
            var bDims = Dims(bShape);
            int rank = Math.Max(a.Length, bDims.Length);
            var outShape = new long?[rank];
            for (int i = 0; i < rank; i++)
            {
                long? da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
                long? db = i < rank - bDims.Length ? 1 : bDims[i - (rank - bDims.Length)];
                outShape[i] = da == null || db == null ? null : Math.Max(da.Value, db.Value);
            }
            var builder = new ModelBuilder().Input("a", a);
            if (bIsInput) builder.Input("b", bDims);
            else builder.Initializer("b", Fixed(bShape), Values((int)Fixed(bShape).Aggregate(1L, (p, d) => p * d), 7));
            foreach (string op in new[] { "Add", "Sub", "Mul", "Div" })
                builder.Output(op.ToLowerInvariant(), outShape).Node(op, new[] { "a", "b" }, new[] { op.ToLowerInvariant() });
            builder.Output("sum3", outShape).Node("Sum", new[] { "a", "b", "a" }, new[] { "sum3" });
            builder.Output("ba", outShape).Node("Sub", new[] { "b", "a" }, new[] { "ba" });
            AssertMatchesOrt(builder, batch: 2);
        }

        [Theory]
        [InlineData("1")]
        [InlineData("3,1,1")]
        [InlineData("5")]
        [InlineData("4,5")]
        [InlineData("3,4,5")]
        public void PRelu_slope_broadcasts_to_x(string slopeShape)
        {
            var dims = Fixed(slopeShape);
            var b = new ModelBuilder().Input("x", null, 3, 4, 5).Output("y", null, 3, 4, 5).Output("z", null, 3, 4, 5)
                .Initializer("slope", dims, Values((int)dims.Aggregate(1L, (p, d) => p * d), 9, specials: false))
                .Node("PRelu", new[] { "x", "slope" }, new[] { "y" })
                .Input("runtime_slope", dims.Select(d => (long?)d).ToArray())
                .Node("PRelu", new[] { "x", "runtime_slope" }, new[] { "z" });
            AssertMatchesOrt(b, batch: 2);
        }

        // ---- residual connections ----

        [Theory]
        [InlineData(0.0, KernelChoice.Auto)]
        [InlineData(0.8, KernelChoice.SparseRows)]
        [InlineData(0.8, KernelChoice.BlockSparse)]
        public void Residual_mlp_block(double sparsity, KernelChoice kernel)
        {
            // x -> fc1 -> Relu -> fc2 -> (+ x) -> Relu -> head; x is read by fc1 and by the Add (two consumers).
            var b = new ModelBuilder().Input("x", null, 16).Output("y", null, 4)
                .Initializer("W1", new long[] { 32, 16 }, RandomWeights(512, 61, sparsity))
                .Initializer("b1", new long[] { 32 }, RandomWeights(32, 62))
                .Initializer("W2", new long[] { 16, 32 }, RandomWeights(512, 63, sparsity))
                .Initializer("b2", new long[] { 16 }, RandomWeights(16, 64))
                .Initializer("W3", new long[] { 4, 16 }, RandomWeights(64, 65, sparsity))
                .Node("Gemm", new[] { "x", "W1", "b1" }, new[] { "h1" }, "fc1", Int("transB", 1))
                .Node("Relu", new[] { "h1" }, new[] { "r1" })
                .Node("Gemm", new[] { "r1", "W2", "b2" }, new[] { "h2" }, "fc2", Int("transB", 1))
                .Node("Add", new[] { "h2", "x" }, new[] { "res" }, "residual")
                .Node("Relu", new[] { "res" }, new[] { "r2" })
                .Node("Gemm", new[] { "r2", "W3" }, new[] { "y" }, "head", Int("transB", 1));
            AssertMatchesOrt(b, batch: 5, specials: false, atol: 1e-5f, kernel: kernel);
        }

        [Fact]
        public void Two_residual_blocks_share_intermediates_and_outputs()
        {
            // The first block's output feeds the second block, its residual Add, and a graph output.
            var b = new ModelBuilder().Input("x", null, 8).Output("block1", null, 8).Output("y", null, 8)
                .Initializer("Wa", new long[] { 8, 8 }, RandomWeights(64, 71, 0.5))
                .Initializer("Wb", new long[] { 8, 8 }, RandomWeights(64, 72, 0.5))
                .Initializer("scale", new long[] { 8 }, RandomWeights(8, 73))
                .Node("Gemm", new[] { "x", "Wa" }, new[] { "a" }, "", Int("transB", 1))
                .Node("Elu", new[] { "a" }, new[] { "ea" })
                .Node("Add", new[] { "x", "ea" }, new[] { "block1" })
                .Node("Gemm", new[] { "block1", "Wb" }, new[] { "c" }, "", Int("transB", 1))
                .Node("Mul", new[] { "c", "scale" }, new[] { "sc" })
                .Node("Add", new[] { "sc", "block1" }, new[] { "y" });
            AssertMatchesOrt(b, batch: 3, specials: false);
        }

        // ---- data movement ----

        [Theory]
        [InlineData("2,3,4", "")]               // default: reverse
        [InlineData("2,3,4", "2,0,1")]
        [InlineData("2,3,4", "1,0,2")]
        [InlineData("2,3,4", "0,1,2")]          // identity: a view
        [InlineData("2,3,4,5", "0,2,3,1")]      // NCHW -> NHWC
        [InlineData("N,3,4", "0,2,1")]          // per sample
        [InlineData("N,2,3,4", "0,3,1,2")]
        [InlineData("5,1", "1,0")]
        public void Transpose_permutations(string shape, string perm)
        {
            var dims = Dims(shape);
            long[] p = perm.Length == 0 ? Enumerable.Range(0, dims.Length).Reverse().Select(i => (long)i).ToArray() : Fixed(perm);
            var outDims = p.Select(i => dims[i]).ToArray();
            var b = new ModelBuilder().Input("x", dims).Output("y", outDims)
                .Node("Transpose", new[] { "x" }, new[] { "y" }, "", perm.Length == 0 ? new OnnxAttribute[0] : new[] { Ints("perm", p) });
            AssertMatchesOrt(b, batch: 2);
        }

        [Theory]
        [InlineData(11)]
        [InlineData(13)]
        public void Squeeze_and_unsqueeze_with_axes_as_attribute_or_input(long opset)
        {
            var b = new ModelBuilder(opset).Input("x", null, 1, 3, 1, 4)
                .Output("squeezed", null, 3, 4).Output("squeezed_neg", null, 1, 3, 4).Output("all", null, 3, 4)
                .Output("unsqueezed", null, 1, 3, 1, 1, 4, 1).Output("constant", 1, 2, 1);
            b.Initializer("k", new long[] { 2 }, new[] { 1.5f, -2f });
            if (opset < 13)
            {
                b.Node("Squeeze", new[] { "x" }, new[] { "squeezed" }, "", Ints("axes", 1, 3))
                 .Node("Squeeze", new[] { "x" }, new[] { "squeezed_neg" }, "", Ints("axes", -2))
                 .Node("Unsqueeze", new[] { "x" }, new[] { "unsqueezed" }, "", Ints("axes", -1, 4))
                 .Node("Unsqueeze", new[] { "k" }, new[] { "constant" }, "", Ints("axes", 0, 2));
            }
            else
            {
                b.Int64Initializer("axes_a", 1, 3).Int64Initializer("axes_b", -2).Int64Initializer("axes_c", -1, 4).Int64Initializer("axes_d", 0, 2)
                 .Node("Squeeze", new[] { "x", "axes_a" }, new[] { "squeezed" })
                 .Node("Squeeze", new[] { "x", "axes_b" }, new[] { "squeezed_neg" })
                 .Node("Unsqueeze", new[] { "x", "axes_c" }, new[] { "unsqueezed" })
                 .Node("Unsqueeze", new[] { "k", "axes_d" }, new[] { "constant" });
            }
            // No axes: every dim of size 1 except the symbolic batch dim.
            b.Node("Squeeze", new[] { "x" }, new[] { "all" });
            byte[] onnx = b.Build();
            var model = CompiledModel.Load(onnx);
            var x = Values(3 * 12, 5);
            var expected = OrtOracle.Run(onnx, OracleInput.Float("x", x, 3, 1, 3, 1, 4));
            var actual = model.PredictBatch(3, x);
            for (int o = 0; o < 4; o++) Tolerance.AssertClose(expected[o].Data, actual[o], 0, 0, $"output {o}");
            for (int s = 0; s < 3; s++) Tolerance.AssertClose(expected[4].Data, actual[4].AsSpan(s * 2, 2).ToArray(), 0, 0, "constant");
        }

        [Theory]
        [InlineData("constant", 10, false)]
        [InlineData("edge", 10, false)]
        [InlineData("reflect", 10, false)]
        [InlineData("constant", 13, false)]
        [InlineData("edge", 13, false)]
        [InlineData("reflect", 13, false)]
        [InlineData("constant", 18, false)]
        [InlineData("reflect", 18, false)]
        [InlineData("wrap", 19, false)]
        [InlineData("constant", 13, true)]
        [InlineData("edge", 13, true)]
        [InlineData("reflect", 13, true)]
        [InlineData("wrap", 19, true)]
        public void Pad_modes_with_pads_as_attribute_or_input(string mode, long opset, bool cropBegin)
        {
            // x [N, 3, 4, 5]; pads grow axis 2 by (1, 2) and axis 3 by (3, -1), or with cropBegin axis 2 by (-1, 2) and
            // axis 3 by (2, -2): negative pads crop before the others pad.
            long[] begin = cropBegin ? new long[] { 0, 0, -1, 2 } : new long[] { 0, 0, 1, 3 };
            long[] end = cropBegin ? new long[] { 0, 0, 2, -2 } : new long[] { 0, 0, 2, -1 };
            long[] pads = begin.Concat(end).ToArray();
            var b = new ModelBuilder(opset).Input("x", null, 3, 4, 5).Output("y", null, 3, cropBegin ? 5 : 7, cropBegin ? 5 : 7);
            if (opset >= 18) b.Model.IrVersion = 9;
            if (opset < 11)
                b.Node("Pad", new[] { "x" }, new[] { "y" }, "", Str("mode", mode), Ints("pads", pads), Float("value", 0.25f));
            else if (opset < 18)
                b.Int64Initializer("pads", pads).Initializer("value", new long[0], new[] { -1.5f })
                 .Node("Pad", new[] { "x", "pads", "value" }, new[] { "y" }, "", Str("mode", mode));
            else
                b.Int64Initializer("pads", begin[2], begin[3], end[2], end[3]).Int64Initializer("axes", -2, 3).Input("value", Array.Empty<long?>())
                 .Node("Pad", new[] { "x", "pads", "value", "axes" }, new[] { "y" }, "", Str("mode", mode));
            AssertMatchesOrt(b, batch: 2);
        }

        [Fact]
        public void Pad_of_a_constant_is_folded_and_negative_pads_crop()
        {
            var b = new ModelBuilder(13).Input("x", 4, 5).Output("y", 4, 5)
                .Initializer("k", new long[] { 3, 6 }, RandomWeights(18, 81))
                .Int64Initializer("pads", 1, -1, 0, 0).Node("Pad", new[] { "k", "pads" }, new[] { "kp" }, "", Str("mode", "reflect"))
                .Node("Add", new[] { "x", "kp" }, new[] { "y" });
            string source = AssertMatchesOrt(b);
            Assert.DoesNotContain("Gather(", source);
        }

        [Fact]
        public void Generated_comments_of_negative_pads_do_not_depend_on_the_culture()
        {
            byte[] onnx = new ModelBuilder(13).Input("x", 3, 5).Output("y", 4, 4)
                .Int64Initializer("pads", 0, 0, 1, -1).Node("Pad", new[] { "x", "pads" }, new[] { "y" }, "", Str("mode", "edge")).Build();
            string Compile() => ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx")).Source!;
            string reference = Compile();
            var original = System.Globalization.CultureInfo.CurrentCulture;
            try
            {
                System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("fi-FI");
                Assert.Equal(reference, Compile());
            }
            finally
            {
                System.Globalization.CultureInfo.CurrentCulture = original;
            }
            Assert.Contains("Pad edge [0,0,1,-1]", reference);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(-1)]
        [InlineData(2)]
        public void Concat_of_inputs_intermediates_and_constants(long axis)
        {
            // Three per-sample parts [N, 2, 3]-like, one of them computed, along axis 1 or 2 (the batch axis 0 stays).
            int a = (int)(axis < 0 ? axis + 3 : axis);
            long?[] Shape(int size) => Enumerable.Range(0, 3).Select(d => d == 0 ? (long?)null : d == a ? size : d == 1 ? 2 : 3).ToArray();
            var outShape = Shape(2 + 1 + 3);
            var b = new ModelBuilder().Input("p", Shape(2)).Input("q", Shape(1)).Input("r", Shape(3)).Output("y", outShape).Output("y2", outShape)
                .Node("Relu", new[] { "q" }, new[] { "rq" })
                .Node("Concat", new[] { "p", "rq", "r" }, new[] { "y" }, "", Int("axis", axis))
                .Node("Concat", new[] { "r", "p", "q" }, new[] { "cat2" }, "", Int("axis", axis))
                .Node("Sqrt", new[] { "cat2" }, new[] { "y2" });
            AssertMatchesOrt(b, batch: 3);
        }

        [Fact]
        public void Concat_along_the_leading_axis_of_fixed_shapes_with_a_constant()
        {
            var b = new ModelBuilder().Input("x", 2, 3).Output("y", 5, 3)
                .Initializer("k", new long[] { 3, 3 }, RandomWeights(9, 91))
                .Node("Concat", new[] { "k", "x" }, new[] { "y" }, "", Int("axis", 0));
            AssertMatchesOrt(b);
        }

        // ---- reductions ----

        [Theory]
        [InlineData("ReduceSum", 11)]
        [InlineData("ReduceSum", 13)]
        [InlineData("ReduceMean", 13)]
        [InlineData("ReduceMean", 18)]
        [InlineData("ReduceMax", 13)]
        [InlineData("ReduceMax", 18)]
        [InlineData("ReduceMin", 13)]
        [InlineData("ReduceMin", 18)]
        public void Reductions_over_axes_with_and_without_keepdims(string op, long opset)
        {
            // x [N, 3, 4, 5]: one axis, two axes (one negative), all non-batch axes; keepdims 1 and 0. Then Log of the
            // (shifted) result, as the expanded softmax does.
            bool axesAsInput = opset >= (op == "ReduceSum" ? 13 : 18);
            var b = new ModelBuilder(opset).Input("x", null, 3, 4, 5);
            if (opset >= 18) b.Model.IrVersion = 9;
            var cases = new (long[] Axes, bool Keep, long?[] Shape)[]
            {
                (new long[] { 2 }, true, new long?[] { null, 3, 1, 5 }),
                (new long[] { 1, -1 }, false, new long?[] { null, 4 }),
                (new long[] { 3, 1, 2 }, true, new long?[] { null, 1, 1, 1 }),
                (new long[] { 3 }, false, new long?[] { null, 3, 4 }),
            };
            for (int c = 0; c < cases.Length; c++)
            {
                var (axes, keep, shape) = cases[c];
                string name = "y" + c;
                b.Output(name, shape);
                if (axesAsInput)
                    b.Int64Initializer("axes" + c, axes).Node(op, new[] { "x", "axes" + c }, new[] { name }, "", Int("keepdims", keep ? 1 : 0));
                else
                    b.Node(op, new[] { "x" }, new[] { name }, "", Ints("axes", axes), Int("keepdims", keep ? 1 : 0));
            }
            b.Output("logged", null, 3, 1, 5).Node("Exp", new[] { "y0" }, new[] { "e" }).Node("Log", new[] { "e" }, new[] { "logged" });
            // No NaN or infinities: ONNX Runtime's ReduceMax/Min skip NaN where the ONNX reference (numpy) propagates it,
            // as the generated code does; sums of mixed infinities are NaN either way.
            AssertMatchesOrt(b, batch: 2, specials: false, atol: 2e-5f, rtol: 2e-5f);
        }

        // ---- refusals ----

        [Theory]
        [InlineData("Transpose", DiagnosticIds.UnknownShape)]        // moves the batch dim
        [InlineData("Squeeze", DiagnosticIds.InvalidNode)]           // axis of size 3
        [InlineData("Pad", DiagnosticIds.UnsupportedOp)]             // unknown mode
        [InlineData("Concat", DiagnosticIds.UnknownShape)]           // along the batch dim
        [InlineData("Gelu", DiagnosticIds.InvalidNode)]              // unknown approximation
        [InlineData("ReduceMax", DiagnosticIds.UnknownShape)]        // over the batch dim
        public void Invalid_uses_end_in_a_diagnostic(string op, string id)
        {
            var b = new ModelBuilder(opset: 20).Input("x", null, 3).Output("y", null, 3);
            b.Model.IrVersion = 9;
            switch (op)
            {
                case "Transpose": b.Node("Transpose", new[] { "x" }, new[] { "y" }, "", Ints("perm", 1, 0)); break;
                case "Squeeze": b.Int64Initializer("axes", 1).Node("Squeeze", new[] { "x", "axes" }, new[] { "y" }); break;
                case "Pad": b.Int64Initializer("pads", 0, 1, 0, 1).Node("Pad", new[] { "x", "pads" }, new[] { "y" }, "", Str("mode", "mirror")); break;
                case "Concat": b.Node("Concat", new[] { "x", "x" }, new[] { "y" }, "", Int("axis", 0)); break;
                case "ReduceMax": b.Int64Initializer("axes", 0).Node("ReduceMax", new[] { "x", "axes" }, new[] { "y" }); break;
                default: b.Node("Gelu", new[] { "x" }, new[] { "y" }, "", Str("approximate", "erf")); break;
            }
            var result = ModelCompiler.Compile(b.Build(), new CompileOptions("Model", "Tests", "model.onnx"));
            Assert.False(result.Succeeded);
            Assert.Contains(result.Diagnostics, d => d.Id == id);
        }
    }
}
