using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Text;

namespace PrunedCodegen.Tests.Infrastructure
{
    /// <summary>One C# source to compile: <paramref name="Name"/> is the file name shown in diagnostics.</summary>
    public sealed record SourceFile(string Name, string Text);

    /// <summary>A compiled and loaded in-memory assembly.</summary>
    public sealed class CompiledAssembly
    {
        internal CompiledAssembly(Assembly assembly, AssemblyLoadContext context, IReadOnlyList<SourceFile> sources,
            IReadOnlyList<Diagnostic> warnings, TimeSpan compileTime)
        {
            Assembly = assembly;
            LoadContext = context;
            Sources = sources;
            Warnings = warnings;
            CompileTime = compileTime;
        }

        public Assembly Assembly { get; }

        /// <summary>The collectible context the assembly lives in (kept alive by the cache for the whole run).</summary>
        public AssemblyLoadContext LoadContext { get; }

        /// <summary>Every source that went into the assembly, including any added by an extender.</summary>
        public IReadOnlyList<SourceFile> Sources { get; }

        /// <summary>Warning diagnostics (CS1701/CS1702 excluded, as the SDK does). Tests assert this is empty.</summary>
        public IReadOnlyList<Diagnostic> Warnings { get; }

        /// <summary>Wall time of parse + bind + emit + load of the first (uncached) compilation.</summary>
        public TimeSpan CompileTime { get; }

        /// <summary>The warnings formatted like compiler output, one per line, or "" when there are none.</summary>
        public string FormatWarnings() => string.Join(Environment.NewLine, Warnings.Select(d => d.ToString()));

        public Type GetRequiredType(string fullName) =>
            Assembly.GetType(fullName, throwOnError: false)
            ?? throw new InvalidOperationException($"Type '{fullName}' is not in the compiled assembly. Types: "
                + string.Join(", ", Assembly.GetTypes().Select(t => t.FullName)));
    }

    /// <summary>The C# compiler rejected the sources. The message lists every error with the source lines around it.</summary>
    public sealed class InMemoryCompilationException : Exception
    {
        public InMemoryCompilationException(string message, IReadOnlyList<Diagnostic> errors) : base(message) => Errors = errors;

        public IReadOnlyList<Diagnostic> Errors { get; }
    }

    /// <summary>
    /// Compiles C# in memory the way a consumer of the generator would (C# 12, Release, unsafe allowed, nullable
    /// enabled, against every assembly of the running runtime) and loads the result into a collectible
    /// <see cref="AssemblyLoadContext"/>. Results are cached by a hash of the sources for the whole test run.
    /// </summary>
    public static class InMemoryCompiler
    {
        /// <summary>How many errors get their source lines quoted; the rest are listed one line each.</summary>
        private const int MaxQuotedErrors = 100;

        /// <summary>Source lines quoted above and below an error.</summary>
        private const int ContextLines = 2;

        /// <summary>Quoted lines are cut to this many characters around the error column (weights can make lines huge).</summary>
        private const int MaxQuotedLineChars = 160;

        private static readonly ConcurrentDictionary<string, Lazy<CompiledAssembly>> s_cache =
            new ConcurrentDictionary<string, Lazy<CompiledAssembly>>(StringComparer.Ordinal);

        private static readonly Lazy<ImmutableArray<MetadataReference>> s_references =
            new Lazy<ImmutableArray<MetadataReference>>(LoadReferences);

        private static int s_assemblyCounter;
        private static int s_compilationCount;

        /// <summary>C# 12 with the symbols the SDK defines for the running target framework (NET, NET8_0_OR_GREATER, ...).</summary>
        public static CSharpParseOptions ParseOptions { get; } = new CSharpParseOptions(
            LanguageVersion.CSharp12, DocumentationMode.Parse, SourceCodeKind.Regular, PreprocessorSymbols());

        public static CSharpCompilationOptions CompilationOptions { get; } =
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
                .WithOptimizationLevel(OptimizationLevel.Release)
                .WithAllowUnsafe(true)
                .WithNullableContextOptions(NullableContextOptions.Enable)
                .WithDeterministic(true)
                .WithConcurrentBuild(true)
                // The SDK passes /nowarn:1701,1702 (assembly version unification): so do we.
                .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
                {
                    ["CS1701"] = ReportDiagnostic.Suppress,
                    ["CS1702"] = ReportDiagnostic.Suppress,
                });

