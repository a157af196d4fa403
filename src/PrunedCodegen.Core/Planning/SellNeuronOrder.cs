using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    /// <summary>
    /// Build-time neuron permutation for SELL-16 layers (issue 15 item 5). The SELL kernel sorts a layer's output rows by
    /// nonzero count; without help it scatters each result back to its row's original position, which costs more than the
    /// layer's arithmetic on small layers. The generator sees both sides of a hidden layer, so when a SELL layer's output
    /// feeds exactly one dense layer (and is not a graph output), the layer's neurons are reordered into SELL's row order
    /// (weight rows and bias) and the next layer's input columns are permuted to match: the model computes the same
    /// function, and the SELL layer stores its 16-row groups in place. Model inputs and outputs keep their order. The layer
    /// is re-planned after the reordering (its block counts change with the row order) and the permutation is kept only if
    /// it still chooses SELL; the next layer is re-planned with its reordered inputs (its own SELL tiles change).
    /// </summary>
    internal static class SellNeuronOrder
    {
        public static void Apply(IrGraph graph, Dictionary<DenseOp, LayerPlan> plans, Func<int, DenseOp, LayerPlan> plan)
        {
            var uses = graph.CountUses();
            for (int i = 0; i < graph.Ops.Count; i++)
            {
                if (graph.Ops[i] is not DenseOp first || plans[first].Kernel != KernelKind.Sell) continue;
                var hidden = first.Output;
                if (graph.Outputs.Any(o => o.Root == hidden) || !uses.TryGetValue(hidden, out int n) || n != 1) continue;
                int j = graph.Ops.FindIndex(i + 1, op => op.Inputs.Any(v => v.Root == hidden));
                if (j < 0 || graph.Ops[j] is not DenseOp second || second.Input != hidden || second.K != first.N || second.Rows != first.Rows) continue;

                int[] order = SellLayout.RowOrder(first);
                if (IsIdentity(order)) continue;
                var (reorderedFirst, reorderedSecond) = Reorder(first, second, order);
                var firstPlan = plan(i, reorderedFirst);
                if (firstPlan.Kernel != KernelKind.Sell) continue;
                plans.Remove(first);
                plans.Remove(second);
                graph.Ops[i] = reorderedFirst;
                graph.Ops[j] = reorderedSecond;
                plans[reorderedFirst] = firstPlan;
                plans[reorderedSecond] = plan(j, reorderedSecond);
            }
        }

        private static bool IsIdentity(int[] order)
        {
            for (int i = 0; i < order.Length; i++)
                if (order[i] != i) return false;
            return true;
        }

        /// <summary>New position p holds old neuron order[p]: rows of the first layer, columns of the second.</summary>
        internal static (DenseOp First, DenseOp Second) Reorder(DenseOp first, DenseOp second, int[] order)
        {
            int n = first.N, k = first.K;
            var w1 = new float[first.Weights.Length];
            for (int p = 0; p < n; p++)
                Array.Copy(first.Weights, order[p] * k, w1, p * k, k);
            var reorderedFirst = new DenseOp(first.Input, first.Output, first.Rows, k, n, w1, first.SourceNodes)
            {
                Bias = first.Bias == null ? null : order.Select(r => first.Bias[r]).ToArray(),
                Activation = first.Activation,
                RemovedOutputs = first.RemovedOutputs,
                RemovedInputs = first.RemovedInputs,
                NeuronsReordered = true,
                InputsReordered = first.InputsReordered,
            };
            int m = second.N;
            var w2 = new float[second.Weights.Length];
            for (int o = 0; o < m; o++)
                for (int p = 0; p < n; p++)
                    w2[o * n + p] = second.Weights[o * n + order[p]];
            var reorderedSecond = new DenseOp(second.Input, second.Output, second.Rows, n, m, w2, second.SourceNodes)
            {
                Bias = second.Bias,
                Activation = second.Activation,
                RemovedOutputs = second.RemovedOutputs,
                RemovedInputs = second.RemovedInputs,
                NeuronsReordered = second.NeuronsReordered,
                InputsReordered = true,
            };
            return (reorderedFirst, reorderedSecond);
        }
    }
}
