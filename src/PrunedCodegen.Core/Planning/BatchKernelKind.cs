namespace PrunedCodegen.Planning
{
    /// <summary>How a dense layer runs in PredictBatch's groups of up to 64 samples (activations feature-major, [features][lanes]).</summary>
    internal enum BatchKernelKind
    {
        /// <summary>Every weight, through the GEMM micro-kernel: register tiles of 12 output rows x 2 vectors of samples (Kernels.Gemm).</summary>
        Dense,
        /// <summary>Only the nonzero weights (CSR): one broadcast weight times the group's input per nonzero (Kernels.SparseRowsBatch).</summary>
        SparseRows,
    }
}
