namespace PrunedCodegen.Planning
{
    /// <summary>How a dense layer runs in PredictBatch's groups of 16 samples (activations feature-major, [features][16]).</summary>
    internal enum BatchKernelKind
    {
        /// <summary>Every weight, packed [tiles][K][8]: register tiles of 8 output rows x 16 samples (Kernels.DenseBatch).</summary>
        Dense,
        /// <summary>Only the nonzero weights (CSR): one broadcast weight times the 16 samples' input per nonzero (Kernels.SparseRowsBatch).</summary>
        SparseRows,
    }
}
