using System;
using System.Linq;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using PrunedCodegen.Tests.Models;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Hardening
{
    /// <summary>
    /// Every limit in <see cref="ModelLimits"/> ends in its diagnostic, and a model that only declares something huge
    /// costs (almost) nothing: each case measures the bytes the compile allocated on this thread.
    /// </summary>
    public class LimitsTests
    {
        /// <summary>
        /// What refusing a model may allocate: 2 MB plus 32 bytes per byte of the file (the reader's objects for what
        /// the file really holds), far below any size the file only declares.
        /// </summary>
        private static long AllocationBound(byte[] onnx) => 2 * 1024 * 1024 + 32L * onnx.Length;

        private const long TwoGiB = 2L * 1024 * 1024 * 1024;

        private static (PcgDiagnostic Error, long Allocated) Compile(byte[] onnx)
        {
            ModelCompiler.Compile(onnx, new CompileOptions("Warm", "Tests", "warm.onnx")); // JIT and static data, not measured
            long before = GC.GetAllocatedBytesForCurrentThread();
            var result = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx"));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.False(result.Succeeded);
            return (Assert.Single(result.Diagnostics, d => d.Severity == PcgSeverity.Error), allocated);
        }

        private static void AssertRefused(byte[] onnx, string id, string messagePart)
        {
            var (error, allocated) = Compile(onnx);
            Assert.Equal(id, error.Id);
            Assert.Contains(messagePart, error.Message);
            Assert.True(allocated < AllocationBound(onnx), $"allocated {allocated} bytes to refuse a {onnx.Length}-byte model: {error}");
        }

        private static OnnxTensor DeclaredOnly(string name, params long[] dims)
        {
            var t = new OnnxTensor { Name = name, DataType = OnnxDataType.Float, RawData = new byte[16] };
            t.Dims.AddRange(dims);
            return t;
        }

        [Fact]
        public void A_2GB_input_dim_is_PCG0008_and_is_never_allocated()
        {
            var onnx = new ModelBuilder().Input("x", 1, TwoGiB).Output("y", 1, TwoGiB).Node("Relu", new[] { "x" }, new[] { "y" }).Build();
            AssertRefused(onnx, DiagnosticIds.TensorTooLarge, ModelLimits.MaxTensorElements.ToString());
        }

        [Fact]
        public void Dims_each_small_whose_product_is_2GB_are_PCG0008()
        {
            var onnx = new ModelBuilder().Input("x", 1, 65536, 32768).Output("y", 1, 65536, 32768).Node("Relu", new[] { "x" }, new[] { "y" }).Build();
            AssertRefused(onnx, DiagnosticIds.TensorTooLarge, "elements");
        }

        [Fact]
        public void A_2GB_initializer_without_its_data_is_PCG0008_and_is_never_allocated()
        {
            var onnx = new ModelBuilder().Input("x", null, 4).Output("y", null, 4).Initializer(DeclaredOnly("W", TwoGiB / 4, 4))
                .Node("MatMul", new[] { "x", "W" }, new[] { "y" }).Build();
            AssertRefused(onnx, DiagnosticIds.TensorTooLarge, "elements");
        }

        [Fact]
        public void A_reshape_to_a_2GB_dim_is_PCG0008()
        {
            var onnx = new ModelBuilder().Input("x", null, 4).Output("y", null, TwoGiB).Int64Initializer("shape", 1, TwoGiB)
                .Node("Reshape", new[] { "x", "shape" }, new[] { "y" }).Build();
            AssertRefused(onnx, DiagnosticIds.TensorTooLarge, "beyond the limit");
        }

        [Fact]
        public void Rank_beyond_the_limit_is_PCG0008()
        {
            var dims = Enumerable.Repeat((long?)1, ModelLimits.MaxRank + 1).ToArray();
            var onnx = new ModelBuilder().Input("x", dims).Output("y", dims).Node("Relu", new[] { "x" }, new[] { "y" }).Build();
            AssertRefused(onnx, DiagnosticIds.TensorTooLarge, "rank");
        }

        [Fact]
        public void Declared_weights_beyond_the_total_are_PCG0020_before_any_is_read()
        {
            // Three tensors of 24 MB each: every one within the per-tensor limit, 72 MB together.
            long perTensor = 24L * 1024 * 1024 / 4;
            var builder = new ModelBuilder().Input("x", null, 4).Output("y", null, 4);
            for (int i = 0; i < 3; i++) builder.Initializer(DeclaredOnly("W" + i, perTensor));
            var onnx = builder.Node("Relu", new[] { "x" }, new[] { "y" }).Build();
            AssertRefused(onnx, DiagnosticIds.WeightsTooLarge, ModelLimits.MaxWeightBytes.ToString());
        }

        [Fact]
        public void A_Constant_node_counts_towards_the_weights()
        {
            var t = DeclaredOnly("c", ModelLimits.MaxWeightBytes / 4 + 1);
            var onnx = new ModelBuilder().Input("x", null, 4).Output("y", null, 4)
                .Node("Constant", Array.Empty<string>(), new[] { "c" }, "big", new OnnxAttribute { Name = "value", Type = OnnxAttributeType.Tensor, T = t })
                .Node("Relu", new[] { "x" }, new[] { "y" }).Build();
            AssertRefused(onnx, DiagnosticIds.WeightsTooLarge, "weights");
        }

        [Fact]
        public void Folding_two_small_constants_into_a_huge_one_is_PCG0020_and_is_not_allocated()
        {
            // [8192,1] + [1,8192] broadcasts to 64 Mi elements (256 MB) from 64 KB of weights in the file.
            var onnx = new ModelBuilder().Input("x", null, 4).Output("y", null, 4)
                .Initializer("a", new long[] { 8192, 1 }, new float[8192])
                .Initializer("b", new long[] { 1, 8192 }, new float[8192])
                .Node("Add", new[] { "a", "b" }, new[] { "ab" })
                .Node("Relu", new[] { "x" }, new[] { "y" }).Build();
            AssertRefused(onnx, DiagnosticIds.WeightsTooLarge, "folded");
        }

        private static byte[] ReluChain(int length, bool wide = false)
        {
            var builder = new ModelBuilder().Input("x", null, 4).Output("y", null, 4);
            for (int i = 0; i < length; i++)
                builder.Node("Relu", new[] { wide || i == 0 ? "x" : "v" + (i - 1) }, new[] { i == length - 1 ? "y" : "v" + i });
            return builder.Build();
        }

        [Fact]
        public void More_nodes_than_the_limit_is_PCG0021()
        {
            AssertRefused(ReluChain(ModelLimits.MaxNodes + 1, wide: true), DiagnosticIds.GraphTooLarge, "nodes; the limit is " + ModelLimits.MaxNodes);
        }

        [Fact]
        public void A_graph_deeper_than_the_limit_is_PCG0021_and_one_at_the_limit_compiles()
        {
            AssertRefused(ReluChain(ModelLimits.MaxGraphDepth + 1), DiagnosticIds.GraphTooLarge, "deeper than " + ModelLimits.MaxGraphDepth);
            var atLimit = ModelCompiler.Compile(ReluChain(ModelLimits.MaxGraphDepth), new CompileOptions("Model", "Tests", "model.onnx"));
            Assert.True(atLimit.Succeeded, string.Join("; ", atLimit.Diagnostics));
        }

        private static byte[] ManyOutputs(int outputs, bool initializerAsInput = false)
        {
            var builder = new ModelBuilder().Input("x", null, 4);
            if (initializerAsInput)
            {
                // Older exporters list every weight as a graph input too: not a Predict parameter, so not counted.
                builder.Input("w", 4).Initializer("w", new long[] { 4 }, new float[] { 1, -2, 3, -4 });
            }
            for (int i = 0; i < outputs; i++)
            {
                string name = "o" + i;
                builder.Output(name, null, 4).Node(i % 2 == 0 ? "Relu" : "Neg", new[] { "x" }, new[] { name });
            }
            return builder.Build();
        }

        [Fact]
        public void More_inputs_and_outputs_than_Predict_can_take_is_PCG0021_before_anything_is_lowered()
        {
            // Was: 20,000 outputs compiled for 100+ s into a Predict the runtime refused (InvalidProgramException).
            AssertRefused(ManyOutputs(20_000), DiagnosticIds.GraphTooLarge, "20001 inputs and outputs (20000 outputs); the limit is " + ModelLimits.MaxInputsAndOutputs);
            AssertRefused(ManyOutputs(ModelLimits.MaxInputsAndOutputs), DiagnosticIds.GraphTooLarge, "Concat");
            AssertRefused(ManyOutputs(9_000), DiagnosticIds.GraphTooLarge, "9001 inputs and outputs");
        }

        [Fact]
        public void A_model_at_the_inputs_and_outputs_limit_compiles_and_runs()
        {
            byte[] onnx = ManyOutputs(ModelLimits.MaxInputsAndOutputs - 1, initializerAsInput: true);
            var x = new float[] { 0.5f, -1.5f, 2f, -0f };
            var expected = OrtOracle.Run(onnx, OracleInput.Float("x", x, 1, 4));
            var actual = CompiledModel.Load(onnx).Predict(x);
            Assert.Equal(ModelLimits.MaxInputsAndOutputs - 1, actual.Length);
            for (int i = 0; i < actual.Length; i++)
                Tolerance.AssertClose(expected[i].Data, actual[i], 0f, 0f, "o" + i);
        }

        [Fact]
        public void An_unnamed_node_is_named_by_its_index()
        {
            // The chain's nodes have no names; the diagnostic says which one it is instead of ''.
            AssertRefused(ReluChain(ModelLimits.MaxGraphDepth + 1), DiagnosticIds.GraphTooLarge, $"(node #{ModelLimits.MaxGraphDepth} (Relu) is at depth {ModelLimits.MaxGraphDepth + 1})");
        }

        [Theory]
        [InlineData(99)]
        [InlineData(ModelLimits.NewestKnownOpset + 1)]
        public void An_opset_newer_than_known_compiles_with_warning_PCG0023(long opset)
        {
            var onnx = new ModelBuilder(opset).Input("x", null, 4).Output("y", null, 4).Node("Relu", new[] { "x" }, new[] { "y" }).Build();
            var result = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "new.onnx"));
            Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
            var warning = Assert.Single(result.Diagnostics, d => d.Id == DiagnosticIds.NewerOpset);
            Assert.Equal(PcgSeverity.Warning, warning.Severity);
            Assert.StartsWith("new.onnx: the model imports ONNX opset " + opset + ", newer than the newest", warning.Message);
            Assert.Contains("opsets 6 to " + ModelLimits.NewestKnownOpset + " are supported", warning.Message);
        }

        [Theory]
        [InlineData(13)]
        [InlineData(ModelLimits.NewestKnownOpset)]
        public void A_known_opset_gets_no_PCG0023(long opset)
        {
            var onnx = new ModelBuilder(opset).Input("x", null, 4).Output("y", null, 4).Node("Relu", new[] { "x" }, new[] { "y" }).Build();
            var result = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx"));
            Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
            Assert.DoesNotContain(result.Diagnostics, d => d.Id == DiagnosticIds.NewerOpset);
        }

        [Theory]
        [InlineData(new long[] { 3, 3 }, new long[] { 1 }, null, null, "strides has 1 values, expected 2 (one per spatial dim of the 2-D input)")]
        [InlineData(new long[] { 3, 3 }, null, new long[] { 1, 1, 1 }, null, "dilations has 3 values, expected 2")]
        [InlineData(new long[] { 3, 3 }, null, null, new long[] { 0, 0 }, "pads has 2 values, expected 4 (a begin and an end per spatial dim of the 2-D input)")]
        [InlineData(new long[] { 3, 3 }, new long[] { 1, 0 }, null, null, "strides[1] is 0; it must be at least 1")]
        [InlineData(new long[] { 3, 3 }, null, new long[] { 1, 100000 }, null, "dilations[1] is 100000; it must be 1 to 65536")]
        [InlineData(new long[] { 3, 3 }, null, null, new long[] { 0, 0, 0, -1 }, "pads[3] is -1; it must be 0 to 65536")]
        [InlineData(new long[] { 3, 3 }, null, null, new long[] { -2, 0, 0, 0 }, "pads[0] is -2; it must be 0 to 65536")]
        public void Invalid_window_attributes_name_the_attribute_and_index(long[] kernel, long[]? strides, long[]? dilations, long[]? pads, string message)
        {
            var attributes = new System.Collections.Generic.List<OnnxAttribute> { Ints("kernel_shape", kernel) };
            if (strides != null) attributes.Add(Ints("strides", strides));
            if (dilations != null) attributes.Add(Ints("dilations", dilations));
            if (pads != null) attributes.Add(Ints("pads", pads));
            var onnx = new ModelBuilder().Input("x", null, 1, 8, 8).Output("y", null, 1, 6, 6)
                .Node("MaxPool", new[] { "x" }, new[] { "y" }, "", attributes.ToArray()).Build();
            var result = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx"));
            var error = Assert.Single(result.Diagnostics, d => d.Severity == PcgSeverity.Error);
            Assert.Equal(DiagnosticIds.InvalidNode, error.Id);
            Assert.StartsWith("model.onnx: node #0 (MaxPool): " + message, error.Message);
        }

        [Theory]
        [InlineData(new long[] { 3 }, "kernel_shape has 1 values, expected 2 (one per spatial dim of the 2-D input)")]
        [InlineData(new long[] { 3, 0 }, "kernel_shape[1] is 0; it must be 1 to ")]
        [InlineData(new long[] { -1, 3 }, "kernel_shape[0] is -1; it must be 1 to ")]
        [InlineData(new long[] { 3, 100000 }, "kernel_shape[1] is 100000; it must be 1 to ")]
        public void An_invalid_pool_kernel_shape_names_the_value(long[] kernel, string message)
        {
            // Was: "kernel_shape [3,0] does not fit input [N,1,8,8]", whether a count or which value was wrong.
            var onnx = new ModelBuilder().Input("x", null, 1, 8, 8).Output("y", null, 1, 6, 6)
                .Node("AveragePool", new[] { "x" }, new[] { "y" }, "", Ints("kernel_shape", kernel)).Build();
            var result = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx"));
            var error = Assert.Single(result.Diagnostics, d => d.Severity == PcgSeverity.Error);
            Assert.Equal(DiagnosticIds.InvalidNode, error.Id);
            Assert.StartsWith("model.onnx: node #0 (AveragePool): " + message, error.Message);
        }

        [Theory]
        [InlineData("strides", new long[] { 1 }, "strides has 1 values, expected 2 (one per spatial dim of the 2-D input)")]
        [InlineData("pads", new long[] { 0, 0 }, "pads has 2 values, expected 4 (a begin and an end per spatial dim of the 2-D input)")]
        [InlineData("strides", new long[] { 2, 0 }, "strides[1] is 0; it must be 1 to 65536")]
        [InlineData("dilations", new long[] { 1, 70000 }, "dilations[1] is 70000; it must be 1 to 65536")]
        [InlineData("output_padding", new long[] { -1, 0 }, "output_padding[0] is -1; it must be 0 to 65536")]
        [InlineData("pads", new long[] { 0, 1, 0, -3 }, "pads[3] is -3; it must be 0 to 65536")]
        public void Invalid_ConvTranspose_attributes_name_the_attribute_and_index(string name, long[] values, string message)
        {
            // Was: "pads 1,-3 at spatial dim 1 are not in 0..65536" (which of the two?), "stride 0 at spatial dim 1".
            var onnx = new ModelBuilder().Input("x", null, 1, 4, 4).Output("y", null, 1, 6, 6)
                .Initializer("w", new long[] { 1, 1, 3, 3 }, new float[9])
                .Node("ConvTranspose", new[] { "x", "w" }, new[] { "y" }, "", Ints(name, values)).Build();
            var result = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx"));
            var error = Assert.Single(result.Diagnostics, d => d.Severity == PcgSeverity.Error);
            Assert.Equal(DiagnosticIds.InvalidNode, error.Id);
            Assert.StartsWith("model.onnx: node #0 (ConvTranspose): " + message, error.Message);
        }

        [Fact]
        public void An_unnamed_composite_node_is_named_by_its_index_in_its_parts_diagnostics()
        {
            // Mean is lowered as a Sum and a Div; a part's error said "node 'Mean/sum' (Sum)" without saying which Mean.
            var onnx = new ModelBuilder().Input("x", null, 4).Input("z", null, 3).Output("y", null, 4)
                .Node("Relu", new[] { "x" }, new[] { "r" })
                .Node("Mean", new[] { "r", "z" }, new[] { "y" }).Build();
            var result = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx"));
            var error = Assert.Single(result.Diagnostics, d => d.Severity == PcgSeverity.Error);
            Assert.StartsWith("model.onnx: node #1 (Mean), part 'sum' (Sum): ", error.Message);

            var named = new ModelBuilder().Input("x", null, 4).Input("z", null, 3).Output("y", null, 4)
                .Node("Mean", new[] { "x", "z" }, new[] { "y" }, "avg").Build();
            var namedError = Assert.Single(ModelCompiler.Compile(named, new CompileOptions("Model", "Tests", "model.onnx")).Diagnostics, d => d.Severity == PcgSeverity.Error);
            Assert.StartsWith("model.onnx: node 'avg/sum' (Sum): ", namedError.Message);
        }

        [Fact]
        public void The_generator_reports_the_new_limits_with_their_ids()
        {
            var path = GeneratorHarness.WriteTemp(ReluChain(ModelLimits.MaxGraphDepth + 1), "deep.onnx");
            var result = GeneratorHarness.Run(new GeneratorHarness.ModelItem(path));
            var error = Assert.Single(result.Diagnostics, d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
            Assert.Equal(DiagnosticIds.GraphTooLarge, error.Id);
            Assert.Contains("deep.onnx", error.GetMessage());
            Assert.Empty(result.Sources);
        }
    }
}
