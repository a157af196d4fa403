namespace PrunedCodegen
{
    /// <summary>What the user asked for on a PrunedModel item.</summary>
    public sealed record CompileOptions(string ClassName, string Namespace, string ModelFileName);
}
