using System.Collections.Generic;

namespace PrunedCodegen.Graph
{
    /// <summary>The lowered model: static-shaped values and the ops that compute them, in execution order.</summary>
    internal sealed class IrGraph
    {
        public List<IrValue> Inputs { get; } = new List<IrValue>();
        public List<IrValue> Outputs { get; } = new List<IrValue>();
        public List<IrOp> Ops { get; } = new List<IrOp>();

        /// <summary>Whether the graph inputs have a symbolic batch dimension (compiled as 1 per sample).</summary>
        public bool IsBatched { get; set; }

        public string ProducerName { get; set; } = "";
        public string ProducerVersion { get; set; } = "";
        public string GraphName { get; set; } = "";
        public long OpsetVersion { get; set; }
        public long IrVersion { get; set; }
        public int OnnxNodeCount { get; set; }

        /// <summary>How many ops consume each value (graph outputs count as a consumer).</summary>
        public Dictionary<IrValue, int> CountUses()
        {
            var uses = new Dictionary<IrValue, int>();
            foreach (var op in Ops)
                foreach (var v in op.Inputs)
                    uses[v.Root] = uses.TryGetValue(v.Root, out int n) ? n + 1 : 1;
            foreach (var v in Outputs)
                uses[v.Root] = uses.TryGetValue(v.Root, out int n) ? n + 1 : 1;
            return uses;
        }
    }
}
