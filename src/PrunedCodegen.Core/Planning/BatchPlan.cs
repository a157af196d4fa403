using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    /// <summary>
    /// When a model is a chain of dense layers and activations (optionally ending in a softmax over all its
    /// outputs), PredictBatch runs groups of up to <see cref="Group"/> samples through batch kernels: activations are
    /// stored feature-major as [features][lanes] (lanes = the group's samples rounded up to 16), so every weight is one
    /// broadcast times vectors of samples. Each dense layer picks its own batch kernel (<see cref="LayerPlan.BatchKernel"/>):
    /// the GEMM micro-kernel (register tiles of 12 rows x 2 vectors of samples) over every weight, or CSR over the nonzeros
    /// only, where unstructured sparsity runs at full vector width. A classifier head ending in ArgMax/ArgMin over all the
    /// outputs (<see cref="ArgEpilogue"/>) reads the last layer's [features][lanes] result in place and writes the class
    /// indices into the caller's Span&lt;long&gt;.
    /// </summary>
    internal sealed class BatchPlan
    {
        private BatchPlan(int batchedOps, SoftmaxOp? epilogue, ArgReduceOp? argEpilogue, int scratchLength, int inputLength, int outputLength, IrValue batchedOutput)
        {
            BatchedOps = batchedOps;
            Epilogue = epilogue;
            ArgEpilogue = argEpilogue;
            ScratchLength = scratchLength;
            InputLength = inputLength;
            OutputLength = outputLength;
            BatchedOutput = batchedOutput;
        }

        /// <summary>Ops 0..BatchedOps-1 run batched; an optional softmax epilogue runs per sample in the output (or the arg epilogue on the batched result).</summary>
        public int BatchedOps { get; }
        public SoftmaxOp? Epilogue { get; }

        /// <summary>An ArgMax/ArgMin over each sample's whole output, run on the batched layout (the output is its indices).</summary>
        public ArgReduceOp? ArgEpilogue { get; }
        public int ScratchLength { get; }
        public int InputLength { get; }
        public int OutputLength { get; }
        /// <summary>The value the batched ops end in, transposed back into the output span.</summary>
        public IrValue BatchedOutput { get; }

        /// <summary>
        /// Most samples per group (Kernels.BatchGroup). 64: the weights stream once per 64 samples, and the micro-kernel's
        /// 32-sample tiles run twice per panel while the panel is in L1; a smaller batch uses fewer lanes, not 64.
        /// </summary>
        public const int Group = 64;

        /// <summary>Floats of the [features][lanes] scratch at its widest: intermediates, then the input group, then the output group.</summary>
        public int GroupScratchLength => (ScratchLength + InputLength + OutputLength) * Group;

        public static BatchPlan? TryCreate(IrGraph graph, BufferPlan buffers, IReadOnlyDictionary<DenseOp, LayerPlan> plans)
        {
            if (!graph.IsBatched || graph.Inputs.Count != 1 || graph.Outputs.Count != 1 || buffers.FinalCopies.Count > 0 || graph.Ops.Count == 0)
                return null;
            var ops = graph.Ops;
            SoftmaxOp? epilogue = ops[ops.Count - 1] as SoftmaxOp;
            if (epilogue != null && (epilogue.Outer != 1 || epilogue.Inner != 1)) return null;
            // A model with int64 outputs keeps the batch path only when its one output is an ArgMax/ArgMin over each sample's
            // whole last layer; any other (TopK indices, an arg reduction along an inner axis) runs PredictBatch one sample
            // at a time.
            ArgReduceOp? arg = ops[ops.Count - 1] as ArgReduceOp;
            if (arg != null && (arg.Outer != 1 || arg.Inner != 1 || graph.Outputs[0].Root != arg.Output.Root)) return null;
            if (arg == null && graph.Outputs.Any(v => v.Root.IsInt64)) return null;
            int batched = epilogue == null && arg == null ? ops.Count : ops.Count - 1;
            if (batched == 0) return null;
            var available = new HashSet<IrValue> { graph.Inputs[0].Root };
            for (int i = 0; i < batched; i++)
            {
                var op = ops[i];
                bool ok = op switch
                {
                    DenseOp d => d.Rows == 1 && available.Contains(d.Input.Root),
                    UnaryOp u => available.Contains(u.Input.Root),
                    _ => false,
                };
                if (!ok) return null;
                available.Add(op.Output.Root);
            }
            var last = ops[batched - 1].Output.Root;
            if (epilogue != null && epilogue.Input.Root != last) return null;
            if (arg != null && arg.Input.Root != last) return null;
            if (epilogue == null && arg == null && graph.Outputs[0].Root != last) return null;
            return new BatchPlan(batched, epilogue, arg, buffers.ScratchLength, graph.Inputs[0].Count, last.Count, last);
        }
    }
}
