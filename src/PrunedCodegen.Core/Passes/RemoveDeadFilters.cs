using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Passes
{
    /// <summary>
    /// Static structural pruning for convolutions. A filter whose weights and bias are all zero, behind an
    /// activation that keeps 0, outputs an all-zero channel: the filter is removed, the channel disappears from
    /// every tensor up to the next layer with weights (through pools, which keep a zero channel zero, and a
    /// Flatten), and that layer drops the matching inputs: the next Conv its input channels, a dense layer after
    /// Flatten the channel's columns. Only plain chains are rewritten (each value used once, not a graph output).
    /// </summary>
    internal static class RemoveDeadFilters
    {
        public static void Run(IrGraph graph)
        {
            for (int i = 0; i < graph.Ops.Count; i++)
            {
                if (graph.Ops[i] is not ConvOp conv || !conv.HasConstantWeights || conv.Geometry.Images != 1 || conv.Group != 1 || !conv.Activation.KeepsZero) continue;
                int filters = conv.Geometry.OutChannels;
                var dead = Enumerable.Range(0, filters).Where(m => IsDeadFilter(conv, m)).ToArray();
                if (dead.Length == 0 || dead.Length == filters) continue;
                TryRemove(graph, i, conv, dead);
            }
        }

        private static bool IsDeadFilter(ConvOp conv, int m)
        {
            if (conv.Bias != null && conv.Bias[m] != 0f) return false;
            for (int t = 0; t < conv.FilterLength; t++)
                if (conv.Weights![m * conv.FilterLength + t] != 0f) return false;
            return true;
        }

        private static void TryRemove(IrGraph graph, int convIndex, ConvOp conv, int[] dead)
        {
            var keep = Enumerable.Range(0, conv.Geometry.OutChannels).Except(dead).ToArray();
            var uses = graph.CountUses();

            // Walk the chain: conv -> pools* -> (Conv | alias(Flatten) -> Dense).
            var chain = new List<int>();
            var current = conv.Output;
            int consumerIndex;
            while (true)
            {
                if (graph.Outputs.Any(o => o.Root == current.Root) || !uses.TryGetValue(current.Root, out int n) || n != 1) return;
                var root = current.Root;
                consumerIndex = graph.Ops.FindIndex(convIndex + 1, op => op.Inputs.Any(v => v.Root == root));
                if (consumerIndex < 0) return;
                var consumer = graph.Ops[consumerIndex];
                if (consumer is PoolOp pool && pool.Input == current && pool.Geometry.Images == 1)
                {
                    chain.Add(consumerIndex);
                    current = pool.Output;
                    continue;
                }
                break;
            }

            var next = graph.Ops[consumerIndex];
            var last = current;
            if (next is ConvOp nextConv)
            {
                if (nextConv.Input != last || !nextConv.HasConstantWeights || nextConv.Group != 1) return;
            }
            else if (next is DenseOp dense)
            {
                // A Flatten of [1, C, spatial...] to [1, C * plane]: channel c owns columns c*plane .. (c+1)*plane-1.
                if (dense.Input.AliasOf != last || dense.Rows != 1 || dense.K != last.Count || last.Shape[0] != 1) return;
            }
            else
            {
                return;
            }

            // Rebuild the chain with fewer channels.
            var newOutput = Shrink(conv.Output, keep.Length);
            graph.Ops[convIndex] = Trimmed(conv, newOutput, keep);
            var previous = newOutput;
            foreach (int p in chain)
            {
                var pool = (PoolOp)graph.Ops[p];
                var output = Shrink(pool.Output, keep.Length);
                graph.Ops[p] = pool.Copy(previous, output, pool.Geometry.WithChannels(keep.Length, keep.Length));
                previous = output;
            }

            if (next is ConvOp c2)
            {
                int volume = c2.Geometry.KernelVolume, oldIn = c2.Geometry.InChannels;
                var weights = new float[c2.Geometry.OutChannels * keep.Length * volume];
                for (int m = 0; m < c2.Geometry.OutChannels; m++)
                    for (int k = 0; k < keep.Length; k++)
                        System.Array.Copy(c2.Weights!, (m * oldIn + keep[k]) * volume, weights, (m * keep.Length + k) * volume, volume);
                var trimmed = c2.Copy(previous, c2.Output, c2.Geometry.WithChannels(keep.Length, c2.Geometry.OutChannels), 1, weights, c2.Bias);
                trimmed.RemovedInputs += dead.Length;
                graph.Ops[consumerIndex] = trimmed;
            }
            else
            {
                var d = (DenseOp)next;
                int plane = last.Count / last.Shape[1];
                var flat = new IrValue(d.Input.Name, ValueKind.Intermediate, new[] { 1, keep.Length * plane }, d.Input.IsBatched) { AliasOf = previous };
                int k2 = keep.Length * plane;
                var weights = new float[d.N * k2];
                for (int r = 0; r < d.N; r++)
                    for (int k = 0; k < keep.Length; k++)
                        System.Array.Copy(d.Weights, r * d.K + keep[k] * plane, weights, r * k2 + k * plane, plane);
                graph.Ops[consumerIndex] = new DenseOp(flat, d.Output, d.Rows, k2, d.N, weights, d.SourceNodes)
                {
                    Bias = d.Bias,
                    Activation = d.Activation,
                    RemovedOutputs = d.RemovedOutputs,
                    RemovedInputs = d.RemovedInputs + dead.Length * plane,
                };
            }
        }

        private static IrValue Shrink(IrValue value, int channels)
        {
            var shape = value.Shape.ToArray();
            shape[1] = channels;
            return new IrValue(value.Name, ValueKind.Intermediate, shape, value.IsBatched);
        }

        private static ConvOp Trimmed(ConvOp conv, IrValue output, int[] keep)
        {
            int length = conv.FilterLength;
            var weights = new float[keep.Length * length];
            for (int k = 0; k < keep.Length; k++)
                System.Array.Copy(conv.Weights!, keep[k] * length, weights, k * length, length);
            var trimmed = conv.Copy(conv.Input, output, conv.Geometry.WithChannels(conv.Geometry.InChannels, keep.Length), conv.Group,
                weights, conv.Bias == null ? null : keep.Select(m => conv.Bias[m]).ToArray());
            trimmed.RemovedOutputs += conv.Geometry.OutChannels - keep.Length;
            return trimmed;
        }
    }
}
