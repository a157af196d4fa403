using System.IO;
using PrunedCodegen.Tests.Infrastructure;
using PrunedCodegen.Tests.Models;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Generator
{
    /// <summary>
    /// Approved-file snapshots of generated source (Generator/Snapshots/*.verified.cs). A change in the emitter
    /// shows up here as a diff to review; set PCG_APPROVE_SNAPSHOTS=1 to accept it.
    /// </summary>
    public class SnapshotTests
    {
        [Fact]
        public void Activations_fixture() =>
            Snapshot.Match(Compile(File.ReadAllBytes(CompiledModel.Fixture("activations", "mlp_activations.onnx")), "ActivationsModel"), "ActivationsModel");

        [Fact]
        public void MatMul_add_fixture() =>
            Snapshot.Match(Compile(File.ReadAllBytes(CompiledModel.Fixture("matmul_add", "mlp_matmul_add.onnx")), "MatMulAddModel"), "MatMulAddModel");

        [Fact]
        public void Tiny_pruned_mlp()
        {
            // 8 -> 16 -> 3 at 85% sparsity: the planner picks a kernel per layer and the comments say why.
            var onnx = Mlp(8, 16, 3, seed: 3, zeroFraction: 0.85).Build();
            Snapshot.Match(Compile(onnx, "TinyPruned"), "TinyPruned");
        }

        [Fact]
        public void Tiny_classifier_head()
        {
            // The same kind of pruned MLP ending in ArgMax: Predict and PredictBatch take a Span<long> of class indices,
            // and the batch path reads the logits' feature-major group in place (Kernels.ArgReduceBatch).
            var b = Mlp(8, 16, 3, seed: 3, zeroFraction: 0.85);
            b.Model.Graph!.Outputs.Clear();
            b.Node("ArgMax", new[] { "y" }, new[] { "label" }, "head", Int("axis", 1), Int("keepdims", 0))
                .Output("label", PrunedCodegen.Onnx.OnnxDataType.Int64, new long?[] { null });
            Snapshot.Match(Compile(b.Build(), "TinyClassifierHead"), "TinyClassifierHead");
        }

        private static string Compile(byte[] onnx, string className)
        {
            var result = ModelCompiler.Compile(onnx, new CompileOptions(className, "Snapshots", "model.onnx"));
            Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
            return result.Source!;
        }
    }
}
