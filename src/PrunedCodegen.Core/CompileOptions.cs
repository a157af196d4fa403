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
        /// <summary>Straight-line code with the nonzero weights as literals (small layers only; larger ones get sparse rows).</summary>
        Unrolled,
    }

    /// <summary>What the user asked for on a PrunedModel item.</summary>
    public sealed record CompileOptions(string ClassName, string Namespace, string ModelFileName)
    {
        /// <summary>Forces one kernel for every dense layer (tests and benchmarks); <see cref="KernelChoice.Auto"/> by default.</summary>
        public KernelChoice Kernel { get; init; } = KernelChoice.Auto;

        /// <summary>
        /// Per-layer overrides, e.g. "0=dense;2=sparse": layer numbers as in the generated file's layer table,
        /// kernels auto|dense|block|sparse. Empty for none. Wins over <see cref="Kernel"/>.
        /// </summary>
        public string LayerKernels { get; init; } = "";

        /// <summary>Parses a kernel name as written in PrunedModel metadata; null when it is not one.</summary>
        public static KernelChoice? ParseKernel(string text) => text.Trim().ToLowerInvariant() switch
        {
            "" or "auto" => KernelChoice.Auto,
            "dense" => KernelChoice.DenseSimd,
            "block" => KernelChoice.BlockSparse,
            "sparse" => KernelChoice.SparseRows,
            "unrolled" => KernelChoice.Unrolled,
            _ => null,
        };
    }
}
