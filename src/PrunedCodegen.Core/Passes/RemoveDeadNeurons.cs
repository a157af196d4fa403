using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Passes
{
    /// <summary>
    /// Static structural pruning across two dense layers. A neuron whose weight row is all zero outputs the
    /// constant act(bias) for every input; it is removed from its layer, and its contribution
    /// (constant x the next layer's column) is folded into the next layer's bias, whose column for it
    /// disappears. A pruned neuron with zero bias behind Relu thus costs nothing in either layer.
    /// </summary>
    internal static class RemoveDeadNeurons
    {
        public static void Run(IrGraph graph)
        {
            var uses = graph.CountUses();
            for (int i = 0; i < graph.Ops.Count; i++)
            {
                if (graph.Ops[i] is not DenseOp first) continue;
                var hidden = first.Output;
                if (graph.Outputs.Any(o => o.Root == hidden) || !uses.TryGetValue(hidden, out int n) || n != 1) continue;
                int j = graph.Ops.FindIndex(i + 1, op => op.Inputs.Any(v => v.Root == hidden));
                if (j < 0 || graph.Ops[j] is not DenseOp second || second.Input != hidden || second.K != first.N) continue;

                var dead = Enumerable.Range(0, first.N).Where(r => IsZeroRow(first, r)).ToArray();
                if (dead.Length == 0) continue;
                var keep = Enumerable.Range(0, first.N).Except(dead).ToArray();

                // The first layer without the dead rows.
                var newShape = hidden.Shape.ToArray();
                newShape[newShape.Length - 1] = keep.Length;
                var newHidden = new IrValue(hidden.Name, ValueKind.Intermediate, newShape, hidden.IsBatched);
                var w1 = new float[keep.Length * first.K];
                for (int r = 0; r < keep.Length; r++)
                    System.Array.Copy(first.Weights, keep[r] * first.K, w1, r * first.K, first.K);
                var trimmedFirst = new DenseOp(first.Input, newHidden, first.Rows, first.K, keep.Length, w1, first.SourceNodes)
                {
                    Bias = first.Bias == null ? null : keep.Select(r => first.Bias[r]).ToArray(),
                    Activation = first.Activation,
                    RemovedOutputs = first.RemovedOutputs + dead.Length,
                    RemovedInputs = first.RemovedInputs,
                };

                // The second layer: dead columns folded into the bias, then dropped.
                var bias2 = second.Bias?.ToArray() ?? new float[second.N];
                foreach (int r in dead)
                {
                    float constant = first.Activation.Apply(first.Bias?[r] ?? 0f);
                    if (constant == 0f) continue;
                    for (int o = 0; o < second.N; o++) bias2[o] += second.Weights[o * second.K + r] * constant;
                }
                var w2 = new float[second.N * keep.Length];
                for (int o = 0; o < second.N; o++)
                    for (int c = 0; c < keep.Length; c++)
                        w2[o * keep.Length + c] = second.Weights[o * second.K + keep[c]];
                var trimmedSecond = new DenseOp(newHidden, second.Output, second.Rows, keep.Length, second.N, w2, second.SourceNodes)
                {
                    Bias = second.Bias == null && bias2.All(b => b == 0f) ? null : bias2,
                    Activation = second.Activation,
                    RemovedOutputs = second.RemovedOutputs,
                    RemovedInputs = second.RemovedInputs + dead.Length,
                };
                graph.Ops[i] = trimmedFirst;
                graph.Ops[j] = trimmedSecond;
            }
        }

        private static bool IsZeroRow(DenseOp op, int row)
        {
            for (int c = 0; c < op.K; c++)
                if (op.Weights[row * op.K + c] != 0f) return false;
            return true;
        }
    }
}
