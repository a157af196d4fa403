namespace PrunedCodegen
{
    /// <summary>Which kernel dense layers use: the planner's choice, or one forced for every layer.</summary>
    public enum KernelChoice
    {
        /// <summary>Per layer, whichever the cost model predicts is faster.</summary>
        Auto,
        /// <summary>Every weight, SIMD row dot products.</summary>
        DenseSimd,
        /// <summary>Only the nonzero weights (CSR rows).</summary>
        SparseRows,
        /// <summary>Only the nonzero blocks of 4, 8 or 16 outputs x 1 input, one vector FMA each.</summary>
        BlockSparse,
    }

    /// <summary>What the user asked for on a PrunedModel item.</summary>
    public sealed record CompileOptions(string ClassName, string Namespace, string ModelFileName)
    {
        /// <summary>Forces one kernel for every dense layer (tests and benchmarks); <see cref="KernelChoice.Auto"/> by default.</summary>
        public KernelChoice Kernel { get; init; } = KernelChoice.Auto;
    }
}
