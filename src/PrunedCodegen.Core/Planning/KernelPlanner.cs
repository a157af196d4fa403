using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    /// <summary>
    /// Chooses a kernel per dense layer from a simple cost model of one sample on one core. The constants
    /// are first measurements (Zen 5, .NET 10): the register-tiled dense kernel costs about 0.03 ns per
    /// weight on cache-resident layers; a scalar CSR loop about 0.3 ns per nonzero (latency-bound
    /// gathers). So sparse rows win below roughly 10% density. To be calibrated per layer size.
    /// </summary>
    internal static class KernelPlanner
    {
        public const double DenseNsPerWeight = 0.03;
        public const double SparseNsPerNonzero = 0.3;
        public const double NsPerRow = 0.5;

        public static LayerPlan Plan(DenseOp op, KernelChoice choice = KernelChoice.Auto)
        {
            int nonzeros = 0;
            foreach (float w in op.Weights)
                if (w != 0f) nonzeros++;
            double rows = (double)op.Rows * op.N;
            double dense = op.Rows * (double)op.N * op.K * DenseNsPerWeight + rows * NsPerRow;
            double sparse = op.Rows * (double)nonzeros * SparseNsPerNonzero + rows * NsPerRow;
            var kernel = choice switch
            {
                KernelChoice.DenseSimd => KernelKind.DenseSimd,
                KernelChoice.SparseRows => KernelKind.SparseRows,
                _ => sparse < dense ? KernelKind.SparseRows : KernelKind.DenseSimd,
            };
            return new LayerPlan(op, kernel, nonzeros, dense, sparse);
        }
    }
}
