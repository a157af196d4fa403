using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Passes
{
    /// <summary>
    /// Folds what follows a dense layer into it: a constant per-output Add/Sub becomes the bias (the
    /// `MatMul + Add` form PyTorch exports for 1-D/3-D inputs) and an elementwise activation is applied in
    /// the layer's own loop instead of a second pass over memory.
    /// </summary>
    internal static class FuseDenseEpilogue
    {
        public static void Run(IrGraph graph)
        {
            bool changed = true;
            while (changed)
            {
                changed = false;
                var uses = graph.CountUses();
                for (int i = 0; i < graph.Ops.Count && !changed; i++)
                {
                    if (graph.Ops[i] is not DenseOp dense) continue;
                    var output = dense.Output;
                    if (graph.Outputs.Any(o => o.Root == output) || uses.TryGetValue(output, out int n) && n != 1) continue;
                    int j = graph.Ops.FindIndex(i + 1, op => op.Inputs.Contains(output));
                    if (j < 0) continue;
                    var consumer = graph.Ops[j];
                    var fused = TryFuse(dense, consumer);
                    if (fused == null) continue;
                    graph.Ops[i] = fused;
                    graph.Ops.RemoveAt(j);
                    changed = true;
                }
            }
        }

        private static DenseOp? TryFuse(DenseOp dense, IrOp consumer)
        {
            switch (consumer)
            {
                case BinaryOp add when dense.Activation.Kind == ActivationKind.None && (add.Kind == BinaryKind.Add || add.Kind == BinaryKind.Sub):
                {
                    var other = add.A == dense.Output ? add.B : add.A;
                    if (other == dense.Output || other.Kind != ValueKind.Constant || other.Data == null) return null;
                    if (add.Kind == BinaryKind.Sub && add.A != dense.Output) return null;   // c - x is not a bias
                    if (!add.Output.Shape.SequenceEqual(dense.Output.Shape)) return null;
                    var row = PerColumn(other, dense.N);
                    if (row == null) return null;
                    var bias = dense.Bias?.ToArray() ?? new float[dense.N];
                    for (int c = 0; c < bias.Length; c++)
                        bias[c] = add.Kind == BinaryKind.Add ? bias[c] + row[c] : bias[c] - row[c];
                    return Copy(dense, add.Output, bias, dense.Activation, add.SourceNodes);
                }
                case UnaryOp act when dense.Activation.Kind == ActivationKind.None && act.Activation.Kind != ActivationKind.None:
                    return Copy(dense, act.Output, dense.Bias, act.Activation, act.SourceNodes);
                default:
                    return null;
            }
        }

        /// <summary>A constant whose broadcast against [.., N] is the same vector for every row, as that vector.</summary>
        private static float[]? PerColumn(IrValue constant, int n)
        {
            if (constant.Shape.Take(System.Math.Max(0, constant.Shape.Length - 1)).Any(d => d != 1)) return null;
            if (constant.Data!.Length == n) return constant.Data;
            if (constant.Data.Length == 1) return Enumerable.Repeat(constant.Data[0], n).ToArray();
            return null;
        }

        private static DenseOp Copy(DenseOp dense, IrValue output, float[]? bias, Activation activation, string addedSource) =>
            new DenseOp(dense.Input, output, dense.Rows, dense.K, dense.N, dense.Weights, dense.SourceNodes + " + " + addedSource)
            {
                Bias = bias,
                Activation = activation,
            };
    }
}
