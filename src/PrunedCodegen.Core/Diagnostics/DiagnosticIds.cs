namespace PrunedCodegen.Diagnostics
{
    /// <summary>Every diagnostic the product can report. Ids are stable: never renumber.</summary>
    public static class DiagnosticIds
    {
        /// <summary>The model file does not exist or cannot be read.</summary>
        public const string FileNotFound = "PCG0001";
        /// <summary>The file is empty.</summary>
        public const string EmptyFile = "PCG0002";
        /// <summary>The bytes are not a well-formed ONNX model (truncated, random, another format).</summary>
        public const string MalformedModel = "PCG0003";
        /// <summary>A node's operator (op type, domain, opset) is not supported.</summary>
        public const string UnsupportedOp = "PCG0004";
        /// <summary>A tensor, input or output has an element type other than float (or int64 for shapes).</summary>
        public const string UnsupportedDataType = "PCG0005";
        /// <summary>A shape cannot be determined at build time.</summary>
        public const string UnknownShape = "PCG0006";
        /// <summary>A tensor keeps its data in an external file.</summary>
        public const string ExternalData = "PCG0007";
        /// <summary>A tensor's dims are negative or its size exceeds the limits.</summary>
        public const string TensorTooLarge = "PCG0008";
        /// <summary>A node's attributes or inputs are invalid for its operator.</summary>
        public const string InvalidNode = "PCG0009";
        /// <summary>The PrunedModel item's metadata is invalid (e.g. ClassName is not an identifier).</summary>
        public const string InvalidOptions = "PCG0010";
        /// <summary>The project's target framework lacks what generated code needs (System.Runtime.Intrinsics.Vector512&lt;T&gt;: .NET 8 or newer).</summary>
        public const string UnsupportedTargetFramework = "PCG0011";
        /// <summary>The consumer's C# compiler is older than the generator needs (Roslyn 4.8, the .NET 8 SDK); reported by the package's MSBuild targets.</summary>
        public const string CompilerTooOld = "PCG0012";
        /// <summary>The model's weights (initializers, Constant nodes, constants folded at build time) exceed <see cref="ModelLimits.MaxWeightBytes"/>.</summary>
        public const string WeightsTooLarge = "PCG0020";
        /// <summary>The graph has more nodes than <see cref="ModelLimits.MaxNodes"/>, or is deeper than <see cref="ModelLimits.MaxGraphDepth"/>.</summary>
        public const string GraphTooLarge = "PCG0021";
        /// <summary>Warning: the model's embedded data is estimated to make every build of the project slow (see PrunedCodegen.Emitting.BuildCost).</summary>
        public const string SlowBuild = "PCG0022";
        /// <summary>Warning: the model imports a default-domain opset newer than <see cref="ModelLimits.NewestKnownOpset"/>.</summary>
        public const string NewerOpset = "PCG0023";
        /// <summary>An unexpected internal error; the message says what failed. Please report it.</summary>
        public const string InternalError = "PCG0099";
        /// <summary>Informational per-model summary (layers, nonzeros, kernels).</summary>
        public const string ModelSummary = "PCG1000";
    }
}
