using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Emitting;

namespace PrunedCodegen.Generator
{
    /// <summary>
    /// Turns each <c>PrunedModel</c> item (an AdditionalFiles entry with <c>PrunedCodegenModel=true</c>) into a
    /// static class with <c>Predict</c> methods. Pipeline: item + options → bytes and fingerprint →
    /// generated source and diagnostics (pure data) → output.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class PrunedModelGenerator : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            // Whether the consumer's C# has UTF-8 string literals (C# 11+): decides how large arrays are emitted.
            // Reduced to a bool, so that only a language version change regenerates.
            var utf8Literals = context.ParseOptionsProvider
                .Select((options, _) => options is CSharpParseOptions csharp && csharp.LanguageVersion >= LanguageVersion.CSharp11);

            // Whether the consumer allows unsafe code (AllowUnsafeBlocks): only then may generated code carry [SkipLocalsInit]
            // (CS0227 otherwise). Reduced to a bool, so that an edit leaves it Unchanged and the models cached.
            var allowUnsafe = context.CompilationProvider
                .Select((compilation, _) => compilation is CSharpCompilation csharp && csharp.Options.AllowUnsafe)
                .WithTrackingName(TrackingNames.AllowUnsafe);

            var inputs = context.AdditionalTextsProvider
                .Combine(context.AnalyzerConfigOptionsProvider)
                .Combine(utf8Literals)
                .Combine(allowUnsafe)
                .Select((pair, cancellationToken) => ReadModel(pair.Left.Left.Left, pair.Left.Left.Right, pair.Left.Right, pair.Right))
                .Where(input => input != null)
                .Select((input, _) => input!)
                .WithTrackingName(TrackingNames.ModelInputs);

            // How many models the project has: string-literal blobs of all of them share one assembly's string heap
            // (CS8103 past 16 MB), so each gets an equal share. Adding or removing a model regenerates the others.
            var modelCount = inputs.Collect()
                .Select((all, _) => all.Length)
                .WithTrackingName(TrackingNames.ModelCount);

            var results = inputs
                .Combine(modelCount)
                .Select((pair, cancellationToken) => Generate(pair.Left, pair.Right, cancellationToken))
                .WithTrackingName(TrackingNames.Generated);

            // Whether the consumer's target framework has what generated code needs (.NET 8+). Reduced to a bool, so
            // that an edit (a new Compilation each time) leaves this step Unchanged and every cached model output stays
            // cached: the compilation never reaches the per-model steps.
            var targetSupported = context.CompilationProvider
                .Select((compilation, _) => HasGeneratedCodeRequirements(compilation))
                .WithTrackingName(TrackingNames.TargetSupported);