        /// <summary>Every assembly in TRUSTED_PLATFORM_ASSEMBLIES (the runtime plus the test's own dependencies).</summary>
        public static ImmutableArray<MetadataReference> References => s_references.Value;

        /// <summary>Number of real (uncached) compilations done so far in this process.</summary>
        public static int CompilationCount => Volatile.Read(ref s_compilationCount);

        public static CompiledAssembly Compile(params string[] sources) =>
            Compile(sources.Select((text, i) => new SourceFile($"Source{i}.cs", text)).ToArray());

        /// <summary>
        /// Compiles and loads <paramref name="sources"/>, or returns the cached result of an identical earlier call.
        /// Throws <see cref="InMemoryCompilationException"/> when there is any error.
        /// </summary>
        /// <param name="cacheTag">Distinguishes calls whose <paramref name="extend"/> differs; part of the cache key.</param>
        /// <param name="extend">
        /// Optional: called with the compilation of <paramref name="sources"/> (symbols can be inspected) and returns
        /// further sources to compile into the same assembly (e.g. a shim). Must be a pure function of the sources.
        /// </param>
        public static CompiledAssembly Compile(IReadOnlyList<SourceFile> sources, string cacheTag = "",
            Func<CSharpCompilation, IEnumerable<SourceFile>>? extend = null)
        {
            if (sources is null) throw new ArgumentNullException(nameof(sources));
            string key = CacheKey(sources, cacheTag);
            var lazy = s_cache.GetOrAdd(key, _ => new Lazy<CompiledAssembly>(
                () => CompileUncached(sources, extend), LazyThreadSafetyMode.ExecutionAndPublication));
            try
            {
                return lazy.Value;
            }
            catch
            {
                // Do not cache failures: a later call recompiles and reports again.
                s_cache.TryRemove(new KeyValuePair<string, Lazy<CompiledAssembly>>(key, lazy));
                throw;
            }
        }

        /// <summary>A compilation of the sources with this class's options and references, not emitted.</summary>
        public static CSharpCompilation CreateCompilation(IEnumerable<SourceFile> sources, string assemblyName) =>
            CSharpCompilation.Create(assemblyName, sources.Select(Parse), References, CompilationOptions);

        public static SyntaxTree Parse(SourceFile source) =>
            CSharpSyntaxTree.ParseText(SourceText.From(source.Text, Encoding.UTF8), ParseOptions, path: source.Name);

        private static CompiledAssembly CompileUncached(IReadOnlyList<SourceFile> sources, Func<CSharpCompilation, IEnumerable<SourceFile>>? extend)
        {
            var stopwatch = Stopwatch.StartNew();
            int id = Interlocked.Increment(ref s_assemblyCounter);
            string assemblyName = "PcgInMemory" + id.ToString(CultureInfo.InvariantCulture);
            var allSources = sources.ToList();
            CSharpCompilation compilation = CreateCompilation(allSources, assemblyName);
            if (extend != null)
            {
                var extra = extend(compilation).ToList();
                allSources.AddRange(extra);
                compilation = compilation.AddSyntaxTrees(extra.Select(Parse));
            }

            using var pe = new MemoryStream();
            using var pdb = new MemoryStream();
            EmitResult result = compilation.Emit(pe, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb));
            var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (!result.Success || errors.Count > 0)
            {
                throw new InMemoryCompilationException(FormatErrors(errors, result.Diagnostics.Length), errors);
            }

