using System.Collections.Generic;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    /// <summary>Where each value lives at run time.</summary>
    internal enum StorageKind { InputParameter, OutputParameter, Scratch, Constant }

    internal readonly record struct Storage(StorageKind Kind, int Index, int Offset, int Length);

    /// <summary>
    /// Assigns every value a place: graph inputs and outputs use the caller's spans, intermediates share
    /// one scratch buffer (slots reused once a value is dead), constants are static data.
    /// </summary>
    internal sealed class BufferPlan
    {
        private readonly Dictionary<IrValue, Storage> _storage = new Dictionary<IrValue, Storage>();

        public int ScratchLength { get; private set; }

        /// <summary>Graph outputs whose value lives elsewhere (an input, a constant, another output): copied at the end.</summary>
        public List<(int OutputIndex, IrValue Source)> FinalCopies { get; } = new List<(int, IrValue)>();

        /// <summary>Constants in order of first use; their index names the static data.</summary>
        public List<IrValue> Constants { get; } = new List<IrValue>();

        public Storage this[IrValue value] => _storage[value.Root];

        public static BufferPlan Create(IrGraph graph)
        {
            var plan = new BufferPlan();
            foreach (var input in graph.Inputs)
                plan._storage[input] = new Storage(StorageKind.InputParameter, input.InputIndex, 0, input.Count);

            for (int i = 0; i < graph.Outputs.Count; i++)
            {
                var root = graph.Outputs[i].Root;
                if (root.Kind == ValueKind.Intermediate && !plan._storage.ContainsKey(root))
                    plan._storage[root] = new Storage(StorageKind.OutputParameter, i, 0, root.Count);
                else
                    plan.FinalCopies.Add((i, root));
            }

            // Liveness in op indices: a scratch value lives from its producer to its last consumer.
            var lastUse = new Dictionary<IrValue, int>();
            for (int i = 0; i < graph.Ops.Count; i++)
                foreach (var v in graph.Ops[i].Inputs)
                    lastUse[v.Root] = i;

            var free = new List<(int Offset, int Length)>();
            var live = new List<(IrValue Value, int Offset, int Length)>();
            for (int i = 0; i < graph.Ops.Count; i++)
            {
                var op = graph.Ops[i];
                foreach (var v in op.Inputs)
                {
                    var root = v.Root;
                    if (root.Kind == ValueKind.Constant && !plan._storage.ContainsKey(root))
                    {
                        plan._storage[root] = new Storage(StorageKind.Constant, plan.Constants.Count, 0, root.Count);
                        plan.Constants.Add(root);
                    }
                }

                var output = op.Output.Root;
                if (!plan._storage.ContainsKey(output))
                {
                    int length = output.Count;
                    int offset = plan.Allocate(free, length);
                    plan._storage[output] = new Storage(StorageKind.Scratch, 0, offset, length);
                    live.Add((output, offset, length));
                }

                // Release the values whose last consumer is this op. The output was placed first, so an op
                // never writes over its own inputs; an output nobody reads is released at once.
                for (int l = live.Count - 1; l >= 0; l--)
                {
                    var (value, offset, length) = live[l];
                    bool dead = lastUse.TryGetValue(value, out int last) ? last <= i && value != output : value == output;
                    if (!dead) continue;
                    free.Add((offset, length));
                    live.RemoveAt(l);
                }
            }

            foreach (var (_, source) in plan.FinalCopies)
                if (source.Kind == ValueKind.Constant && !plan._storage.ContainsKey(source))
                {
                    plan._storage[source] = new Storage(StorageKind.Constant, plan.Constants.Count, 0, source.Count);
                    plan.Constants.Add(source);
                }
            return plan;
        }

        /// <summary>First-fit in the freed slots, else grow the scratch buffer.</summary>
        private int Allocate(List<(int Offset, int Length)> free, int length)
        {
            free.Sort((a, b) => a.Offset.CompareTo(b.Offset));
            for (int f = 0; f < free.Count; f++)
            {
                if (free[f].Length < length) continue;
                int offset = free[f].Offset;
                if (free[f].Length == length) free.RemoveAt(f);
                else free[f] = (offset + length, free[f].Length - length);
                return offset;
            }
            int end = ScratchLength;
            ScratchLength += length;
            return end;
        }
    }
}
