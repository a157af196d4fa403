namespace PrunedCodegen.Generator
{
    /// <summary>Names of the pipeline steps, so that tests can assert what was cached.</summary>
    public static class TrackingNames
    {
        /// <summary>PrunedModel items with their options, bytes and content fingerprint.</summary>
        public const string ModelInputs = nameof(ModelInputs);

        /// <summary>How many models the project has (their string-literal blobs share one string heap).</summary>
        public const string ModelCount = nameof(ModelCount);

        /// <summary>The generated source and diagnostics for each model.</summary>
        public const string Generated = nameof(Generated);

        /// <summary>Whether the compilation's target framework has what generated code needs: a bool, so edits leave it Unchanged.</summary>
        public const string TargetSupported = nameof(TargetSupported);

        /// <summary>Whether the compilation allows unsafe code ([SkipLocalsInit] on generated code): a bool, so edits leave it Unchanged.</summary>
        public const string AllowUnsafe = nameof(AllowUnsafe);
    }
}
