namespace PrunedCodegen.Planning
{
    /// <summary>How a dense layer's weights are executed.</summary>
    internal enum KernelKind
    {
        /// <summary>Every weight, row dot products with Vector512/256/128 paths and a scalar fallback.</summary>
        DenseSimd,
        /// <summary>Only the nonzero weights with their column indices (CSR), four accumulators per row.</summary>
        SparseRows,
        /// <summary>Nonzero blocks of B outputs x 1 input (B = 4, 8 or 16), one broadcast-FMA per block.</summary>
        BlockSparse,
        /// <summary>Straight-line code: one statement per nonzero with the weight and input index as literals.</summary>
        Unrolled,
        /// <summary>Every weight row of the inputs that are not exactly 0: zero inputs (after a ReLU, image background) skipped.</summary>
        DenseSkipZeros,
        /// <summary>SELL-16: rows sorted by nonzeros in groups of 16, slot by slot per 32-input tile, inputs held in registers (Planning/SellLayout.cs).</summary>
        Sell,
    }
}
