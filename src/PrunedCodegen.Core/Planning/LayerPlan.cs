using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    /// <summary>The planner's decision for one dense layer, with the figures that justify it.</summary>
    internal sealed class LayerPlan
    {
        public LayerPlan(DenseOp op, KernelKind kernel, int nonzeros, double denseCostNs, double sparseCostNs)
        {
            Op = op;
            Kernel = kernel;
            Nonzeros = nonzeros;
            DenseCostNs = denseCostNs;
            SparseCostNs = sparseCostNs;
        }

        public DenseOp Op { get; }
        public KernelKind Kernel { get; }
        public int Nonzeros { get; }
        public int Weights => Op.N * Op.K;
        public double Density => Weights == 0 ? 0 : (double)Nonzeros / Weights;
        public double DenseCostNs { get; }
        public double SparseCostNs { get; }
    }
}
