using System;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    /// <summary>
    /// Chooses a kernel per dense layer from a cost model of one sample on one core: the larger of the
    /// time to issue the work and the time to stream the layer's bytes from wherever they fit.
    /// The constants are first measurements on the team's machine (Zen 5, AVX-512, .NET 10; see
    /// ../shared/NOTES.md) and are to be calibrated by the kernel benchmarks:
    /// <list type="bullet">
    /// <item>dense: one 16-wide FMA per input per tile of 16 outputs, the broadcast of x shared by a tile;</item>
    /// <item>block B x 1: one FMA per nonzero block, plus its index and broadcast;</item>
    /// <item>sparse rows (CSR): a latency-bound gather per nonzero.</item>
    /// </list>
    /// Bandwidth: about 400 bytes/ns from L1 (48 KB), 150 from L2 (1 MB), 60 beyond.
    /// </summary>
    internal static class KernelPlanner
    {
        public const double NsPerDenseFma = 0.37;
        public const double NsPerNonzero = 0.35;
        public const double NsPerRow = 0.5;
        public const double NsPerTile = 1.0;

        /// <summary>Cost of one nonzero block by block height (4, 8, 16 outputs).</summary>
        public static double NsPerBlock(int blockSize) => blockSize switch { 4 => 0.38, 8 => 0.40, _ => 0.45 };

        public static readonly int[] BlockSizes = { 16, 8, 4 };

        /// <summary>Bytes per nanosecond when streaming a working set of this size.</summary>
        public static double Bandwidth(double bytes) => bytes <= 48 * 1024 ? 400 : bytes <= 1024 * 1024 ? 150 : 60;

        private static double Cost(double computeNs, double bytes) => Math.Max(computeNs, bytes / Bandwidth(bytes));

        public static LayerPlan Plan(DenseOp op, KernelChoice choice = KernelChoice.Auto)
        {
            int nonzeros = 0;
            foreach (float w in op.Weights)
                if (w != 0f) nonzeros++;

            int denseTiles = (op.N + 15) / 16;
            double dense = op.Rows * Cost((double)op.K * denseTiles * NsPerDenseFma + denseTiles * NsPerTile, 4.0 * op.K * op.N);
            double sparse = op.Rows * Cost(nonzeros * NsPerNonzero + op.N * NsPerRow, 8.0 * nonzeros + 4.0 * op.N);

            int bestBlock = 16, bestBlocks = 0;
            double block = double.MaxValue;
            foreach (int b in BlockSizes)
            {
                int blocks = CountBlocks(op, b);
                int tiles = (op.N + b - 1) / b;
                double cost = op.Rows * Cost(blocks * NsPerBlock(b) + tiles * NsPerTile, blocks * (4.0 * b + 4) + 4.0 * tiles);
                if (cost < block) { block = cost; bestBlock = b; bestBlocks = blocks; }
            }

            var kernel = choice switch
            {
                KernelChoice.DenseSimd => KernelKind.DenseSimd,
                KernelChoice.SparseRows => KernelKind.SparseRows,
                KernelChoice.BlockSparse => KernelKind.BlockSparse,
                // Ties go to the simpler kernel: dense, then blocks, then rows.
                _ => sparse < dense && sparse < block ? KernelKind.SparseRows : block < dense ? KernelKind.BlockSparse : KernelKind.DenseSimd,
            };
            return new LayerPlan(op, kernel, nonzeros, dense, sparse, bestBlock, bestBlocks, block);
        }

        /// <summary>Blocks of <paramref name="blockSize"/> consecutive outputs x 1 input that hold at least one nonzero.</summary>
        public static int CountBlocks(DenseOp op, int blockSize)
        {
            int blocks = 0;
            for (int t = 0; t * blockSize < op.N; t++)
                for (int c = 0; c < op.K; c++)
                    for (int r = t * blockSize; r < op.N && r < (t + 1) * blockSize; r++)
                        if (op.Weights[r * op.K + c] != 0f) { blocks++; break; }
            return blocks;
        }
    }
}
