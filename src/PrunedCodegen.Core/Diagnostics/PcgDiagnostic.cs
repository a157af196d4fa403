namespace PrunedCodegen.Diagnostics
{
    public enum PcgSeverity { Info, Warning, Error }

    /// <summary>
    /// A problem found while compiling a model, carried as plain data so that the generator can turn it
    /// into a Roslyn diagnostic and the CLI into a message. <see cref="Message"/> never contains a path
    /// other than the model's file name.
    /// </summary>
    public sealed record PcgDiagnostic(string Id, PcgSeverity Severity, string Title, string Message)
    {
        public override string ToString() => $"{Id} ({Severity}): {Message}";
    }
}
