namespace PrunedCodegen.Cli.Infrastructure
{
    /// <summary>pcg's exit codes: one per kind of failure, so that scripts can tell them apart.</summary>
    public static class ExitCodes
    {
        public const int Success = 0;
        /// <summary>A bug of ours: the message asks for a report.</summary>
        public const int InternalError = 1;
        /// <summary>Bad command line: unknown option, missing argument, malformed value.</summary>
        public const int Usage = 2;
        /// <summary>The model file is missing, unreadable or not ONNX.</summary>
        public const int BadModel = 3;
        /// <summary>The data file is missing or malformed (ragged CSV rows, non-numeric cells, wrong width, bad .npy).</summary>
        public const int BadData = 4;
        /// <summary>A layer name (--exclude) is not in the model.</summary>
        public const int UnknownLayer = 5;
        /// <summary>A sparsity that cannot be reached (out of [0, 1), or not what the N:M pattern implies).</summary>
        public const int ImpossibleSparsity = 6;
        /// <summary>The output exists (use --force) or would overwrite an input.</summary>
        public const int OutputRefused = 7;
        /// <summary>The generator cannot compile the model (unsupported op...): its diagnostic is printed.</summary>
        public const int UnsupportedModel = 8;
        /// <summary>Nothing to prune or factorise: no layer with weights, all excluded, or (factorize) no layer where the rank saves MACs.</summary>
        public const int NothingToPrune = 9;
    }

    /// <summary>A failure caused by the user's input: printed as one clear message, never with a stack trace.</summary>
    public sealed class UserErrorException : System.Exception
    {
        public UserErrorException(int exitCode, string message) : base(message) => ExitCode = exitCode;

        public int ExitCode { get; }
    }
}
