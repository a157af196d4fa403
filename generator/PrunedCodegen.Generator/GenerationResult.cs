using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Diagnostics;

namespace PrunedCodegen.Generator
{
    /// <summary>What one model produced: pure data (strings), equatable so that unchanged output is cached.</summary>
    internal sealed class GenerationResult : IEquatable<GenerationResult>
    {
        public GenerationResult(string path, string hintName, string? source, IReadOnlyList<PcgDiagnostic> diagnostics)
        {
            Path = path;
            HintName = hintName;
            Source = source;
            Diagnostics = diagnostics;
        }

        /// <summary>The model file's path: where diagnostics point.</summary>
        public string Path { get; }
        public string HintName { get; }
        public string? Source { get; }
        public IReadOnlyList<PcgDiagnostic> Diagnostics { get; }

        public bool Equals(GenerationResult? other) =>
            other != null && Path == other.Path && HintName == other.HintName && Source == other.Source && Diagnostics.SequenceEqual(other.Diagnostics);

        public override bool Equals(object? obj) => Equals(obj as GenerationResult);

        public override int GetHashCode() => (Path.GetHashCode() * 31 + HintName.GetHashCode()) * 31 + (Source?.Length ?? 0);
    }
}
