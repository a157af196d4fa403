using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Emitting;
using PrunedCodegen.Graph;
using PrunedCodegen.Onnx;
using PrunedCodegen.Passes;
using PrunedCodegen.Planning;

namespace PrunedCodegen
{
    /// <summary>
    /// The whole pipeline: ONNX bytes → reader → graph IR → passes → planner → emitter. Never throws
    /// except for cancellation: every failure is returned as a diagnostic.
    /// </summary>
    public static class ModelCompiler
    {
        /// <summary>The shared runtime kernels that generated models call; added once per compilation.</summary>
        public static string KernelsSource => LazyKernels.Value;

        /// <summary>
        /// <see cref="KernelsSource"/>, with <c>[SkipLocalsInit]</c> on the kernels class when <paramref name="skipLocalsInit"/>
        /// (see <see cref="CompileOptions.SkipLocalsInit"/>: it needs unsafe code allowed in the consumer's project).
        /// </summary>
        public static string KernelsSourceFor(bool skipLocalsInit) => skipLocalsInit ? LazyKernelsSkipLocalsInit.Value : LazyKernels.Value;

        /// <summary>The hint name under which <see cref="KernelsSource"/> is added.</summary>
        public const string KernelsHintName = "PrunedCodegen.Kernels.g.cs";

