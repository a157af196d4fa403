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
            Assert.Contains("Kernels.DenseColumns(Layer0_Weights", source);
            Assert.Contains("Kernels.BlockColumns(", source);

            options = options with { LayerKernels = "0=sparse; 1=dense" };
            source = ModelCompiler.Compile(onnx, options).Source!;
            Assert.Contains("Kernels.SparseRows(Layer0_Values", source);
            Assert.Contains("Kernels.DenseColumns(Layer1_Weights", source);

            var x = CompiledModel.RandomInput(12 * 5, 62);
            var expected = CompiledModel.Load(onnx, KernelChoice.Auto).PredictBatch(5, x)[0];
            foreach (var kernel in new[] { KernelChoice.DenseSimd, KernelChoice.SparseRows, KernelChoice.BlockSparse })
                Tolerance.AssertClose(expected, CompiledModel.Load(onnx, kernel).PredictBatch(5, x)[0], 1e-5f, 1e-5f, kernel.ToString());
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
            Assert.Contains("Kernels.DenseColumns(Layer1_Weights", source);

            var bad = GeneratorHarness.Run(new GeneratorHarness.ModelItem(path, Kernel: "fastest"));
            var error = Assert.Single(bad.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
            Assert.Equal(DiagnosticIds.InvalidOptions, error.Id);
            Assert.Contains("fastest", error.GetMessage());
        }
    }
}
