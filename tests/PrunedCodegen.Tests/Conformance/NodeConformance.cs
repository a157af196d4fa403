using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Graph;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;

namespace PrunedCodegen.Tests.Conformance
{
    public enum NodeOutcomeKind
    {
        /// <summary>Compiled, ran, and every output matched within tolerance.</summary>
        Passed,
        /// <summary>Wrong output, non-compiling or warning-producing C#, a contract violation, or an unexpected diagnostic.</summary>
        Failed,
        /// <summary>Compile returned no source and an error whose Id says "unsupported" (PCG0004/5/6/9).</summary>
        Unsupported,
        /// <summary>An exception escaped ModelCompiler.Compile.</summary>
        Crashed,
    }

    /// <summary>What happened to one node-test folder. <see cref="ExpectedToPass"/>: its ops and types are in the supported core.</summary>
    public sealed record NodeOutcome(string Folder, NodeOutcomeKind Kind, bool ExpectedToPass, string OpsKey, string Detail);

    /// <summary>
    /// Runs one ONNX backend node test through the product: ModelCompiler.Compile (int64 inputs frozen into
    /// initializers first), in-memory C# compile of all generated sources, Predict and PredictBatch, comparison
    /// with the expected outputs. Outcomes are cached for the test run (the per-folder theory and the summary share them).
    /// </summary>
    public static class NodeConformance
    {
        public const float Atol = 1e-4f;
        public const float Rtol = 1e-4f;
        public const string ClassName = "Model";
        public const string Namespace = "NodeTests";
        public const string ModelFileName = "model.onnx";

        /// <summary>
        /// Ops the product claims to support (the list its PCG0004 message names): a folder using only these, with float
        /// data, must pass.
        /// </summary>
        public static IReadOnlyCollection<string> SupportedOps { get; } = new HashSet<string>(GraphBuilder.SupportedOps.Concat(GraphBuilder.ConvolutionalOps), StringComparer.Ordinal);

        /// <summary>Diagnostic ids that make a refusal count as "unsupported" rather than "failed".</summary>
        public static readonly IReadOnlyCollection<string> UnsupportedIds = new HashSet<string>(StringComparer.Ordinal)
        {
            DiagnosticIds.UnsupportedOp, DiagnosticIds.UnsupportedDataType, DiagnosticIds.UnknownShape, DiagnosticIds.InvalidNode,
        };

        /// <summary>(op, input index) slots where an int64 input is a shape parameter (shape, axes, pads, ...).</summary>
        private static readonly HashSet<(string Op, int Index)> s_shapeSlots = new HashSet<(string, int)>
        {
            ("Reshape", 1), ("Expand", 1), ("Tile", 1), ("ConstantOfShape", 0), ("Squeeze", 1), ("Unsqueeze", 1),
            ("Pad", 1), ("Pad", 3), ("Slice", 1), ("Slice", 2), ("Slice", 3), ("Slice", 4), ("Split", 1),
            ("ReduceSum", 1), ("ReduceMax", 1), ("ReduceMin", 1), ("ReduceMean", 1), ("ReduceProd", 1),
            ("Resize", 3), ("TopK", 1),
        };

        /// <summary>
        /// (op, input index) slots where a float input is a build-time parameter: Resize's roi and scales (scales at 1 in
        /// opset 10), Upsample's scales. A model holds them as initializers; the tests pass them as inputs.
        /// </summary>
        private static readonly HashSet<(string Op, int Index)> s_floatParameterSlots = new HashSet<(string, int)>
        {
            ("Resize", 1), ("Resize", 2), ("Upsample", 1),
        };

        /// <summary>
        /// Folders of supported ops that use a mode the product declines on purpose (with PCG0004): BatchNormalization
        /// in training mode computes batch statistics and running averages; the product compiles inference graphs.
        /// </summary>
        private static readonly HashSet<string> s_outOfScope = new HashSet<string>(StringComparer.Ordinal)
        {
            "test_batchnorm_epsilon_training_mode", "test_batchnorm_example_training_mode",
            // Range over run-time float inputs: the output's length depends on the input values, which a static-shape
            // compiler cannot know (PCG0006; Range over build-time constants is folded and tested in ShapeSubgraphModelTests).
            "test_range_float_type_positive_delta",
            // ConstantOfShape of its only input: frozen into a constant (it is a shape parameter), the model has no
            // run-time input left and nothing to predict from (PCG0009).
            "test_constantofshape_float_ones",
        };