        /// <summary>Kernels.cs first, then the other runtime files (each a part of the same partial class) in name order.</summary>
        private static readonly Lazy<string> LazyKernels = new Lazy<string>(() =>
        {
            const string prefix = "PrunedCodegen.Runtime.", main = prefix + "Kernels.cs";
            var assembly = typeof(ModelCompiler).Assembly;
            var names = assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n != main)
                .OrderBy(n => n, StringComparer.Ordinal);
            var parts = new[] { main }.Concat(names).Select(name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)
                    ?? throw new InvalidOperationException("the kernels resource is missing from PrunedCodegen.Core");
                using var reader = new StreamReader(stream);
                return reader.ReadToEnd().Replace("\r\n", "\n");
            });
            // The kernels carry the same version as the models that call them.
            return string.Join("\n", parts).Replace("$(PrunedCodegenVersion)", ModelEmitter.GeneratorVersion);
        });

        private static readonly Lazy<string> LazyKernelsSkipLocalsInit = new Lazy<string>(() =>
        {
            const string declaration = "    internal static partial class Kernels\n";
            string source = LazyKernels.Value;
            int at = source.IndexOf(declaration, StringComparison.Ordinal);
            if (at < 0) throw new InvalidOperationException("the kernels class declaration is missing from the kernels source");
            return source.Insert(at, "    " + ModelEmitter.SkipLocalsInitAttribute + "\n");
        });

        public static CompileResult Compile(byte[] onnx, CompileOptions options, CancellationToken cancellationToken = default)
        {
            string file = Text.Quote(options.ModelFileName);
            try
            {
                if (!Identifiers.IsValid(options.ClassName))
                    return Fail(DiagnosticIds.InvalidOptions, "Invalid PrunedModel options", $"{file}: ClassName '{Text.Quote(options.ClassName)}' is not a valid C# identifier");
                if (options.Namespace.Length > 0 && !Identifiers.IsValidNamespace(options.Namespace))
                    return Fail(DiagnosticIds.InvalidOptions, "Invalid PrunedModel options", $"{file}: Namespace '{Text.Quote(options.Namespace)}' is not a valid C# namespace");
                if (onnx.Length == 0)
                    return Fail(DiagnosticIds.EmptyFile, "Empty model file", $"{file}: the file is empty");

                OnnxModel model;
                try
                {
                    model = OnnxReader.Read(onnx);
                }
                catch (OnnxFormatException e)
                {
                    const string readerPrefix = "not an ONNX model: ";
                    string reason = e.Message.StartsWith(readerPrefix, StringComparison.Ordinal) ? e.Message.Substring(readerPrefix.Length) : e.Message;
                    return Fail(DiagnosticIds.MalformedModel, "Not a valid ONNX model", $"{file}: not a valid ONNX model: {reason}");
                }
                cancellationToken.ThrowIfCancellationRequested();

                var (graph, plan) = Prepare(model, options, cancellationToken);
                cancellationToken.ThrowIfCancellationRequested();
                var emitter = new ModelEmitter(graph, options, plan);
                string source = emitter.Emit(cancellationToken);
                var diagnostics = new List<PcgDiagnostic> { Summary(options, graph, plan) };
                if (BuildCost.Check(emitter.DataSize, options) is PcgDiagnostic slow) diagnostics.Add(slow);
                if (NewerOpsetWarning(graph, options) is PcgDiagnostic newer) diagnostics.Add(newer);
                return new CompileResult(source, diagnostics);
            }
            catch (ModelCompileException e)
            {
                return Fail(e.Id, TitleOf(e.Id), $"{file}: {e.Message}");
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception e)
            {
                // A bug of ours, not of the model: say so, and keep the compiler running.
                return Fail(DiagnosticIds.InternalError, "PrunedCodegen internal error",
                    $"{file}: internal error {e.GetType().Name}: {Text.Quote(e.Message)}; please report it with the model");
            }
        }

        /// <summary>
        /// The pipeline up to emission: graph IR from the model, the passes (BatchNorm folding, epilogue fusion, dead
        /// filter and neuron removal), then the planning stage. Shared by <see cref="Compile"/> and <c>pcg inspect</c>, so
        /// that what inspect reports is what the generator will emit. Throws <see cref="ModelCompileException"/>.
        /// </summary>
        internal static (IrGraph Graph, ModelPlan Plan) Prepare(OnnxModel model, CompileOptions options, CancellationToken cancellationToken = default)
        {
            GraphSizeCheck.Run(model.Graph!);
            var graph = GraphBuilder.Build(model, cancellationToken);
            FuseQuantizeDequantize.Run(graph);
            FuseDenseEpilogue.Run(graph);
            FoldBatchNorm.Run(graph);
            FuseDenseEpilogue.Run(graph);
            FuseConvActivation.Run(graph);
            RemoveDeadFilters.Run(graph);
            RemoveDeadNeurons.Run(graph);
            cancellationToken.ThrowIfCancellationRequested();
            return (graph, ModelPlanner.Plan(graph, options, cancellationToken));
        }

        /// <summary>The planner's choices as an info diagnostic, visible in the IDE and with detailed build output.</summary>
        private static PcgDiagnostic Summary(CompileOptions options, IrGraph graph, ModelPlan plan)
        {
            var layers = graph.Ops.Select((op, i) => op switch
            {
                DenseOp d => string.Format(CultureInfo.InvariantCulture, "{0}: {1}->{2} {3:0.#}% sparse, {4} ~{5:0.#} ns",
                    i, d.K, d.N, (1 - plan.Dense[d].Density) * 100, plan.Dense[d].KernelName, plan.Dense[d].ChosenCostNs),
                ConvOp c when plan.Conv.TryGetValue(c, out var cp) => string.Format(CultureInfo.InvariantCulture, "{0}: conv {1}->{2} {3}, {4:0.#}% sparse, {5} ~{6:0.#} ns",
                    i, c.Geometry.InChannels, c.Geometry.OutChannels, c.Geometry.Spatial(c.Geometry.Kernel),
                    c.Weights!.Length == 0 ? 0 : 100.0 * (1 - (double)cp.NonzeroTaps / c.Weights.Length), cp.KernelName, cp.ChosenCostNs),
                _ => null,
            }).Where(s => s != null);
            string target = options.Namespace.Length > 0 ? options.Namespace + "." + options.ClassName : options.ClassName;
            double total = graph.Ops.Sum(op => plan.EstimatedNs(op) ?? 0);
            return new PcgDiagnostic(DiagnosticIds.ModelSummary, PcgSeverity.Info, "Model compiled",
                string.Format(CultureInfo.InvariantCulture, "{0} -> {1}: {2} ops, ~{3:0.#} ns per sample estimated; layers with weights [{4}]",
                    Text.Quote(options.ModelFileName), target, graph.Ops.Count, total, string.Join("; ", layers)));
        }

        private static CompileResult Fail(string id, string title, string message) =>
            new CompileResult(null, new[] { new PcgDiagnostic(id, PcgSeverity.Error, title, message) });

        /// <summary>
        /// PCG0023 for a model importing an opset newer than this release knows. The ops are compiled as their newest
        /// known version defines them, which is right for every op that did not change; the warning names the gap so a
        /// user can check the results (or re-export with a known opset) instead of trusting them silently.
        /// </summary>
        private static PcgDiagnostic? NewerOpsetWarning(IrGraph graph, CompileOptions options)
        {
            if (graph.OpsetVersion <= ModelLimits.NewestKnownOpset) return null;
            return new PcgDiagnostic(DiagnosticIds.NewerOpset, PcgSeverity.Warning, "Model uses a newer ONNX opset",
                string.Format(CultureInfo.InvariantCulture,
                    "{0}: the model imports ONNX opset {1}, newer than the newest this version of PrunedCodegen knows ({2}; opsets 6 to {2} are supported); " +
                    "every op is compiled as opset {2} defines it, so an op that changed after opset {2} may compute something else: " +
                    "check the results against ONNX Runtime, re-export with opset {2} or older, or update PrunedCodegen",
                    Text.Quote(options.ModelFileName), graph.OpsetVersion, ModelLimits.NewestKnownOpset));
        }

        private static string TitleOf(string id) => id switch
        {
            DiagnosticIds.MalformedModel => "Not a valid ONNX model",
            DiagnosticIds.UnsupportedOp => "Unsupported ONNX operator",
            DiagnosticIds.UnsupportedDataType => "Unsupported data type",
            DiagnosticIds.UnknownShape => "Shape not known at build time",
            DiagnosticIds.ExternalData => "External tensor data not supported",
            DiagnosticIds.TensorTooLarge => "Tensor too large or invalid dims",
            DiagnosticIds.WeightsTooLarge => "Model weights too large",
            DiagnosticIds.GraphTooLarge => "Graph too large",
            DiagnosticIds.InvalidNode => "Invalid ONNX node",
            DiagnosticIds.InvalidOptions => "Invalid PrunedModel options",
            _ => "PrunedCodegen error",
        };
    }
}
