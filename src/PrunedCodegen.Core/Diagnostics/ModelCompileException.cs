using System;

namespace PrunedCodegen.Diagnostics
{
    /// <summary>
    /// Thrown inside the core when a model cannot be compiled; <see cref="ModelCompiler"/> turns it into a
    /// <see cref="PcgDiagnostic"/>. It never escapes the core's public API.
    /// </summary>
    internal sealed class ModelCompileException : Exception
    {
        public ModelCompileException(string id, string message) : base(message) => Id = id;

        public string Id { get; }
    }
}
