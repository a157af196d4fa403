using System;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    /// <summary>
    /// Chooses a kernel per dense layer from a cost model of one sample on one core: the larger of the
    /// time to issue the work and the time to stream the layer's bytes from wherever they fit.
    /// <list type="bullet">
    /// <item>dense: one vector FMA per input per tile of 16 outputs, the broadcast of x shared by a tile;</item>
    /// <item>block B x 1: one FMA per nonzero block, plus its index and broadcast;</item>
    /// <item>sparse rows (CSR): a latency-bound gather per nonzero;</item>
    /// <item>unrolled: one load, multiply and add per nonzero with the index and weight in the instruction, no index
    /// data; only for small layers, since code size costs build time and instruction cache (see NOTES.md).</item>
    /// </list>
    /// The constants are calibrated per layer by tools/KernelCalibration (docs/kernel-calibration.md: 60 single-layer
    /// models, 64x64 to 1024x1024 inputs x outputs, 0-99% sparsity, unstructured and 8x1 blocks, every kernel timed on
    /// the team's Zen 4 machine, AVX-512, .NET 10): dense 0.53-0.60 ns per 16-wide FMA while the weights fit L2
    /// (16-256 KB) and 79-83 bytes/ns once they do not (1-4 MB, including a layer of exactly 1 MB); CSR 0.35 ns per
    /// nonzero + 1.9 ns per row; 8x1 and 16x1 blocks 0.82 / 0.80 ns per block (kept at 0.76 / 0.86, see NsPerBlock)
    /// + about 0.5 ns per output row; unrolled 0.30 ns per nonzero + 0.3 per row. Replayed on the sweep's timings, the
    /// planner's choice is within 5% of the fastest kernel measured on 57 of the 60 layers (auto over fastest: mean
    /// 1.011x; the previous constants: 55 layers, 1.027x). L1 (48 KB, Zen 5) and DRAM (10 bytes/ns, 0.43 ns per dense
    /// weight on the 1024-2048-2048-1024 MLP) are not covered by the sweep and keep their earlier figures.
    /// </summary>
    internal static class KernelPlanner
    {
        public const double NsPerDenseFma = 0.56;
        public const double NsPerNonzero = 0.35;
        public const double NsPerRow = 1.9;
        public const double NsPerTile = 1.0;
        public const double NsPerUnrolledNonzero = 0.30;
        public const double NsPerUnrolledRow = 0.3;

        /// <summary>Bytes of machine code and constants per unrolled nonzero (load + multiply + add, 4-byte literal).</summary>
        public const double UnrolledBytesPerNonzero = 16;

        /// <summary>
        /// Largest layer (in nonzeros) the planner unrolls by itself, now the same as the forced limit. The per-layer
        /// calibration (tools/KernelCalibration, quiet run of 2026-11-25) found unrolled code faster than sparse rows
        /// up to the forced limit: 512x512 at 95% (13,107 nonzeros) 4.6 us vs 5.6 us, 1024x1024 at 99% (10,486) 3.9 us
        /// vs 5.6 us, the same in two earlier loaded runs; at 8,192 auto left those 1.2x and 1.4x slower. Build cost:
        /// ~110 us of compile per unrolled statement (PCG0022's rate), ~1.8 s for a 16k-nonzero layer.
        /// </summary>
        public const int AutoUnrolledMaxNonzeros = 16384;

        /// <summary>Largest layer unrolled even when forced; larger layers get sparse rows instead (build time grows
        /// with code size: 50k statements take ~12 s to compile and run no faster than sparse rows).</summary>
        public const int UnrolledMaxNonzeros = 16384;

        /// <summary>Cost of one nonzero block by block height (4, 8, 16 outputs). Kept from the whole-model calibration: the
        /// sweep fits 0.82 (8x1) and 0.80 (16x1), but each layer was compiled with one block height only, so it cannot rank
        /// the heights against each other on the same layer.</summary>
        public static double NsPerBlock(int blockSize) => blockSize switch { 4 => 0.72, 8 => 0.76, _ => 0.86 };

        /// <summary>Block kernels: fixed cost per output row (tile set-up, bias, activation, store). The least-squares fit
        /// says ~1.0, pulled by the largest layers; 0.5 gives the fewest wrong choices over the sweep (kernel-calibration.md).</summary>
        public const double NsPerBlockRow = 0.5;

        public static readonly int[] BlockSizes = { 16, 8, 4 };

        // Batch path, per 16 samples. The GEMM micro-kernel (Kernels.Gemm, 12-row panels) measured alone on the team's Zen 5
        // (AVX-512, one core, loaded machine, best of 25 runs, against the FMA peak measured in the same process): 93-99% of
        // the peak on 512x784 and 512x512 at 32 and 64 samples (1.75-1.8 ns per panel input per 16 samples), 82-90% on
        // 64x128 and 128x64, and 66-75% at exactly 16 samples (one vector of samples: a broadcast per FMA, load-bound). The
        // CSR batch kernel's figures are from the Zen 4 calibration (0.6-1.5 ns per nonzero, typically 1.2); dense now wins
        // below about 87% sparsity.

        /// <summary>GEMM micro-kernel: one input of one 12-row panel for 16 samples (12 FMAs of 16 lanes).</summary>
        public const double NsPerGemmPanelInput = 1.9;
        /// <summary>GEMM micro-kernel: per 12-row panel (bias, stores, clamp, partial sums between blocks of k).</summary>
        public const double NsPerGemmPanel = 5;
        /// <summary>CSR batch kernel: one nonzero for 16 samples (index load, broadcast, one FMA).</summary>
        public const double NsPerBatchNonzero = 1.2;
        /// <summary>CSR batch kernel: per output row (partial sums folded and stored).</summary>
        public const double NsPerBatchRow = 2.0;

        /// <summary>Estimated ns per 16 samples for the dense (GEMM) and the CSR batch kernels.</summary>
        public static (double Dense, double Sparse) BatchCosts(DenseOp op, int nonzeros)
        {
            int panels = (op.N + GemmPanelRows - 1) / GemmPanelRows;
            double dense = Cost((double)panels * op.K * NsPerGemmPanelInput + panels * NsPerGemmPanel, 4.0 * panels * GemmPanelRows * op.K);
            double sparse = Cost(nonzeros * NsPerBatchNonzero + op.N * NsPerBatchRow, 8.0 * nonzeros + 4.0 * op.N);
            return (dense, sparse);
        }

        /// <summary>Output rows per packed weight panel of the GEMM micro-kernel (Kernels.GemmPanelRows).</summary>
        public const int GemmPanelRows = 12;

        /// <summary>Bytes per nanosecond when streaming a working set of this size. L2 holds less than its 1 MB of weights
        /// (input, output and code share it): a layer of exactly 1 MB measured 79 bytes/ns, like the 1.6 and 4 MB ones.</summary>
        public static double Bandwidth(double bytes) => bytes <= 48 * 1024 ? 400 : bytes < 1024 * 1024 ? 150 : bytes <= 16 * 1024 * 1024 ? 80 : 10;

        private static double Cost(double computeNs, double bytes) => Math.Max(computeNs, bytes / Bandwidth(bytes));

        /// <summary>
        /// Skip-zeros kernel (<see cref="KernelKind.DenseSkipZeros"/>), on the dense constants' scale: listing the nonzero
        /// inputs costs about 0.45 ns per input and 5 ns per call (thread-static lists), then the dense work of the inputs
        /// that are not zero. Single-layer loop on Zen 5 (aligned weights, half the inputs zero): 64x128 1.24x, 128x64
        /// 1.2-1.3x, 64x10 1.15x the dense kernel, 512x512 1.4-2.1x; 784x512 with 80% zeros 8.8x (its remaining rows fit L2).
        /// With no zeros it is slower than dense by the listing, which these constants price.
        /// </summary>
        public const double NsPerSkipListedInput = 0.45;

        /// <summary>
        /// Whether auto may choose the skip-zeros kernel. Off for now: in the whole digits model (Zen 5, quiet machine) it
        /// made Predict 0.93x as fast when chosen for the ReLU-fed 128x64 layer, although that layer alone ran 1.2-1.3x
        /// faster with half its inputs zero. The model is bound by L2 -> L1 traffic (67 KB of weights, 48 KB L1), which
        /// the single-layer loop does not show. Forced with Kernel=skipzeros / LayerKernels it runs, and every layer's
        /// table shows its estimate; calibrate it on whole models before turning this on.
        /// </summary>
        public const bool AutoSkipZeros = false;
        public const double NsPerSkipCall = 5;

        /// <summary>
        /// SELL-16 kernel (<see cref="KernelKind.Sell"/>): per slot one permute of the tile's registers and one 16-wide FMA
        /// (with the lane bytes' widening load), per busy (group, tile) pair the tile's two register loads and the loop,
        /// per group the bias, the clamp and the store, per call the set-up (checks, the zero-padded copy of a partial last
        /// tile). Bytes: 64 + 16 per slot, 4 per busy tile, 64 + 64 per group. Whole models in the benchmark's quick mode
        /// (Zen 5, loaded machine, scaled to the dense constants by the dense model measured alongside): 784-512-512-10 at 90%
        /// (8,397 slots, 1,328 busy tiles) ~11.4 us and at 95% (5,197 slots) ~8.2 us, which fits ~0.7 ns per slot and
        /// ~1.5 ns per busy tile. The per-call and per-group constants were 200 and 6 ns while each group's results were
        /// clamped one scalar at a time on their way to their rows (data-dependent branches: about half of a ReLU layer's
        /// outputs mispredicted); with the clamp on the vector, a group behind its scatter, or no scatter at all where the
        /// generator reordered the layer's neurons (<see cref="SellNeuronOrder"/>), the digits MLP's SELL layers measured
        /// alone (Zen 5, load 13 on 2 cores, 64-byte aligned slot data) took 97 ns (95 slots, 16 busy tiles, 8 groups), 76 ns
        /// (80, 16, 4) and 34 ns (23, 2, 1; output layer, scattered): ~3 ns per group and ~10 per call on this scale.
        /// </summary>
        public const double NsPerSellSlot = 0.7;
        public const double NsPerSellTile = 1.5;
        public const double NsPerSellGroup = 3;
        public const double NsPerSellCall = 10;

        /// <summary>
        /// Auto takes SELL-16 only when its estimate is below this fraction of the best other kernel's: its constants come
        /// from two whole models on a loaded machine. On the 784-512-512-10 MLP in 8x1 blocks SELL was estimated 6% cheaper
        /// than the block kernel (3,834 vs 4,069 ns, first layer) but measured ~10% slower; at 90% and 95% unstructured it
        /// is estimated at 0.3-0.4x the best other kernel and measured 4.8-6.6x faster than dense.
        /// </summary>
        public const double SellMargin = 0.8;

        /// <summary>Whether auto may choose SELL-16 (forced with Kernel=sell / LayerKernels it always runs).</summary>
        public const bool AutoSell = true;

        /// <summary>Columns a narrow dense layer's weights are padded to (Kernels.DensePaddedColumns): one Vector512.</summary>
        public const int DensePaddedColumns = 16;

        /// <summary>
        /// The row length of a dense layer's input-major weights: <see cref="DensePaddedColumns"/> for 2, 3, 5-7 and 9-15
        /// outputs, whose zero-padded rows are fewer vectors at every width than the unpadded layer's overlapping ones (10
        /// outputs: one Vector512 instead of two overlapping Vector256; 3: one vector instead of 3 scalar columns), else N.
        /// 1, 4 and 8 outputs are one vector (or one scalar) already. Padded weights beyond 1 MB are not worth their bytes.
        /// Measured per kernel against the unpadded one (Zen 5, AVX-512; figures in Kernels.DenseColumnsPadded): 1.07-1.34x
        /// for 10-12 outputs, 2.2x for 3, ~1.04x for 6.
        /// </summary>
        public static int DenseStride(DenseOp op) =>
            op.N >= 2 && op.N < DensePaddedColumns && op.N != 4 && op.N != 8 && 4L * op.K * DensePaddedColumns <= 1024 * 1024 ? DensePaddedColumns : op.N;

        public static LayerPlan Plan(DenseOp op, KernelChoice choice = KernelChoice.Auto, double inputZeros = 0)
        {
            int nonzeros = 0;
            foreach (float w in op.Weights)
                if (w != 0f) nonzeros++;

            int denseTiles = (op.N + 15) / 16;
            int denseStride = DenseStride(op);
            double dense = op.Rows * Cost((double)op.K * denseTiles * NsPerDenseFma + denseTiles * NsPerTile, 4.0 * op.K * denseStride);
            double sparse = op.Rows * Cost(nonzeros * NsPerNonzero + op.N * NsPerRow, 8.0 * nonzeros + 4.0 * op.N);

            int bestBlock = 16, bestBlocks = 0;
            double block = double.MaxValue;
            foreach (int b in BlockSizes)
            {
                int blocks = CountBlocks(op, b);
                int tiles = (op.N + b - 1) / b;
                double cost = op.Rows * Cost(blocks * NsPerBlock(b) + (double)tiles * b * NsPerBlockRow, blocks * (4.0 * b + 4) + 4.0 * tiles);
                if (cost < block) { block = cost; bestBlock = b; bestBlocks = blocks; }
            }

            double unrolled = op.Rows * Cost(nonzeros * NsPerUnrolledNonzero + op.N * NsPerUnrolledRow, UnrolledBytesPerNonzero * nonzeros);

            // Skipping a zero input is exact only for finite weights (0 x inf is NaN): auto never picks it otherwise.
            double kept = 1 - inputZeros;
            double skipZeros = op.Rows * Cost(kept * op.K * denseTiles * NsPerDenseFma + denseTiles * NsPerTile + op.K * NsPerSkipListedInput + NsPerSkipCall,
                kept * 4.0 * op.K * op.N + 8.0 * op.K);
            bool finite = true;
            foreach (float w in op.Weights)
                if (float.IsNaN(w) || float.IsInfinity(w)) { finite = false; break; }

            var sellLayout = SellLayout.Build(op, withData: false);
            double sell = op.Rows * Cost(sellLayout.Slots * NsPerSellSlot + sellLayout.BusyTiles * NsPerSellTile + sellLayout.Groups * NsPerSellGroup + NsPerSellCall,
                80.0 * sellLayout.Slots + 4.0 * sellLayout.BusyTiles + 128.0 * sellLayout.Groups);

            var kernel = choice switch
            {
                KernelChoice.DenseSimd => KernelKind.DenseSimd,
                KernelChoice.SparseRows => KernelKind.SparseRows,
                KernelChoice.BlockSparse => KernelKind.BlockSparse,
                KernelChoice.Unrolled => nonzeros <= UnrolledMaxNonzeros ? KernelKind.Unrolled : KernelKind.SparseRows,
                KernelChoice.DenseSkipZeros => KernelKind.DenseSkipZeros,
                KernelChoice.Sell => KernelKind.Sell,
                // Ties go to the simpler kernel: dense, then blocks, then rows, then unrolled, then skip-zeros, then SELL.
                _ => Cheapest(dense, block, sparse, nonzeros <= AutoUnrolledMaxNonzeros ? unrolled : double.MaxValue, AutoSkipZeros && finite ? skipZeros : double.MaxValue, AutoSell ? sell : double.MaxValue),
            };
            var (denseBatch, sparseBatch) = BatchCosts(op, nonzeros);
            var batchKernel = choice switch
            {
                // Forcing dense or sparse rows forces the batch kernel of the same kind; ties go to dense.
                KernelChoice.DenseSimd => BatchKernelKind.Dense,
                KernelChoice.SparseRows => BatchKernelKind.SparseRows,
                _ => sparseBatch < denseBatch ? BatchKernelKind.SparseRows : BatchKernelKind.Dense,
            };
            return new LayerPlan(op, kernel, nonzeros, dense, sparse, bestBlock, bestBlocks, block, unrolled)
            {
                UnrolledRefused = choice == KernelChoice.Unrolled && kernel != KernelKind.Unrolled,
                DenseStride = kernel == KernelKind.DenseSimd ? denseStride : op.N,
                SkipZerosCostNs = skipZeros,
                InputZeros = inputZeros,
                SellCostNs = sell,
                SellGroups = sellLayout.Groups,
                SellInputTiles = sellLayout.InputTiles,
                SellBusyTiles = sellLayout.BusyTiles,
                SellSlots = sellLayout.Slots,
                SellPadding = sellLayout.Padding,
                BatchKernel = batchKernel,
                DenseBatchCostNs = denseBatch,
                SparseBatchCostNs = sparseBatch,
            };
        }

        private static KernelKind Cheapest(double dense, double block, double sparse, double unrolled, double skipZeros, double sell)
        {
            var (kind, cost) = (KernelKind.DenseSimd, dense);
            if (block < cost) (kind, cost) = (KernelKind.BlockSparse, block);
            if (sparse < cost) (kind, cost) = (KernelKind.SparseRows, sparse);
            if (unrolled < cost) (kind, cost) = (KernelKind.Unrolled, unrolled);
            if (skipZeros < cost) (kind, cost) = (KernelKind.DenseSkipZeros, skipZeros);
            if (sell < SellMargin * cost) kind = KernelKind.Sell;
            return kind;
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
