using System;
using System.Collections.Generic;
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

                GraphSizeCheck.Run(model.Graph!);
                var graph = GraphBuilder.Build(model, cancellationToken);
                FuseDenseEpilogue.Run(graph);
                FoldBatchNorm.Run(graph);
                FuseDenseEpilogue.Run(graph);
                FuseConvActivation.Run(graph);
                RemoveDeadFilters.Run(graph);
                RemoveDeadNeurons.Run(graph);
                var overrides = ParseLayerKernels(options.LayerKernels);
                var plans = new Dictionary<DenseOp, LayerPlan>();
                for (int i = 0; i < graph.Ops.Count; i++)
                    if (graph.Ops[i] is DenseOp dense)
                        plans[dense] = KernelPlanner.Plan(dense, overrides.TryGetValue(i, out var forced) ? forced : options.Kernel);
                foreach (int layer in overrides.Keys)
                    if (layer >= graph.Ops.Count || graph.Ops[layer] is not DenseOp)
                        throw new ModelCompileException(DiagnosticIds.InvalidOptions, $"LayerKernels names layer {layer}, which is not a layer with weights (see the generated file's layer table)");
                var buffers = BufferPlan.Create(graph);
                cancellationToken.ThrowIfCancellationRequested();
                var emitter = new ModelEmitter(graph, options, buffers, plans);
                string source = emitter.Emit(cancellationToken);
                var diagnostics = new List<PcgDiagnostic> { Summary(options, graph, plans) };
                if (BuildCost.Check(emitter.DataSize, options) is PcgDiagnostic slow) diagnostics.Add(slow);
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

        /// <summary>"0=dense;2=sparse" → {0: DenseSimd, 2: SparseRows}.</summary>
        private static Dictionary<int, KernelChoice> ParseLayerKernels(string text)
        {
            var result = new Dictionary<int, KernelChoice>();
            foreach (var part in text.Split(new[] { ';', ',' }, StringSplitOptions.RemoveEmptyEntries))
            {
                var pieces = part.Split('=');
                if (pieces.Length != 2 || !int.TryParse(pieces[0].Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int layer) ||
                    CompileOptions.ParseKernel(pieces[1]) is not KernelChoice kernel || result.ContainsKey(layer))
                    throw new ModelCompileException(DiagnosticIds.InvalidOptions,
                        $"LayerKernels entry '{Text.Quote(part)}' is not LAYER=KERNEL with a layer number used once and a kernel among auto, dense, block, sparse, unrolled");
                result[layer] = kernel;
            }
            return result;
        }

        /// <summary>The planner's choices as an info diagnostic, visible in the IDE and with detailed build output.</summary>
        private static PcgDiagnostic Summary(CompileOptions options, IrGraph graph, Dictionary<DenseOp, LayerPlan> plans)
        {
            var layers = graph.Ops.Select((op, i) => op is DenseOp d
                ? string.Format(System.Globalization.CultureInfo.InvariantCulture, "{0}: {1}->{2} {3:0.#}% sparse, {4} ~{5:0.#} ns",
                    i, d.K, d.N, (1 - plans[d].Density) * 100, plans[d].KernelName, plans[d].ChosenCostNs)
                : null).Where(s => s != null);
            string target = options.Namespace.Length > 0 ? options.Namespace + "." + options.ClassName : options.ClassName;
            return new PcgDiagnostic(DiagnosticIds.ModelSummary, PcgSeverity.Info, "Model compiled",
                string.Format(System.Globalization.CultureInfo.InvariantCulture, "{0} -> {1}: {2} ops; dense layers [{3}]",
                    Text.Quote(options.ModelFileName), target, graph.Ops.Count, string.Join("; ", layers)));
        }

        private static CompileResult Fail(string id, string title, string message) =>
            new CompileResult(null, new[] { new PcgDiagnostic(id, PcgSeverity.Error, title, message) });

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
