using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Tests.Infrastructure;
using PrunedCodegen.Tests.Models;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Generator
{
    /// <summary>Kernel and LayerKernels metadata force kernels per model and per layer; bad values are diagnostics.</summary>
    public class KernelOptionsTests
    {
        [Fact]
        public void LayerKernels_force_each_layer_and_the_result_is_unchanged()
        {
            byte[] onnx = Mlp(12, 10, 4, seed: 61, zeroFraction: 0.7).Build();
            var options = new CompileOptions("Model", "Tests", "model.onnx") { Kernel = KernelChoice.DenseSimd, LayerKernels = "1=block" };
            var source = ModelCompiler.Compile(onnx, options).Source!;
            Assert.Contains("Kernels.DenseColumnsPadded(Layer0_Weights", source);   // 10 outputs: rows padded to 16
            Assert.Contains("Kernels.BlockColumns(", source);

            options = options with { LayerKernels = "0=sparse; 1=dense" };
            source = ModelCompiler.Compile(onnx, options).Source!;
            Assert.Contains("Kernels.SparseRows(Layer0_Values", source);
            Assert.Contains("Kernels.DenseColumns(Layer1_Weights", source);

            var x = CompiledModel.RandomInput(12 * 5, 62);
            var expected = CompiledModel.Load(onnx, KernelChoice.Auto).PredictBatch(5, x)[0];
            foreach (var kernel in new[] { KernelChoice.DenseSimd, KernelChoice.SparseRows, KernelChoice.BlockSparse, KernelChoice.Unrolled })
                Tolerance.AssertClose(expected, CompiledModel.Load(onnx, kernel).PredictBatch(5, x)[0], 1e-5f, 1e-5f, kernel.ToString());
        }

        [Fact]
        public void LayerKernels_reach_convolutions_and_the_summary_shows_each_conv_choice()
        {
            // x[1,3,8,8] -> Conv 3x3 (4 filters, pad 1) -> Relu -> Conv 3x3 (5 filters) -> y: layers 0 and 2 have weights.
            var builder = new ModelBuilder().Input("x", new long?[] { null, 3, 8, 8 }).Output("y", new long?[] { null, 5, 6, 6 })
                .Initializer("W0", new long[] { 4, 3, 3, 3 }, RandomWeights(4 * 27, 71, 0.3))
                .Initializer("W1", new long[] { 5, 4, 3, 3 }, RandomWeights(5 * 36, 72, 0.3))
                .Node("Conv", new[] { "x", "W0" }, new[] { "c0" }, "conv0", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1))
                .Node("Relu", new[] { "c0" }, new[] { "r0" })
                .Node("Conv", new[] { "r0", "W1" }, new[] { "y" }, "conv1", Ints("kernel_shape", 3, 3));
            byte[] onnx = builder.Build();
            var result = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { LayerKernels = "0=sparse;1=block" });
            Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
            Assert.Contains("Kernels.ConvTaps(x, y, Layer0_Geometry", result.Source);
            Assert.Contains("Kernels.ConvChannels(x, y, Layer1_Geometry", result.Source);
            // The Relu was fused into conv 0: layer 1 is the second conv. The info diagnostic names both conv choices.
            string summary = result.Diagnostics.Single(d => d.Id == DiagnosticIds.ModelSummary).Message;
            Assert.Contains("0: conv 3->4 [3x3], ", summary);
            Assert.Contains("conv taps SIMD rows ~", summary);
            Assert.Contains("1: conv 4->5 [3x3], ", summary);
            Assert.Contains("conv channels SIMD ~", summary);
            // "direct" forces the direct conv kernel on one layer; the other keeps its forced kernel.
            var direct = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { LayerKernels = "0=sparse;1=direct" });
            Assert.True(direct.Succeeded, string.Join("; ", direct.Diagnostics));
            Assert.Contains("Kernels.ConvTaps(x, y, Layer0_Geometry", direct.Source);
            Assert.Contains("Kernels.ConvDirect(x, y, Layer1_Geometry", direct.Source);
            Assert.Contains("conv direct SIMD ~", direct.Diagnostics.Single(d => d.Id == DiagnosticIds.ModelSummary).Message);
            // A layer without weights cannot be forced.
            var bad = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { LayerKernels = "5=dense" });
            Assert.Contains(bad.Diagnostics, d => d.Id == DiagnosticIds.InvalidOptions && d.Message.Contains("not a layer with weights"));
        }

        [Fact]
        public void Unrolled_layers_are_split_into_methods_under_the_statement_budget_and_match_onnx_runtime()
        {
            // 300 inputs x 40 outputs at half density: ~6,000 nonzeros, so several parts; one row per ~150 statements.
            byte[] onnx = Mlp(300, 40, 3, seed: 65, zeroFraction: 0.5).Build();
            var source = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { Kernel = KernelChoice.Unrolled }).Source!;
            var lines = source.Split('\n');
            var parts = Enumerable.Range(0, lines.Length).Where(i => lines[i].Contains("private static void Layer0_Part")).ToList();
            Assert.True(parts.Count >= 6, $"{parts.Count} parts");
            foreach (int start in parts)
            {
                // Statements of the part: the lines up to its closing brace (same indentation as the signature).
                string indent = lines[start].Substring(0, lines[start].Length - lines[start].TrimStart().Length);
                int end = Array.FindIndex(lines, start + 1, l => l == indent + "}");
                int statements = lines.Skip(start + 2).Take(end - start - 2).Count(l => l.TrimEnd().EndsWith(";", StringComparison.Ordinal));
                Assert.InRange(statements, 1, Emitting.ModelEmitter.UnrolledStatementsPerMethod + 4); // + the bounds checks and declarations
            }
            Assert.DoesNotContain("Layer0_Values", source);   // no index data: the weights are literals in the code

            var x = CompiledModel.RandomInput(300 * 4, 66);
            var expected = OrtOracle.Run(onnx, OracleInput.Float(x, 4, 300))[0].Data;
            Tolerance.AssertClose(expected, CompiledModel.Load(onnx, KernelChoice.Unrolled).PredictBatch(4, x)[0], 1e-5f, 1e-5f, "unrolled vs ONNX Runtime");
        }

        [Fact]
        public void Unrolled_is_refused_for_layers_over_its_limit_and_the_comment_says_so()
        {
            // 200 x 100 dense = 20,000 nonzeros, over the 16,384 that unrolled code may hold: sparse rows instead.
            byte[] onnx = Mlp(200, 100, 3, seed: 67).Build();
            var source = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { Kernel = KernelChoice.Unrolled }).Source!;
            Assert.Contains("Kernels.SparseRows(Layer0_Values", source);
            Assert.Contains("unrolled was asked for, but 20000 nonzeros exceed its limit of 16384", source);
            Assert.Contains("private static void Layer1_Part0(", source);   // the small second layer is unrolled
        }

        [Theory]
        [InlineData("9=dense")]      // no such layer
        [InlineData("0=fast")]       // no such kernel
        [InlineData("zero=dense")]
        [InlineData("0=dense;0=sparse")]
        public void Bad_LayerKernels_are_PCG0010(string value)
        {
            var result = ModelCompiler.Compile(Mlp(6, 5, 3, seed: 63).Build(), new CompileOptions("Model", "Tests", "model.onnx") { LayerKernels = value });
            Assert.False(result.Succeeded);
            Assert.Equal(DiagnosticIds.InvalidOptions, Assert.Single(result.Diagnostics).Id);
        }

        [Fact]
        public void Generator_reads_Kernel_and_LayerKernels_metadata()
        {
            var path = GeneratorHarness.WriteTemp(Mlp(6, 5, 3, seed: 64, zeroFraction: 0.5).Build(), "m.onnx");
            var ok = GeneratorHarness.Run(new GeneratorHarness.ModelItem(path, Kernel: "sparse", LayerKernels: "1=dense"));
            var source = ok.Source("TestApp.M.g.cs");
            Assert.Contains("Kernels.SparseRows(Layer0_Values", source);
            Assert.Contains("Kernels.DenseColumnsPadded(Layer1_Weights", source);   // 3 outputs: rows padded to 16

            var bad = GeneratorHarness.Run(new GeneratorHarness.ModelItem(path, Kernel: "fastest"));
            var error = Assert.Single(bad.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
            Assert.Equal(DiagnosticIds.InvalidOptions, error.Id);
            Assert.Contains("fastest", error.GetMessage());
        }
    }
}
