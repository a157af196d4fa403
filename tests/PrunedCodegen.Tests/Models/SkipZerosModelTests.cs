using System;
using System.Linq;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>
    /// The skip-zeros dense kernel in whole models against ONNX Runtime: forced with Kernel=skipzeros on MLPs of awkward
    /// sizes whose inputs are 0, 50, 90 or 100% exact zeros (and NaN/infinity), at batch 1 (Predict) and through the batch
    /// path; and the planner's own choice of it for a layer fed by a ReLU.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class SkipZerosModelTests
    {
        [Theory]
        [InlineData(1, 3, 1)]
        [InlineData(7, 17, 3)]
        [InlineData(17, 63, 7)]
        [InlineData(63, 100, 17)]
        [InlineData(100, 1000, 10)]
        public void Forced_skip_zeros_matches_ONNX_Runtime(int k, int hidden, int n)
        {
            var builder = Mlp(k, hidden, n, seed: k * 31 + n, zeroFraction: 0.5);
            byte[] onnx = builder.Build();
            var model = CompiledModel.Load(onnx, KernelChoice.DenseSkipZeros);
            var random = new Random(k + hidden);
            foreach (double zeros in new[] { 0.0, 0.5, 0.9, 1.0 })
            {
                foreach (int batch in new[] { 1, 2, 7 })
                {
                    var x = CompiledModel.RandomInput(batch * k, 7 + batch, 2f).Select(v => random.NextDouble() < zeros ? 0f : v).ToArray();
                    var expected = OrtOracle.Run(onnx, OracleInput.Float("x", x, batch, k))[0].Data;
                    var actual = batch == 1 ? model.Predict(x)[0] : model.PredictBatch(batch, x)[0];
                    Tolerance.AssertClose(expected, actual, 1e-4f, 1e-5f, $"{k}-{hidden}-{n}, {zeros:P0} zero inputs, batch {batch}");
                }
            }
        }

        [Theory]
        [InlineData(float.NaN)]
        [InlineData(float.PositiveInfinity)]
        [InlineData(float.NegativeInfinity)]
        public void NaN_and_infinite_inputs_are_not_skipped(float special)
        {
            var builder = Mlp(20, 24, 6, seed: 3);
            byte[] onnx = builder.Build();
            var model = CompiledModel.Load(onnx, KernelChoice.DenseSkipZeros);
            var x = CompiledModel.RandomInput(20, 5, 2f).Select((v, i) => i % 2 == 0 ? 0f : v).ToArray();
            x[3] = special;
            var expected = OrtOracle.Run(onnx, OracleInput.Float("x", x, 1, 20))[0].Data;
            Tolerance.AssertClose(expected, model.Predict(x)[0], 1e-4f, 1e-5f, $"x[3] = {special}");
        }

        [Fact]
        public void Planner_prices_skipping_zeros_and_the_kernel_is_forceable_per_layer()
        {
            var builder = Mlp(64, 128, 64, seed: 9);
            var source = ModelCompiler.Compile(builder.Build(), new CompileOptions("Model", "Tests", "model.onnx")).Source!;
            // Auto does not choose it yet (KernelPlanner.AutoSkipZeros), but every dense layer's comment shows its estimate.
            Assert.Contains("Kernels.DenseColumns(Layer0_Weights", source);
            Assert.Contains("Kernels.DenseColumns(Layer1_Weights", source);
            Assert.Contains("skipping zero inputs", source);

            source = ModelCompiler.Compile(builder.Build(), new CompileOptions("Model", "Tests", "model.onnx") { Kernel = KernelChoice.DenseSkipZeros }).Source!;
            Assert.Contains("Kernels.DenseSkipZeros(Layer1_Weights", source);
            Assert.Contains("dense, zero inputs skipped", source);
            // Layer 1 reads ReLU outputs (half zero expected); layer 0 the model input (none expected).
            Assert.Contains("priced with 50.0% zero inputs expected", source);
            Assert.Contains("priced with 0.0% zero inputs expected", source);

            // Forceable per layer: the model input's layer too.
            source = ModelCompiler.Compile(builder.Build(), new CompileOptions("Model", "Tests", "model.onnx") { LayerKernels = "0=skipzeros;1=dense" }).Source!;
            Assert.Contains("Kernels.DenseSkipZeros(Layer0_Weights", source);
            Assert.Contains("Kernels.DenseColumns(Layer1_Weights", source);
        }
    }
}