            var warnings = result.Diagnostics
                .Where(d => d.Severity == DiagnosticSeverity.Warning && !d.IsSuppressed)
                .OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal)
                .ThenBy(d => d.Location.SourceSpan.Start)
                .ToList();

            pe.Position = 0;
            pdb.Position = 0;
            var context = new AssemblyLoadContext(assemblyName, isCollectible: true);
            Assembly assembly = context.LoadFromStream(pe, pdb);
            Interlocked.Increment(ref s_compilationCount);
            return new CompiledAssembly(assembly, context, allSources, warnings, stopwatch.Elapsed);
        }

        /// <summary>Every error as "file(line,col): error CSxxxx: message" followed by the numbered source lines around it.</summary>
        public static string FormatErrors(IReadOnlyList<Diagnostic> errors, int totalDiagnostics)
        {
            var sb = new StringBuilder();
            sb.Append("The C# compiler reported ").Append(errors.Count).Append(" error(s)")
              .Append(totalDiagnostics > errors.Count ? $" ({totalDiagnostics - errors.Count} other diagnostic(s) not shown)" : "")
              .AppendLine(":");
            for (int i = 0; i < errors.Count; i++)
            {
                Diagnostic d = errors[i];
                sb.AppendLine();
                sb.AppendLine(d.ToString());
                if (i < MaxQuotedErrors) AppendContext(sb, d);
            }
            if (errors.Count > MaxQuotedErrors)
            {
                sb.AppendLine().Append("(source lines quoted for the first ").Append(MaxQuotedErrors).AppendLine(" errors only)");
            }
            return sb.ToString();
        }

        private static void AppendContext(StringBuilder sb, Diagnostic d)
        {
            if (!d.Location.IsInSource || d.Location.SourceTree is null) return;
            SourceText text = d.Location.SourceTree.GetText();
            FileLinePositionSpan span = d.Location.GetLineSpan();
            int errorLine = span.StartLinePosition.Line;
            int first = Math.Max(0, errorLine - ContextLines);
            int last = Math.Min(text.Lines.Count - 1, span.EndLinePosition.Line + ContextLines);
            int width = (last + 1).ToString(CultureInfo.InvariantCulture).Length;
            for (int line = first; line <= last; line++)
            {
                string content = text.Lines[line].ToString();
                int column = line == errorLine ? span.StartLinePosition.Character : 0;
                bool marked = line >= errorLine && line <= span.EndLinePosition.Line;
                string shown = Clip(content, column, out int shift);
                sb.Append(marked ? "  > " : "    ")
                  .Append((line + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width))
                  .Append(" | ").AppendLine(shown);
                if (line == errorLine)
                {
                    int caret = Math.Max(0, column - shift);
                    sb.Append("    ").Append(' ', width).Append(" | ").Append(' ', caret).AppendLine("^");
                }
            }
        }

        /// <summary>Cuts a long line to a window around <paramref name="column"/>; <paramref name="shift"/> is how many characters were cut on the left (including the "..." marker offset).</summary>
        private static string Clip(string line, int column, out int shift)
        {
            shift = 0;
            if (line.Length <= MaxQuotedLineChars) return line;
            int start = Math.Max(0, Math.Min(column - MaxQuotedLineChars / 2, line.Length - MaxQuotedLineChars));
            string window = line.Substring(start, MaxQuotedLineChars);
            string prefix = start > 0 ? "..." : "";
            string suffix = start + MaxQuotedLineChars < line.Length ? "..." : "";
            shift = start - prefix.Length;
            return prefix + window + suffix;
        }

        private static string CacheKey(IReadOnlyList<SourceFile> sources, string cacheTag)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            void Add(string s)
            {
                hash.AppendData(Encoding.UTF8.GetBytes(s));
                hash.AppendData(new byte[] { 0 });
            }
            Add(cacheTag);
            foreach (var source in sources)
            {
                Add(source.Name);
                Add(source.Text);
            }
            return Convert.ToHexString(hash.GetHashAndReset());
        }

        private static ImmutableArray<MetadataReference> LoadReferences()
        {
            string tpa = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string
                ?? throw new InvalidOperationException("TRUSTED_PLATFORM_ASSEMBLIES is not set: not running on .NET (Core)?");
            return tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && File.Exists(p))
                .OrderBy(p => p, StringComparer.Ordinal)
                .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
                .ToImmutableArray();
        }

        private static IEnumerable<string> PreprocessorSymbols()
        {
            yield return "RELEASE";
            yield return "NET";
            yield return "NETCOREAPP";
            int major = Environment.Version.Major;
            for (int v = 5; v <= major; v++)
            {
                yield return $"NET{v}_0_OR_GREATER";
            }
            yield return $"NET{major}_0";
            for (int v = 1; v <= 3; v++)
            {
                yield return $"NETCOREAPP{v}_0_OR_GREATER";
            }
            yield return "NETCOREAPP3_1_OR_GREATER";
        }
    }
}
