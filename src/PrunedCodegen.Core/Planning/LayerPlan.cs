using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    /// <summary>The planner's decision for one dense layer, with the figures that justify it.</summary>
    internal sealed class LayerPlan
    {
        public LayerPlan(DenseOp op, KernelKind kernel, int nonzeros, double denseCostNs, double sparseCostNs, int blockSize, int blocks, double blockCostNs, double unrolledCostNs)
        {
            Op = op;
            Kernel = kernel;
            Nonzeros = nonzeros;
            DenseCostNs = denseCostNs;
            SparseCostNs = sparseCostNs;
            BlockSize = blockSize;
            Blocks = blocks;
            BlockCostNs = blockCostNs;
            UnrolledCostNs = unrolledCostNs;
        }

        public DenseOp Op { get; }
        public KernelKind Kernel { get; }
        public int Nonzeros { get; }
        public int Weights => Op.N * Op.K;
        public double Density => Weights == 0 ? 0 : (double)Nonzeros / Weights;
        public double DenseCostNs { get; }
        public double SparseCostNs { get; }

        /// <summary>The block height the block-sparse kernel would use (4, 8 or 16), its nonzero block count and cost.</summary>
        public int BlockSize { get; }
        public int Blocks { get; }
        public double BlockCostNs { get; }
        public double UnrolledCostNs { get; }

        /// <summary>
        /// Row length of the dense kernel's input-major weights: N, or <see cref="KernelPlanner.DensePaddedColumns"/> when a
        /// narrow layer's rows (and bias) are padded with zero columns (<see cref="KernelPlanner.DenseStride"/>).
        /// </summary>
        public int DenseStride { get; init; }

        /// <summary>Whether the dense kernel runs on zero-padded weight rows.</summary>
        public bool DensePadded => Kernel == KernelKind.DenseSimd && DenseStride != Op.N;

        /// <summary>The skip-zeros kernel's estimated cost, and the fraction of zero inputs it was priced with (<see cref="InputZeros"/>).</summary>
        public double SkipZerosCostNs { get; init; }
        public double InputZeros { get; init; }

        /// <summary>The SELL-16 kernel's estimated cost and its layout's counts (<see cref="SellLayout"/>).</summary>
        public double SellCostNs { get; init; }
        public int SellGroups { get; init; }
        public int SellInputTiles { get; init; }
        public int SellBusyTiles { get; init; }
        public int SellSlots { get; init; }
        public double SellPadding { get; init; }

        /// <summary>Unrolled code was asked for, but the layer has more nonzeros than <see cref="KernelPlanner.UnrolledMaxNonzeros"/>.</summary>
        public bool UnrolledRefused { get; init; }

        /// <summary>The kernel this layer uses in PredictBatch's groups, and both candidates' estimated ns per 16 samples.</summary>
        public BatchKernelKind BatchKernel { get; init; }
        public double DenseBatchCostNs { get; init; }
        public double SparseBatchCostNs { get; init; }

        /// <summary>The batch kernel's short name, as the layer table shows it.</summary>
        public string BatchKernelName => BatchKernel == BatchKernelKind.Dense ? "dense GEMM" : "sparse rows";

        public double BatchChosenCostNs => BatchKernel == BatchKernelKind.Dense ? DenseBatchCostNs : SparseBatchCostNs;

        /// <summary>Fraction of the blocks (at <see cref="BlockSize"/>) that hold a nonzero.</summary>
        public double BlockOccupancy => Op.K == 0 || Op.N == 0 ? 0 : (double)Blocks / ((double)Op.K * ((Op.N + BlockSize - 1) / BlockSize));

        /// <summary>The kernel's short name, as the layer table, the PCG1000 summary and <c>pcg inspect</c> show it.</summary>
        public string KernelName => Kernel switch
        {
            KernelKind.SparseRows => "sparse rows",
            KernelKind.BlockSparse => $"block {BlockSize.ToString(System.Globalization.CultureInfo.InvariantCulture)}x1",
            KernelKind.Unrolled => "unrolled",
            KernelKind.DenseSkipZeros => "dense, zero inputs skipped",
            KernelKind.Sell => "SELL-16",
            _ => "dense SIMD",
        };

        public double ChosenCostNs => Kernel switch
        {
            KernelKind.SparseRows => SparseCostNs,
            KernelKind.BlockSparse => BlockCostNs,
            KernelKind.Unrolled => UnrolledCostNs,
            KernelKind.DenseSkipZeros => SkipZerosCostNs,
            KernelKind.Sell => SellCostNs,
            _ => DenseCostNs,
        };
    }
}