        private static readonly ConcurrentDictionary<string, Lazy<NodeOutcome>> s_outcomes =
            new ConcurrentDictionary<string, Lazy<NodeOutcome>>(StringComparer.Ordinal);

        public static NodeOutcome Run(string folder) =>
            s_outcomes.GetOrAdd(folder, f => new Lazy<NodeOutcome>(() => RunUncached(f), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

        /// <summary>
        /// True when every op of the folder (INDEX.tsv) is supported, every output is float, and every input is float or
        /// an int64 shape parameter.
        /// </summary>
        public static bool IsExpectedToPass(NodeTestCase testCase)
        {
            if (s_outOfScope.Contains(testCase.Name)) return false;
            NodeIndexEntry? entry = testCase.Index;
            if (entry is null || entry.Ops.Count == 0 || !entry.Ops.All(SupportedOps.Contains)) return false;
            OnnxGraph? graph = OnnxReader.Read(testCase.Model).Graph;
            if (!entry.Outputs.All(v => v.Type == "float" || (v.Type == "int64" && graph != null && IsIndexOutput(graph, v.Name)))) return false;
            if (entry.Inputs.All(v => v.Type == "float")) return true;
            if (!entry.Inputs.All(v => v.Type == "float" || v.Type == "int64")) return false;
            return graph != null && entry.Inputs.Where(v => v.Type == "int64").All(v => IsShapeParameter(graph, v.Name));
        }

        /// <summary>
        /// True when a graph input (other than an int64 shape parameter) or output is not float: Compile must refuse the
        /// folder with <see cref="DiagnosticIds.UnsupportedDataType"/>, whatever its ops.
        /// </summary>
        public static bool HasNonFloatValues(NodeTestCase testCase)
        {
            NodeIndexEntry? entry = testCase.Index;
            if (entry is null) return !testCase.IsDataReadable;
            OnnxGraph? graph = OnnxReader.Read(testCase.Model).Graph;
            if (entry.Outputs.Any(v => v.Type != "float" && !(v.Type == "int64" && graph != null && IsIndexOutput(graph, v.Name)))) return true;
            if (entry.Inputs.All(v => v.Type == "float")) return false;
            if (!entry.Inputs.All(v => v.Type == "float" || v.Type == "int64")) return true;
            return graph == null || !entry.Inputs.Where(v => v.Type == "int64").All(v => IsShapeParameter(graph, v.Name));
        }

        /// <summary>The float inputs of the folder that only feed <see cref="s_floatParameterSlots"/> (frozen into initializers).</summary>
        public static IReadOnlyCollection<string> FloatParameterInputs(NodeTestCase testCase)
        {
            if (!testCase.IsDataReadable || !testCase.Inputs.Any(t => t.ElementType == OnnxDataType.Float)) return Array.Empty<string>();
            OnnxGraph? graph = OnnxReader.Read(testCase.Model).Graph;
            if (graph == null) return Array.Empty<string>();
            return testCase.Inputs.Where(t => t.ElementType == OnnxDataType.Float).Select(t => t.Name).Where(name =>
            {
                var uses = graph.Nodes.SelectMany(n => n.Inputs.Select((input, i) => (n.OpType, input, i))).Where(u => u.input == name).ToList();
                return uses.Count > 0 && uses.All(u => s_floatParameterSlots.Contains((u.OpType, u.i)));
            }).ToList();
        }

        /// <summary>
        /// True when a graph output is the int64 indices output of ArgMax, ArgMin or TopK (output 1), directly or through
        /// views (Identity, Reshape, Flatten, Squeeze, Unsqueeze, Dropout): the outputs the product returns as <c>Span&lt;long&gt;</c>.
        /// </summary>
        public static bool IsIndexOutput(OnnxGraph graph, string output)
        {
            string[] views = { "Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Dropout" };
            for (int steps = 0; steps <= graph.Nodes.Count; steps++)
            {
                OnnxNode? node = graph.Nodes.FirstOrDefault(n => n.Outputs.Contains(output));
                if (node is null) return false;
                int index = node.Outputs.IndexOf(output);
                if ((node.OpType is "ArgMax" or "ArgMin" && index == 0) || (node.OpType == "TopK" && index == 1)) return true;
                if (index != 0 || !views.Contains(node.OpType) || node.Inputs.Count == 0) return false;
                output = node.Inputs[0];
            }
            return false;
        }

        private static bool IsShapeParameter(OnnxGraph graph, string input)
        {
            var uses = graph.Nodes.SelectMany(n => n.Inputs.Select((name, i) => (n.OpType, name, i))).Where(u => u.name == input).ToList();
            return uses.Count > 0 && uses.All(u => s_shapeSlots.Contains((u.OpType, u.i)));
        }

        public static string OpsKey(NodeTestCase testCase) =>
            testCase.Index is { } entry && entry.Ops.Count > 0 ? string.Join("+", entry.Ops) : "(not in INDEX.tsv)";

        private static NodeOutcome RunUncached(string folder)
        {
            NodeTestCase testCase = NodeTestCase.Load(folder);
            bool expected = IsExpectedToPass(testCase);
            string ops = OpsKey(testCase);
            NodeOutcome Outcome(NodeOutcomeKind kind, string detail) => new NodeOutcome(folder, kind, expected, ops, detail);

            byte[] model;
            IReadOnlyCollection<string> floatParameters = FloatParameterInputs(testCase);
            try
            {
                // int64 inputs that only feed shape slots (Reshape's shape, Pad's pads, ...) become initializers, as a user's
                // model would hold them; any other non-float input stays an input, which Compile must refuse with PCG0005.
                // Float inputs that are build-time parameters (Resize's scales and roi) become initializers too.
                model = testCase.IsDataReadable && (testCase.HasInt64Inputs || floatParameters.Count > 0) && !HasNonFloatValues(testCase)
                    ? testCase.ModelWithInt64InputsAsInitializers(floatParameters) : testCase.Model;
            }
            catch (Exception e)
            {
                return Outcome(NodeOutcomeKind.Failed, "test harness: could not move the int64 inputs into initializers: " + e);
            }

            CompileResult result;
            try
            {
                result = ModelCompiler.Compile(model, new CompileOptions(ClassName, Namespace, ModelFileName));
            }
            catch (Exception e)
            {
                return Outcome(NodeOutcomeKind.Crashed, "an exception escaped ModelCompiler.Compile: " + e);
            }

            var errors = result.Diagnostics.Where(d => d.Severity == PcgSeverity.Error).ToList();
            string diagnostics = string.Join(Environment.NewLine, result.Diagnostics.Select(d => "  " + d));
            if (!result.Succeeded)
            {
                if (errors.Count == 0 || !errors.All(d => UnsupportedIds.Contains(d.Id)))
                    return Outcome(NodeOutcomeKind.Failed, "Compile returned no source without an 'unsupported' error:" + Environment.NewLine + diagnostics);
                // A model whose opset predates the oldest supported one is refused before any op or type is looked at.
                bool opsetTooOld = errors.Any(d => d.Id == DiagnosticIds.UnsupportedOp && d.Message.Contains("older than the oldest supported opset"));
                if (HasNonFloatValues(testCase) && !opsetTooOld && !errors.Any(d => d.Id == DiagnosticIds.UnsupportedDataType))
                    return Outcome(NodeOutcomeKind.Failed,
                        $"the folder has non-float values, but Compile refused it without {DiagnosticIds.UnsupportedDataType}:" + Environment.NewLine + diagnostics);
                return Outcome(NodeOutcomeKind.Unsupported, diagnostics);
            }
            if (errors.Count > 0)
            {
                return Outcome(NodeOutcomeKind.Failed, "Compile returned source together with errors:" + Environment.NewLine + diagnostics);
            }
            if (!testCase.IsDataReadable)
            {
                return Outcome(NodeOutcomeKind.Failed, $"Compile accepted the model, but its values are not float tensors ({testCase.UnreadableReason}); expected PCG0005.");
            }

            var inputs = testCase.NonInt64Inputs.Where(t => !floatParameters.Contains(t.Name)).ToList();
            OnnxGraph? onnxGraph = OnnxReader.Read(testCase.Model).Graph;
            var nonFloat = inputs.Where(t => t.ElementType != OnnxDataType.Float)
                .Concat(testCase.Outputs.Where(t => t.ElementType != OnnxDataType.Float && !(t.ElementType == OnnxDataType.Int64 && onnxGraph != null && IsIndexOutput(onnxGraph, t.Name))))
                .ToList();
            if (nonFloat.Count > 0)
            {
                return Outcome(NodeOutcomeKind.Failed,
                    $"Compile accepted a model with non-float values ({string.Join(", ", nonFloat)}); expected {DiagnosticIds.UnsupportedDataType}.");
            }

            try
            {
                return Execute(testCase, result.Source!, inputs, Outcome);
            }
            catch (InMemoryCompilationException e)
            {
                return Outcome(NodeOutcomeKind.Failed, "the generated C# does not compile: " + e.Message);
            }
            catch (Exception e)
            {
                return Outcome(NodeOutcomeKind.Failed, "running the generated code failed: " + e);
            }
        }

        private static NodeOutcome Execute(NodeTestCase testCase, string source, IReadOnlyList<NodeTensor> inputs,
            Func<NodeOutcomeKind, string, NodeOutcome> outcome)
        {
            var model = GeneratedModel.Load(new[] { source, ModelCompiler.KernelsSource }, Namespace + "." + ClassName);
            if (model.Warnings.Count > 0)
            {
                return outcome(NodeOutcomeKind.Failed, "the generated C# compiles with warnings:" + Environment.NewLine + model.Compiled.FormatWarnings());
            }

            string signature = $"inputs [{string.Join(", ", model.InputLengths)}], outputs [{string.Join(", ", model.OutputLengths)}]";
            bool inputsMatch = model.InputCount == inputs.Count && inputs.Select((t, i) => t.ElementCount == model.InputLengths[i]).All(ok => ok);
            bool outputsMatch = model.OutputCount == testCase.Outputs.Count &&
                testCase.Outputs.Select((t, i) => t.ElementCount == model.OutputLengths[i]).All(ok => ok);
            if (!inputsMatch || !outputsMatch)
            {
                return outcome(NodeOutcomeKind.Failed,
                    $"the generated signature ({signature}) does not match the data set (inputs {string.Join(", ", inputs)}; outputs {string.Join(", ", testCase.Outputs)}).");
            }

            for (int k = 0; k < testCase.Outputs.Count; k++)
            {
                bool expectInt64 = testCase.Outputs[k].ElementType == OnnxDataType.Int64;
                if (model.OutputIsInt64[k] != expectInt64)
                {
                    return outcome(NodeOutcomeKind.Failed,
                        $"output {k} '{testCase.Outputs[k].Name}' is {testCase.Outputs[k].ElementType} but Predict takes a Span<{(model.OutputIsInt64[k] ? "long" : "float")}> for it.");
                }
            }

            float[][] data = inputs.Select(t => t.Floats!).ToArray();
            var problems = new List<string>();
            var actual = model.PredictTyped(data);
            Compare(testCase, actual, 1, "Predict", problems);

            // Two copies of the sample through PredictBatch must give the same answer for each copy.
            const int batch = 2;
            var batched = model.PredictBatchTyped(batch, data.Select(d => Repeat(d, batch)).ToArray());
            Compare(testCase, batched, batch, "PredictBatch(2 samples)", problems);

            return problems.Count == 0
                ? outcome(NodeOutcomeKind.Passed, signature)
                : outcome(NodeOutcomeKind.Failed, string.Join(Environment.NewLine, problems));
        }

        private static void Compare(NodeTestCase testCase, (float[]?[] Floats, long[]?[] Longs) actual, int batch, string what, List<string> problems)
        {
            for (int k = 0; k < testCase.Outputs.Count; k++)
            {
                NodeTensor expected = testCase.Outputs[k];
                if (expected.ElementType == OnnxDataType.Int64)
                {
                    // Indices are exact: no tolerance.
                    long[] want = Enumerable.Range(0, batch).SelectMany(_ => expected.Int64s!).ToArray();
                    long[] got = actual.Longs[k]!;
                    int bad = Enumerable.Range(0, Math.Min(want.Length, got.Length)).FirstOrDefault(i => want[i] != got[i], -1);
                    if (want.Length != got.Length || bad >= 0)
                        problems.Add($"{testCase.Name} {what} int64 output {k} '{expected.Name}': expected [{string.Join(", ", want)}] but got [{string.Join(", ", got)}]");
                    continue;
                }
                string? failure = Tolerance.Compare(Repeat(expected.Floats!, batch), actual.Floats[k]!, Atol, Rtol,
                    $"{testCase.Name} {what} output {k} '{expected.Name}' [{string.Join(", ", expected.Dims)}]",
                    batch == 1 ? expected.Dims : null);
                if (failure != null) problems.Add(failure);
            }
        }

        private static float[] Repeat(float[] data, int times)
        {
            var result = new float[data.Length * times];
            for (int i = 0; i < times; i++) data.CopyTo(result, i * data.Length);
            return result;
        }

        private static readonly System.Text.RegularExpressions.Regex s_diagnosticId =
            new System.Text.RegularExpressions.Regex(@"PCG\d{4}", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        /// <summary>The markdown table of outcomes per op (crashes count as failures) and the closing line.</summary>
        public static string FormatTable(IReadOnlyList<NodeOutcome> outcomes)
        {
            var sb = new StringBuilder();
            sb.Append("| op | passed | failed | unsupported (diagnostic) |\n");
            sb.Append("| --- | ---: | ---: | ---: |\n");
            var rows = outcomes.GroupBy(o => o.OpsKey)
                .OrderBy(g => g.Key.Contains('+') ? 1 : 0)
                .ThenBy(g => g.Key, StringComparer.Ordinal);
            foreach (var g in rows)
            {
                var unsupported = g.Where(o => o.Kind == NodeOutcomeKind.Unsupported).ToList();
                var ids = unsupported.SelectMany(o => s_diagnosticId.Matches(o.Detail).Select(m => m.Value)).Distinct().OrderBy(id => id, StringComparer.Ordinal).ToList();
                string refused = unsupported.Count == 0 ? "0" : $"{unsupported.Count} ({string.Join(", ", ids)})";
                sb.Append(CultureInfo.InvariantCulture,
                    $"| {g.Key} | {g.Count(o => o.Kind == NodeOutcomeKind.Passed)} | {g.Count(o => o.Kind is NodeOutcomeKind.Failed or NodeOutcomeKind.Crashed)} | {refused} |\n");
            }
            sb.Append(CultureInfo.InvariantCulture,
                $"| **total** | {outcomes.Count(o => o.Kind == NodeOutcomeKind.Passed)} | {outcomes.Count(o => o.Kind is NodeOutcomeKind.Failed or NodeOutcomeKind.Crashed)} | {outcomes.Count(o => o.Kind == NodeOutcomeKind.Unsupported)} |\n");
            return sb.ToString();
        }

        public static string SummaryLine(IReadOnlyList<NodeOutcome> outcomes) =>
            string.Create(CultureInfo.InvariantCulture,
                $"conformance: {outcomes.Count(o => o.Kind == NodeOutcomeKind.Passed)} passed / {outcomes.Count} attempted, " +
                $"{outcomes.Count(o => o.Kind == NodeOutcomeKind.Unsupported)} unsupported " +
                $"({outcomes.Count(o => o.Kind == NodeOutcomeKind.Failed)} failed, {outcomes.Count(o => o.Kind == NodeOutcomeKind.Crashed)} crashed)");
    }
}
