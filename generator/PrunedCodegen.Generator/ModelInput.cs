using System;
using PrunedCodegen.Diagnostics;

namespace PrunedCodegen.Generator
{
    /// <summary>
    /// One PrunedModel item, read. Equality is by path, options and a content fingerprint (length +
    /// SHA-256), so a changed model always regenerates and an unchanged one is never recompiled. It holds no
    /// bytes: the driver keeps step outputs between runs, and an IDE session must not keep every model's file.
    /// </summary>
    internal sealed class ModelInput : IEquatable<ModelInput>
    {
        public ModelInput(string path, CompileOptions options, string fingerprint, PcgDiagnostic? readError)
        {
            Path = path;
            Options = options;
            Fingerprint = fingerprint;
            ReadError = readError;
        }

        public string Path { get; }
        public CompileOptions Options { get; }
        public string Fingerprint { get; }
        public PcgDiagnostic? ReadError { get; }

        public bool Equals(ModelInput? other) =>
            other != null && Path == other.Path && Options == other.Options && Fingerprint == other.Fingerprint && Equals(ReadError, other.ReadError);

        public override bool Equals(object? obj) => Equals(obj as ModelInput);

        public override int GetHashCode() => (Path.GetHashCode() * 31 + Options.GetHashCode()) * 31 + Fingerprint.GetHashCode();
    }
}
