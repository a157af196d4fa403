using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    /// <summary>
    /// Chooses a kernel per dense layer from a simple cost model of one sample on one core. The constants
    /// come from the measurements in the team's notes (Zen 5, .NET 10): a SIMD row-dot GEMV streams
    /// about 0.04 ns per weight; a scalar CSR loop costs about 0.3 ns per nonzero (latency-bound gathers).
    /// So sparse rows win below roughly 13% density.
    /// </summary>
    internal static class KernelPlanner
    {
        public const double DenseNsPerWeight = 0.04;
        public const double SparseNsPerNonzero = 0.3;
        public const double NsPerRow = 0.5;

        public static LayerPlan Plan(DenseOp op)
        {
            int nonzeros = 0;
            foreach (float w in op.Weights)
                if (w != 0f) nonzeros++;
            double rows = (double)op.Rows * op.N;
            double dense = op.Rows * (double)op.N * op.K * DenseNsPerWeight + rows * NsPerRow;
            double sparse = op.Rows * (double)nonzeros * SparseNsPerNonzero + rows * NsPerRow;
            var kernel = sparse < dense ? KernelKind.SparseRows : KernelKind.DenseSimd;
            return new LayerPlan(op, kernel, nonzeros, dense, sparse);
        }
    }
}
