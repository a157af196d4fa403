using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using PrunedCodegen.Generator;

namespace PrunedCodegen.Tests.Infrastructure
{
    /// <summary>
    /// Runs the real incremental generator through Roslyn's driver, the way the compiler does, with
    /// PrunedModel items given as AdditionalFiles plus their metadata.
    /// </summary>
    internal static class GeneratorHarness
    {
        public sealed record ModelItem(string Path, string? ClassName = null, string? Namespace = null, bool IsModel = true, string? Kernel = null, string? LayerKernels = null);

        public sealed record Result(GeneratorDriver Driver, Compilation Output, ImmutableArray<Diagnostic> Diagnostics, GeneratorDriverRunResult RunResult)
        {
            public IReadOnlyList<(string HintName, string Source)> Sources =>
                RunResult.Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString())).ToList();

            public string Source(string hintName) => Sources.Single(s => s.HintName == hintName).Source;

            /// <summary>Errors of compiling the user's code together with the generated code.</summary>
            public IReadOnlyList<Diagnostic> CompileErrors =>
                Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        }

        public static readonly CSharpParseOptions ParseOptions = new CSharpParseOptions(LanguageVersion.CSharp12);

        public static CSharpCompilation NewCompilation(string userCode = "namespace TestApp { internal static class Program { } }") =>
            CSharpCompilation.Create("TestApp",
                new[] { CSharpSyntaxTree.ParseText(userCode, ParseOptions) },
                InMemoryReferences.All,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));

        public static Result Run(IEnumerable<ModelItem> models, string rootNamespace = "TestApp", Compilation? compilation = null, GeneratorDriver? driver = null)
        {
            var items = models.ToList();
            var texts = items.Select(m => (AdditionalText)new PathOnlyText(m.Path)).ToImmutableArray();
            var provider = new OptionsProvider(items, rootNamespace);
            driver ??= CSharpGeneratorDriver.Create(
                new[] { new PrunedModelGenerator().AsSourceGenerator() },
                parseOptions: ParseOptions,
                driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
            driver = driver.ReplaceAdditionalTexts(texts).WithUpdatedAnalyzerConfigOptions(provider);
            compilation ??= NewCompilation();
            driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics, CancellationToken.None);
            return new Result(driver, output, diagnostics, driver.GetRunResult());
        }

        public static Result Run(params ModelItem[] models) => Run((IEnumerable<ModelItem>)models);

        /// <summary>Writes model bytes to a fresh temp file and returns its path.</summary>
        public static string WriteTemp(byte[] bytes, string fileName = "model.onnx")
        {
            string dir = Path.Combine(Path.GetTempPath(), "pcg-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            string path = Path.Combine(dir, fileName);
            File.WriteAllBytes(path, bytes);
            return path;
        }

        /// <summary>An additional file whose text must never be read: the generator reads binary models by path.</summary>
        private sealed class PathOnlyText : AdditionalText
        {
            public PathOnlyText(string path) => Path = path;

            public override string Path { get; }

            public override SourceText? GetText(CancellationToken cancellationToken = default) =>
                throw new InvalidOperationException("the generator must not call GetText() on a binary model file");
        }

        private sealed class OptionsProvider : AnalyzerConfigOptionsProvider
        {
            private readonly Dictionary<string, DictionaryOptions> _perFile;

            public OptionsProvider(IEnumerable<ModelItem> items, string rootNamespace)
            {
                _perFile = items.ToDictionary(i => i.Path, i =>
                {
                    var values = new Dictionary<string, string>();
                    if (i.IsModel) values["build_metadata.AdditionalFiles.PrunedCodegenModel"] = "true";
                    if (i.ClassName != null) values["build_metadata.AdditionalFiles.ClassName"] = i.ClassName;
                    if (i.Namespace != null) values["build_metadata.AdditionalFiles.Namespace"] = i.Namespace;
                    if (i.Kernel != null) values["build_metadata.AdditionalFiles.Kernel"] = i.Kernel;
                    if (i.LayerKernels != null) values["build_metadata.AdditionalFiles.LayerKernels"] = i.LayerKernels;
                    return new DictionaryOptions(values);
                });
                GlobalOptions = new DictionaryOptions(new Dictionary<string, string> { ["build_property.RootNamespace"] = rootNamespace });
            }

            public override AnalyzerConfigOptions GlobalOptions { get; }

            public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => DictionaryOptions.Empty;

            public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
                _perFile.TryGetValue(textFile.Path, out var o) ? o : DictionaryOptions.Empty;
        }

        private sealed class DictionaryOptions : AnalyzerConfigOptions
        {
            public static readonly DictionaryOptions Empty = new DictionaryOptions(new Dictionary<string, string>());
            private readonly Dictionary<string, string> _values;

            public DictionaryOptions(Dictionary<string, string> values) => _values = values;

            public override bool TryGetValue(string key, out string value)
            {
                if (_values.TryGetValue(key, out var v)) { value = v; return true; }
                value = null!;
                return false;
            }
        }
    }

    /// <summary>The running runtime's own assemblies as compilation references (net10.0 here).</summary>
    internal static class InMemoryReferences
    {
        private static readonly Lazy<MetadataReference[]> Lazy = new Lazy<MetadataReference[]>(() =>
            ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
                .Split(Path.PathSeparator)
                .Where(p => p.Length > 0)
                .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
                .ToArray());

        public static MetadataReference[] All => Lazy.Value;
    }
}