            context.RegisterSourceOutput(results.Collect().Combine(targetSupported).Combine(allowUnsafe),
                (spc, pair) => Emit(spc, pair.Left.Left, pair.Left.Right, pair.Right));
        }

        /// <summary>The generated kernels use <c>Vector512&lt;T&gt;</c>, so they need .NET 8 or newer.</summary>
        internal const string RequiredTypeMetadataName = "System.Runtime.Intrinsics.Vector512`1";

        private static bool HasGeneratedCodeRequirements(Compilation compilation) =>
            // GetTypesByMetadataName, not GetTypeByMetadataName: the latter returns null when two references define the type.
            !compilation.GetTypesByMetadataName(RequiredTypeMetadataName).IsEmpty;

        private static ModelInput? ReadModel(AdditionalText text, AnalyzerConfigOptionsProvider provider, bool utf8Literals, bool allowUnsafe)
        {
            var options = provider.GetOptions(text);
            if (!options.TryGetValue("build_metadata.AdditionalFiles.PrunedCodegenModel", out var flag) ||
                !string.Equals(flag, "true", StringComparison.OrdinalIgnoreCase))
                return null;

            string fileName = Path.GetFileName(text.Path);
            options.TryGetValue("build_metadata.AdditionalFiles.ClassName", out var className);
            options.TryGetValue("build_metadata.AdditionalFiles.Namespace", out var ns);
            if (string.IsNullOrWhiteSpace(className))
                className = Identifiers.Pascal(Path.GetFileNameWithoutExtension(text.Path), "Model");
            if (string.IsNullOrWhiteSpace(ns) && !provider.GlobalOptions.TryGetValue("build_property.RootNamespace", out ns))
                ns = "";
            options.TryGetValue("build_metadata.AdditionalFiles.Kernel", out var kernelText);
            options.TryGetValue("build_metadata.AdditionalFiles.LayerKernels", out var layerKernels);
            var kernel = CompileOptions.ParseKernel(kernelText ?? "");
            var compileOptions = new CompileOptions(className!.Trim(), (ns ?? "").Trim(), fileName)
            {
                Kernel = kernel ?? KernelChoice.Auto,
                LayerKernels = layerKernels ?? "",
                Utf8StringLiterals = utf8Literals,
                SkipLocalsInit = allowUnsafe,
            };
            if (kernel == null)
                return new ModelInput(text.Path, compileOptions, "", new PcgDiagnostic(DiagnosticIds.InvalidOptions, PcgSeverity.Error, "Invalid PrunedModel options",
                    $"{Text.Quote(fileName)}: Kernel '{Text.Quote(kernelText!)}' is not one of auto, dense, block, sparse, unrolled, direct, skipzeros, gemm, sell"));
            return ModelFileReader.Read(text.Path, compileOptions);
        }

        private static GenerationResult Generate(ModelInput input, int modelCount, System.Threading.CancellationToken cancellationToken)
        {
            string hint = (input.Options.Namespace.Length > 0 ? input.Options.Namespace + "." : "") + input.Options.ClassName + ".g.cs";
            if (input.ReadError != null)
                return new GenerationResult(input.Path, hint, null, new[] { input.ReadError });
            // Read again here (only when the fingerprint changed) rather than carrying the bytes between steps: the
            // bytes then live only for this call. Should the file change in between, the next run's fingerprint
            // differs from the cached one and generates again.
            var (bytes, error) = ModelFileReader.ReadBytes(input.Path, input.Options);
            if (bytes == null)
                return new GenerationResult(input.Path, hint, null, new[] { error! });
            var options = input.Options with { StringBlobMaxChars = DataBlob.StringBudgetPerModel(modelCount) };
            var result = ModelCompiler.Compile(bytes, options, cancellationToken);
            return new GenerationResult(input.Path, hint, result.Source, result.Diagnostics);
        }

        private static void Emit(SourceProductionContext context, ImmutableArray<GenerationResult> results, bool targetSupported, bool skipLocalsInit)
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            bool any = false;
            // Ordinal order: output does not depend on the order of AdditionalFiles.
            foreach (var result in results.OrderBy(r => r.HintName, StringComparer.Ordinal).ThenBy(r => r.Path, StringComparer.Ordinal))
            {
                foreach (var d in result.Diagnostics)
                {
                    // Without code, a summary of the code ("model -> class: ...") would only mislead.
                    if (targetSupported || d.Severity != PcgSeverity.Info)
                        context.ReportDiagnostic(ToRoslyn(d, result.Path));
                }
                if (!targetSupported)
                {
                    // Adding the source would only bury this under hundreds of errors about Vector512 and friends.
                    context.ReportDiagnostic(ToRoslyn(UnsupportedTarget(result.Path), result.Path));
                    continue;
                }
                if (result.Source == null) continue;
                if (!seen.Add(result.HintName))
                {
                    context.ReportDiagnostic(ToRoslyn(new PcgDiagnostic(DiagnosticIds.InvalidOptions, PcgSeverity.Error, "Duplicate model class",
                        $"{Text.Quote(Path.GetFileName(result.Path))}: another model already generates the class in '{Text.Quote(result.HintName)}'; set a different ClassName or Namespace"), result.Path));
                    continue;
                }
                context.AddSource(result.HintName, SourceText.From(result.Source, System.Text.Encoding.UTF8));
                any = true;
            }
            if (any)
                context.AddSource(ModelCompiler.KernelsHintName, SourceText.From(ModelCompiler.KernelsSourceFor(skipLocalsInit), System.Text.Encoding.UTF8));
        }

        private static PcgDiagnostic UnsupportedTarget(string path) =>
            new PcgDiagnostic(DiagnosticIds.UnsupportedTargetFramework, PcgSeverity.Error, "Target framework too old for PrunedCodegen",
                $"{Text.Quote(Path.GetFileName(path))}: no code was generated: the generated code needs .NET 8 or newer " +
                "(System.Runtime.Intrinsics.Vector512<T>), which this project's target framework (e.g. netstandard2.0, .NET Framework, net7.0) " +
                "does not have; target net8.0 or newer, or, when multi-targeting, add the PrunedModel item only for net8.0+ " +
                "(a Condition on the item; set EnableDefaultPrunedModelItems=false to stop *.onnx files being added by default)");

        private static Diagnostic ToRoslyn(PcgDiagnostic d, string path)
        {
            var severity = d.Severity switch
            {
                PcgSeverity.Error => DiagnosticSeverity.Error,
                PcgSeverity.Warning => DiagnosticSeverity.Warning,
                _ => DiagnosticSeverity.Info,
            };
            var descriptor = new DiagnosticDescriptor(d.Id, d.Title, "{0}", "PrunedCodegen", severity, isEnabledByDefault: true);
            var location = Location.Create(path, default, new LinePositionSpan(default, default));
            return Diagnostic.Create(descriptor, location, d.Message);
        }
    }
}
