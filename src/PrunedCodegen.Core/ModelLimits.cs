namespace PrunedCodegen
{
    /// <summary>
    /// The largest model the generator accepts. Each limit protects the build (the compiler runs the generator on
    /// every build and keystroke) from a file that would make it allocate gigabytes, run for minutes or emit source
    /// no compiler can take; a model beyond one gets a diagnostic naming the limit, never an attempt.
    /// </summary>
    public static class ModelLimits
    {
        /// <summary>
        /// Elements in any one tensor (declared input, initializer, intermediate, folded constant), and so also the
        /// largest single dim: 64 Mi floats = 256 MB. Beyond it: PCG0008. Checked on the declared dims before anything
        /// is allocated, so a declared 2 GB dim costs nothing.
        /// </summary>
        public const long MaxTensorElements = 64L * 1024 * 1024;

        /// <summary>Rank of any tensor (dims in a shape). Beyond it: PCG0008.</summary>
        public const int MaxRank = 16;

        /// <summary>
        /// Float weights the model may hold in total, in bytes: initializers, Constant nodes and constants folded at
        /// build time (a broadcast of two small constants can be large). 64 MB = 16 Mi floats, several times what
        /// the C# compiler can take as literals in reasonable time (about 19 s and 1.6 GB per million weights).
        /// Beyond it: PCG0020.
        /// </summary>
        public const long MaxWeightBytes = 64L * 1024 * 1024;

        /// <summary>ONNX nodes in the graph. Beyond it: PCG0021.</summary>
        public const int MaxNodes = 10_000;

        /// <summary>
        /// Nodes on the longest path from a graph input or constant to any value (the graph's depth): each becomes
        /// at least one generated method call in sequence. Beyond it: PCG0021.
        /// </summary>
        public const int MaxGraphDepth = 2_000;

        /// <summary>
        /// Graph inputs and outputs together. Predict and PredictBatch take one span per input and output, and the .NET
        /// runtime refuses a method with more than about 4,100 span parameters (InvalidProgramException at the first
        /// call, after a build of minutes and gigabytes for 20,000 outputs; measured on .NET 10 x64: 4,097 Span&lt;float&gt;
        /// parameters run, 4,100 are refused, about 64 KB of 16-byte stack arguments); 1,000 leaves a 4x margin (other
        /// parameters, other ABIs) and is far beyond any real model. Beyond it: PCG0021, before anything is lowered.
        /// </summary>
        public const int MaxInputsAndOutputs = 1_000;

        /// <summary>
        /// The newest version of the default ONNX operator set this release knows: the newest of the ONNX backend node
        /// tests it is checked against. A model importing a newer one compiles with the newest semantics known for
        /// each op, and gets warning PCG0023 saying so (an op changed in a newer opset may compute something else).
        /// </summary>
        public const long NewestKnownOpset = 27;
    }
}
