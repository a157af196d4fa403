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
        /// <summary>Convolutions: the direct register-tiled kernel of any size where it applies (group 1); other layers as Auto.</summary>
        Direct,
        /// <summary>Dense, skipping the weight rows of inputs that are exactly 0 at run time.</summary>
        DenseSkipZeros,
        /// <summary>Convolutions: 1x1 (stride 1, unpadded, group 1) through the GEMM micro-kernel where it applies; other layers as Auto.</summary>
        Gemm,
        /// <summary>Only the nonzero weights, SELL-16 (16 rows sorted by nonzeros per vector, inputs in registers, one permute per slot).</summary>
        Sell,
        /// <summary>Depthwise convolutions (one filter per channel): vectorised across channels over a channels-last stage; other layers as Auto.</summary>
        DepthwiseChannels,
        /// <summary>Convolutions: 3x3 stride-1 (group 1, 2-D) by Winograd F(2x2, 3x3) where it applies; other layers as Auto.</summary>
        Winograd,
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

        /// <summary>
        /// Whether the consumer's C# has UTF-8 string literals (<c>"..."u8</c>, C# 11+): large data arrays beyond the
        /// string-literal budget are then emitted as UTF-8 base64 blobs, otherwise as element literals. The generator
        /// reads it from the consumer's parse options; true (the .NET 8 SDK's default, C# 12) when the core is used directly.
        /// </summary>
        public bool Utf8StringLiterals { get; init; } = true;

        /// <summary>
        /// Whether generated code carries <c>[SkipLocalsInit]</c> (on the model class and the kernels class), so that the
        /// stack buffers of Predict and of the kernels are not zeroed on every call. C# accepts the attribute only where
        /// unsafe code is allowed (CS0227 otherwise): the generator sets it from the consumer's AllowUnsafeBlocks, <c>pcg
        /// generate --skip-locals-init</c> on request. Every stack buffer of generated code is written before it is read, or
        /// cleared explicitly where a kernel needs zeros. Off by default.
        /// </summary>
        public bool SkipLocalsInit { get; init; }

        /// <summary>Arrays of at least this many elements become blobs (tests set it out of reach to get literals only).</summary>
        internal int BlobMinElements { get; init; } = Emitting.DataBlob.MinElements;

        /// <summary>Chars of string-literal blobs per model before UTF-8 blobs take over (tests set 0 to get UTF-8 blobs only).</summary>
        internal long StringBlobMaxChars { get; init; } = Emitting.DataBlob.MaxStringLiteralChars;

        /// <summary>Parses a kernel name as written in PrunedModel metadata; null when it is not one.</summary>
        public static KernelChoice? ParseKernel(string text) => text.Trim().ToLowerInvariant() switch
        {
            "" or "auto" => KernelChoice.Auto,
            "dense" => KernelChoice.DenseSimd,
            "block" => KernelChoice.BlockSparse,
            "sparse" => KernelChoice.SparseRows,
            "unrolled" => KernelChoice.Unrolled,
            "direct" => KernelChoice.Direct,
            "skipzeros" => KernelChoice.DenseSkipZeros,
            "gemm" => KernelChoice.Gemm,
            "sell" => KernelChoice.Sell,
            "dwchannels" => KernelChoice.DepthwiseChannels,
            "winograd" => KernelChoice.Winograd,
            _ => null,
        };
    }
}
