namespace PrunedCodegen.Graph
{
    internal enum ValueKind { Input, Constant, Intermediate }

    /// <summary>
    /// One tensor of the graph with a fully static shape. A symbolic leading batch dimension is compiled as
    /// 1 and marked <see cref="IsBatched"/>: the generated code computes one sample per call.
    /// </summary>
    internal sealed class IrValue
    {
        public IrValue(string name, ValueKind kind, int[] shape, bool isBatched)
        {
            Name = name;
            Kind = kind;
            Shape = shape;
            IsBatched = isBatched;
        }

        /// <summary>The ONNX name (untrusted text: escape before it reaches generated code).</summary>
        public string Name { get; }
        public ValueKind Kind { get; }
        public int[] Shape { get; }
        public bool IsBatched { get; }
        public int Count => Shapes.Count(Shape);

        /// <summary>Float data of a constant.</summary>
        public float[]? Data { get; set; }

        /// <summary>Integer data of an integer constant (int64 shapes and axes, int8/uint8 quantized weights); never emitted.</summary>
        public long[]? IntData { get; set; }

        /// <summary>The ONNX element type of <see cref="IntData"/> when it came from a typed tensor (int64 when folded).</summary>
        public Onnx.OnnxDataType IntegerType { get; set; } = Onnx.OnnxDataType.Int64;

        /// <summary>
        /// The value holds int64 indices (ArgMax, ArgMin, TopK's second output), not floats: set on the producing op's
        /// output; read through <see cref="Root"/> so that views (Reshape, Squeeze...) of it are int64 too. Such a value
        /// can only be a graph output (a <c>Span&lt;long&gt;</c> of Predict); GraphBuilder refuses any other use.
        /// </summary>
        public bool IsInt64 { get; set; }

        /// <summary>Position among the graph inputs, for <see cref="ValueKind.Input"/>.</summary>
        public int InputIndex { get; set; } = -1;

        /// <summary>When set, this value is a view of another value's storage (Reshape, Flatten, Identity).</summary>
        public IrValue? AliasOf { get; set; }

        /// <summary>The value whose storage this one shares (itself when not an alias).</summary>
        public IrValue Root => AliasOf == null ? this : AliasOf.Root;

        public override string ToString() => $"{Name}{Shapes.Format(Shape)}";
    }
}
