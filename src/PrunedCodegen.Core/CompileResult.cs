using System.Collections.Generic;
using PrunedCodegen.Diagnostics;

namespace PrunedCodegen
{
    /// <summary>
    /// The outcome of compiling one model: the generated C# (null when an error stopped it) and every
    /// diagnostic. Plain data: safe to cache and compare.
    /// </summary>
    public sealed class CompileResult
    {
        public CompileResult(string? source, IReadOnlyList<PcgDiagnostic> diagnostics)
        {
            Source = source;
            Diagnostics = diagnostics;
        }

        public string? Source { get; }
        public IReadOnlyList<PcgDiagnostic> Diagnostics { get; }
        public bool Succeeded => Source != null;
    }
}
