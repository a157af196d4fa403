using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using PrunedCodegen.Graph;
using PrunedCodegen.Planning;

namespace PrunedCodegen.Emitting
{
    /// <summary>
    /// Writes the C# for one compiled model: a static partial class with metadata, Predict, PredictBatch, and
    /// one private method per layer, each with a comment saying what it computes and how.
    /// </summary>
    internal sealed partial class ModelEmitter
    {
        /// <summary>
        /// The version that generated code carries in its header and [GeneratedCode]: this assembly's package version
        /// (VersionPrefix/VersionSuffix), without the "+commit" build metadata so that output does not depend on the checkout.
        /// </summary>
        public static readonly string GeneratorVersion = ReadVersion();

        private static string ReadVersion()
        {
            var attribute = (System.Reflection.AssemblyInformationalVersionAttribute?)System.Attribute.GetCustomAttribute(
                typeof(ModelEmitter).Assembly, typeof(System.Reflection.AssemblyInformationalVersionAttribute));
            string version = attribute?.InformationalVersion ?? "0.0.0";
            int plus = version.IndexOf('+');
            return plus < 0 ? version : version.Substring(0, plus);
        }

        /// <summary>The attribute that <see cref="CompileOptions.SkipLocalsInit"/> puts on the model and kernels classes.</summary>
        public const string SkipLocalsInitAttribute = "[global::System.Runtime.CompilerServices.SkipLocalsInit]";

        /// <summary>Scratch buffers up to this many floats (64 KB) live on the stack; larger ones per thread.</summary>
        public const int MaxStackScratch = 16 * 1024;

        /// <summary>
        /// The runtime kernels, always fully qualified: a using alias would lose to a user namespace or type of the
        /// same name (e.g. a model placed in namespace App.Kernels).
        /// </summary>
        private const string K = "global::PrunedCodegen.Generated.Kernels";

        /// <summary>Numbers per line in emitted data, so that lines stay readable.</summary>
        private const int ValuesPerLine = 8;

        private readonly IrGraph _graph;
        private readonly CompileOptions _options;
        private readonly ModelPlan _plan;
        private readonly BufferPlan _buffers;
        private readonly IReadOnlyDictionary<DenseOp, LayerPlan> _plans;
        private readonly CodeWriter _w = new CodeWriter();
        private readonly string[] _inputParams;
        private readonly string[] _outputParams;
        private readonly string[] _inputLengthNames;
        private readonly string[] _outputLengthNames;
        private readonly BatchPlan? _batch;
        private readonly string _decodeBlobName;

        /// <summary>Renders <paramref name="plan"/> (made by the planning stage for <paramref name="graph"/>): it decides nothing.</summary>
        public ModelEmitter(IrGraph graph, CompileOptions options, ModelPlan plan)
        {
            _graph = graph;
            _options = options;
            _plan = plan;
            _buffers = plan.Buffers;
            _plans = plan.Dense;

            var parameters = new UniqueNames("scratch", "batch", "sample");
            var members = new UniqueNames(
                "InputCount", "OutputCount", "InputLength", "OutputLength", "InputShape", "OutputShape", "InputNames",
                "OutputNames", "InputLengths", "OutputLengths", "Predict", "PredictBatch", options.ClassName);
            _inputParams = graph.Inputs.Select(v => parameters.Take(Identifiers.Camel(v.Name, "input"))).ToArray();
            _outputParams = graph.Outputs.Select(v => parameters.Take(Identifiers.Camel(v.Name, "output"))).ToArray();
            _inputLengthNames = graph.Inputs.Select(v => members.Take(Identifiers.Pascal(v.Name, "Input") + "Length")).ToArray();
            _outputLengthNames = graph.Outputs.Select(v => members.Take(Identifiers.Pascal(v.Name, "Output") + "Length")).ToArray();
            _batch = plan.Batch;
            _decodeBlobName = members.Take("DecodeBlob");
        }

        public string Emit(CancellationToken cancellationToken)
        {
            EmitHeader();
            _w.Line("#nullable enable");
            _w.Line("#pragma warning disable CS1591 // private layer members are explained by comments, not XML docs");
            _w.Line();
            _w.Line("using System;");
            _w.Line("using System.Collections.Generic;");
            _w.Line();
            bool hasNamespace = _options.Namespace.Length > 0;
            if (hasNamespace) _w.Open($"namespace {_options.Namespace}");
            EmitClassDoc();
            _w.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"PrunedCodegen\", \"{GeneratorVersion}\")]");
            if (_options.SkipLocalsInit)
            {
                // Every layer writes its output before the next reads it (scratch slots are reused between layers, samples and
                // calls anyway), so zeroing the stack buffer per call buys nothing.
                _w.Line("// The project allows unsafe code: Predict's stack buffer is not zeroed on every call.");
                _w.Line(SkipLocalsInitAttribute);
            }
            _w.Open($"public static partial class {_options.ClassName}");
            EmitMetadata();
            EmitPredict();
            EmitPredictBatch();
            EmitRun();
            if (_batch != null) EmitRunBatch();
            for (int i = 0; i < _graph.Ops.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                EmitOp(i, _graph.Ops[i]);
                if (_batch != null && i < _batch.BatchedOps) EmitBatchOp(i, _graph.Ops[i]);
            }
            EmitConstants(cancellationToken);
            EmitBlobDecoders();
            _w.Close();
            if (hasNamespace) _w.Close();
            return _w.ToString();
        }

        // ---- header and docs ----

        private void EmitHeader()
        {
            _w.Line("// <auto-generated/>");
            _w.Line($"// PrunedCodegen {GeneratorVersion}: {CSharpLiterals.CommentText(_options.ModelFileName)} compiled to C#. Do not edit: change the model and rebuild.");
            _w.Line($"// Producer: {CSharpLiterals.CommentText((_graph.ProducerName + " " + _graph.ProducerVersion).Trim())}; ONNX opset {I(_graph.OpsetVersion)}; IR version {I(_graph.IrVersion)}; {I(_graph.OnnxNodeCount)} ONNX nodes.");
            _w.Line($"// Batch: {(_graph.IsBatched ? "the leading dim of each input is the batch; Predict computes one sample, PredictBatch many." : "the model has fixed shapes; Predict computes the whole tensor.")}");
            _w.Line("//");
            _w.Line("// Layer  Op                               Output shape      Weights   Nonzero  Sparsity  Kernel");
            for (int i = 0; i < _graph.Ops.Count; i++)
            {
                var op = _graph.Ops[i];
                string weights = "", nonzero = "", sparsity = "", kernel = OpKernelName(op);
                if (op is DenseOp d)
                {
                    var p = _plans[d];
                    weights = I(p.Weights);
                    nonzero = I(p.Nonzeros);
                    sparsity = Percent(1 - p.Density);
                    if (_batch != null && i < _batch.BatchedOps) kernel += $"; batch: {p.BatchKernelName} (~{Ns(p.BatchChosenCostNs)} ns/16 samples)";
                }
                else if (op is ConvOp c && c.Weights != null)
                {
                    weights = I(c.Weights.Length);
                    nonzero = I(ConvNonzeros(c));
                    sparsity = Percent(c.Weights.Length == 0 ? 0 : 1 - (double)ConvNonzeros(c) / c.Weights.Length);
                }
                _w.Line("// " + string.Format(CultureInfo.InvariantCulture, "{0,-6} {1,-32} {2,-17} {3,8} {4,9} {5,9}  {6}",
                    i, Truncate(OpTitle(op), 32), Shapes.Format(op.Output.Shape), weights, nonzero, sparsity, kernel));
            }
        }

        private void EmitClassDoc()
        {
            var dense = _graph.Ops.OfType<DenseOp>().Select(d => _plans[d]).ToList();
            long parameters = _buffers.Constants.Sum(c => (long)c.Count) + dense.Sum(p => (long)p.Weights + (p.Op.Bias?.Length ?? 0));
            long nonzeroParams = _buffers.Constants.Sum(c => (long)c.Data!.Count(v => v != 0f)) + dense.Sum(p => (long)p.Nonzeros + (p.Op.Bias?.Count(v => v != 0f) ?? 0));
            long denseMacs = dense.Sum(p => (long)p.Op.Rows * p.Weights);
            long sparseMacs = dense.Sum(p => (long)p.Op.Rows * p.Nonzeros);
            var conv = ConvStatistics();
            parameters += conv.Parameters; nonzeroParams += conv.Nonzeros; denseMacs += conv.DenseMacs; sparseMacs += conv.SparseMacs;
            _w.Line("/// <summary>");
            _w.Line($"/// The ONNX model <c>{CSharpLiterals.CommentText(_options.ModelFileName)}</c> compiled to C# by PrunedCodegen: {I(_graph.Ops.Count)} layers ({I(dense.Count + conv.Layers)} with weights),");
            _w.Line($"/// {I(parameters)} parameters of which {I(nonzeroParams)} are nonzero; {I(sparseMacs)} multiply-adds per sample ({I(denseMacs)} if dense).");
            _w.Line("/// </summary>");
            _w.Line("/// <remarks>");
            _w.Line("/// Thread-safe and allocation-free: weights are static read-only data and intermediate results live on the");
            _w.Line("/// caller's stack (or, for large models, in a per-thread buffer allocated on the thread's first call).");
            _w.Line("/// </remarks>");
        }

        private void EmitMetadata()
        {
            _w.Line("/// <summary>Number of graph inputs: one <see cref=\"ReadOnlySpan{T}\"/> parameter each.</summary>");
            _w.Line($"public const int InputCount = {I(_graph.Inputs.Count)};");
            _w.Line();
            _w.Line("/// <summary>Number of graph outputs: one <see cref=\"Span{T}\"/> parameter each.</summary>");
            _w.Line($"public const int OutputCount = {I(_graph.Outputs.Count)};");
            _w.Line();
            for (int i = 0; i < _graph.Inputs.Count; i++)
            {
                var v = _graph.Inputs[i];
                _w.Line($"/// <summary>Floats per sample of input <c>{CSharpLiterals.CommentText(v.Name)}</c>, shape {Shapes.Format(v.Shape)}.</summary>");
                _w.Line($"public const int {_inputLengthNames[i]} = {I(v.Count)};");
                _w.Line();
            }
            for (int i = 0; i < _graph.Outputs.Count; i++)
            {
                var v = _graph.Outputs[i];
                _w.Line(v.Root.IsInt64
                    ? $"/// <summary>Class indices (<see cref=\"long\"/>) per sample of output <c>{CSharpLiterals.CommentText(v.Name)}</c>, shape {Shapes.Format(v.Shape)}.</summary>"
                    : $"/// <summary>Floats per sample of output <c>{CSharpLiterals.CommentText(v.Name)}</c>, shape {Shapes.Format(v.Shape)}.</summary>");
                _w.Line($"public const int {_outputLengthNames[i]} = {I(v.Count)};");
                _w.Line();
            }
            if (_graph.Inputs.Count == 1)
            {
                _w.Line("/// <summary>Floats per sample of the input.</summary>");
                _w.Line($"public const int InputLength = {_inputLengthNames[0]};");
                _w.Line();
                _w.Line("/// <summary>Shape of one sample of the input (a symbolic batch dim is 1).</summary>");
                _w.Line($"public static ReadOnlySpan<int> InputShape => {IntArray(_graph.Inputs[0].Shape)};");
                _w.Line();
            }
            if (_graph.Outputs.Count == 1)
            {
                _w.Line(_graph.Outputs[0].Root.IsInt64 ? "/// <summary>Class indices (<see cref=\"long\"/>) per sample of the output.</summary>" : "/// <summary>Floats per sample of the output.</summary>");
                _w.Line($"public const int OutputLength = {_outputLengthNames[0]};");
                _w.Line();
                _w.Line("/// <summary>Shape of one sample of the output (a symbolic batch dim is 1).</summary>");
                _w.Line($"public static ReadOnlySpan<int> OutputShape => {IntArray(_graph.Outputs[0].Shape)};");
                _w.Line();
            }
            _w.Line("/// <summary>Floats per sample of each input, in graph order.</summary>");
            _w.Line($"public static ReadOnlySpan<int> InputLengths => {IntArray(_graph.Inputs.Select(v => v.Count))};");
            _w.Line();
            _w.Line(_graph.Outputs.Any(v => v.Root.IsInt64)
                ? "/// <summary>Elements per sample of each output, in graph order (floats; class indices of type <see cref=\"long\"/> for the int64 outputs).</summary>"
                : "/// <summary>Floats per sample of each output, in graph order.</summary>");
            _w.Line($"public static ReadOnlySpan<int> OutputLengths => {IntArray(_graph.Outputs.Select(v => v.Count))};");
            _w.Line();
            _w.Line("/// <summary>The inputs' names in the ONNX model, in graph order.</summary>");
            _w.Line($"public static IReadOnlyList<string> InputNames {{ get; }} = new string[] {{ {string.Join(", ", _graph.Inputs.Select(v => CSharpLiterals.String(v.Name)))} }};");
            _w.Line();
            _w.Line("/// <summary>The outputs' names in the ONNX model, in graph order.</summary>");
            _w.Line($"public static IReadOnlyList<string> OutputNames {{ get; }} = new string[] {{ {string.Join(", ", _graph.Outputs.Select(v => CSharpLiterals.String(v.Name)))} }};");
            _w.Line();
            _w.Line($"private const int Scratch_Length = {I(_buffers.ScratchLength)};");
            if (_buffers.ScratchLength > MaxStackScratch)
            {
                _w.Line();
                _w.Line("[ThreadStatic] private static float[]? t_scratch;");
            }
            _w.Line();
        }

        // ---- entry points ----

        private string ParameterList() =>
            string.Join(", ", _inputParams.Select(p => "ReadOnlySpan<float> " + p).Concat(_outputParams.Select((p, i) => $"Span<{OutputElementType(i)}> " + p)));

        /// <summary>The C# element type of output <paramref name="i"/>: long for the int64 indices of ArgMax, ArgMin, TopK.</summary>
        private string OutputElementType(int i) => _graph.Outputs[i].Root.IsInt64 ? "long" : "float";

        /// <summary>What output <paramref name="i"/> holds, for docs and messages.</summary>
        private string OutputUnit(int i) => _graph.Outputs[i].Root.IsInt64 ? "int64 indices" : "floats";

        private string ArgumentList(Func<int, string, string, string> input, Func<int, string, string, string> output) =>
            string.Join(", ", _inputParams.Select((p, i) => input(i, p, _inputLengthNames[i])).Concat(_outputParams.Select((p, i) => output(i, p, _outputLengthNames[i]))));

        private void EmitParamDocs(bool batch)
        {
            for (int i = 0; i < _inputParams.Length; i++)
                _w.Line($"/// <param name=\"{_inputParams[i]}\">Input <c>{CSharpLiterals.CommentText(_graph.Inputs[i].Name)}</c>: {(batch ? "a whole number of samples of " : "")}{I(_graph.Inputs[i].Count)} floats{(batch ? " each" : "")}, shape {Shapes.Format(_graph.Inputs[i].Shape)}.</param>");
            for (int i = 0; i < _outputParams.Length; i++)
                _w.Line(_graph.Outputs[i].Root.IsInt64
                    ? $"/// <param name=\"{_outputParams[i]}\">Receives output <c>{CSharpLiterals.CommentText(_graph.Outputs[i].Name)}</c>: class indices of type <see cref=\"long\"/> ({IndexProducer(_graph.Outputs[i])}), {(batch ? "the same number of samples of " : "")}{I(_graph.Outputs[i].Count)} {(batch ? "each" : "per sample")}, shape {Shapes.Format(_graph.Outputs[i].Shape)}.</param>"
                    : $"/// <param name=\"{_outputParams[i]}\">Receives output <c>{CSharpLiterals.CommentText(_graph.Outputs[i].Name)}</c>: {(batch ? "the same number of samples of " : "")}{I(_graph.Outputs[i].Count)} floats{(batch ? " each" : "")}, shape {Shapes.Format(_graph.Outputs[i].Shape)}.</param>");
        }

        private void EmitScratch()
        {
            if (_buffers.ScratchLength == 0)
                _w.Line("Span<float> scratch = default;");
            else if (_buffers.ScratchLength <= MaxStackScratch)
                _w.Line("Span<float> scratch = stackalloc float[Scratch_Length];");
            else
                _w.Line("Span<float> scratch = t_scratch ??= new float[Scratch_Length];");
        }

        private void EmitPredict()
        {
            _w.Line("/// <summary>Runs the model on one sample. Allocates nothing; safe to call from many threads at once.</summary>");
            EmitParamDocs(batch: false);
            _w.Line("/// <exception cref=\"ArgumentException\">A span's length is not the model's per-sample length.</exception>");
            _w.Open($"public static void Predict({ParameterList()})");
            for (int i = 0; i < _inputParams.Length; i++)
                _w.Line($"if ({_inputParams[i]}.Length != {_inputLengthNames[i]}) throw new ArgumentException($\"Input {InterpolatedText(_graph.Inputs[i].Name)} needs {{{_inputLengthNames[i]}}} floats but got {{{_inputParams[i]}.Length}}.\", nameof({_inputParams[i]}));");
            for (int i = 0; i < _outputParams.Length; i++)
                _w.Line($"if ({_outputParams[i]}.Length != {_outputLengthNames[i]}) throw new ArgumentException($\"Output {InterpolatedText(_graph.Outputs[i].Name)} needs {{{_outputLengthNames[i]}}} {OutputUnit(i)} but got {{{_outputParams[i]}.Length}}.\", nameof({_outputParams[i]}));");
            EmitScratch();
            _w.Line($"Run_Sample({ArgumentList((i, p, n) => p, (i, p, n) => p)}, scratch);");
            _w.Close();
            _w.Line();
        }

        private void EmitPredictBatch()
        {
            // The sample count comes from the first span with a nonzero per-sample length.
            var all = _inputParams.Select((p, i) => (Param: p, Length: _inputLengthNames[i], Count: _graph.Inputs[i].Count, Kind: "Input", Name: _graph.Inputs[i].Name, Unit: "floats"))
                .Concat(_outputParams.Select((p, i) => (Param: p, Length: _outputLengthNames[i], Count: _graph.Outputs[i].Count, Kind: "Output", Name: _graph.Outputs[i].Name, Unit: OutputUnit(i))))
                .ToList();
            var first = all.FirstOrDefault(a => a.Count > 0);

            _w.Line("/// <summary>Runs the model on consecutive samples: each span holds the same number of samples back to back.</summary>");
            EmitParamDocs(batch: true);
            _w.Line("/// <exception cref=\"ArgumentException\">A span is not a whole number of samples, or the spans disagree on how many.</exception>");
            _w.Open($"public static void PredictBatch({ParameterList()})");
            if (first.Param == null)
            {
                _w.Line("// Every tensor of this model is empty: there is nothing to compute per sample.");
                _w.Line("Predict(" + ArgumentList((i, p, n) => p, (i, p, n) => p) + ");");
                _w.Close();
                _w.Line();
                return;
            }
            _w.Line($"int batch = {first.Param}.Length / {first.Length};");
            foreach (var a in all)
            {
                string name = InterpolatedText(a.Name);
                _w.Line($"if ({a.Param}.Length != batch * {a.Length}) throw new ArgumentException($\"{a.Kind} {name} needs a multiple of {{{a.Length}}} {a.Unit} matching {{batch}} sample(s) but got {{{a.Param}.Length}}.\", nameof({a.Param}));");
            }
            if (_batch != null)
            {
                _w.Open("if (batch >= 2)");
                _w.Line("// Groups of up to 64 samples through the batch kernels (feature-major activations, vectorised across samples).");
                EmitBatchScratch();
                _w.Line($"Run_Batch({_inputParams[0]}, {_outputParams[0]}, batch, scratchT);");
                _w.Line("return;");
                _w.Close();
            }
            EmitScratch();
            _w.Open("for (int sample = 0; sample < batch; sample++)");
            _w.Line($"Run_Sample({ArgumentList((i, p, n) => $"{p}.Slice(sample * {n}, {n})", (i, p, n) => $"{p}.Slice(sample * {n}, {n})")}, scratch);");
            _w.Close();
            _w.Close();
            _w.Line();
        }

        private void EmitRun()
        {
            _w.Line("/// <summary>One sample through every layer, in order. Spans were validated by the caller.</summary>");
            _w.Open($"private static void Run_Sample({ParameterList()}, Span<float> scratch)");
            for (int i = 0; i < _graph.Ops.Count; i++)
            {
                var op = _graph.Ops[i];
                var args = op switch
                {
                    DenseOp d => new[] { d.Input },
                    _ => op.Inputs.ToArray(),
                };
                _w.Line($"Layer{I(i)}({string.Join(", ", args.Select(Place).Concat(new[] { Place(op.Output) }))});");
            }
            foreach (var (index, source) in _buffers.FinalCopies)
                _w.Line($"{Place(source)}.CopyTo({_outputParams[index]});   // output {CSharpLiterals.CommentText(_graph.Outputs[index].Name)} is a copy");
            _w.Close();
            _w.Line();
        }

        /// <summary>The expression for where a value lives in <c>Run_Sample</c>.</summary>
        private string Place(IrValue value)
        {
            var s = _buffers[value];
            return s.Kind switch
            {
                StorageKind.InputParameter => _inputParams[s.Index],
                StorageKind.OutputParameter => _outputParams[s.Index],
                StorageKind.Constant => $"Constant_{I(s.Index)}",
                _ => $"scratch.Slice({I(s.Offset)}, {I(s.Length)})",
            };
        }

        // ---- layers ----

        private void EmitOp(int index, IrOp op)
        {
            _w.Line($"// Layer {I(index)}: {CSharpLiterals.CommentText(op.SourceNodes, 200)}");
            _w.Line($"//   {Describe(op)}");
            switch (op)
            {
                case DenseOp d: EmitDense(index, d); break;
                case MatMulOp m: EmitMatMul(index, m); break;
                case TransposeOp t:
                    _w.Open($"private static void Layer{I(index)}(ReadOnlySpan<float> x, Span<float> y)");
                    _w.Line($"{K}.Transpose(x, y, {I(t.Rows)}, {I(t.Cols)});");
                    _w.Close();
                    break;
                case BinaryOp b: EmitBinary(index, b); break;
                case UnaryOp u:
                    _w.Open($"private static void Layer{I(index)}(ReadOnlySpan<float> x, Span<float> y)");
                    _w.Line("x.CopyTo(y);");
                    EmitActivation(u.Activation, "y");
                    _w.Close();
                    break;
                case GatherOp g: EmitGather(index, g); break;
                case ConcatOp c: EmitConcat(index, c); break;
                case ReduceOp r: EmitReduce(index, r); break;
                case ScanOp scan: EmitScan(index, scan); break;
                case WhereOp w: EmitWhere(index, w); break;
                case ArgReduceOp a: EmitArgReduce(index, a); break;
                case TopKOp t: EmitTopK(index, t); break;
                case SoftmaxOp s:
                    _w.Open($"private static void Layer{I(index)}(ReadOnlySpan<float> x, Span<float> y)");
                    _w.Line($"{K}.Softmax(x, y, {I(s.Outer)}, {I(s.Length)}, {I(s.Inner)}, log: {(s.Log ? "true" : "false")});");
                    _w.Close();
                    break;
                default:
                    if (TryEmitConvolutional(index, op)) break;
                    throw new InvalidOperationException("unknown op " + op.GetType().Name);
            }
            _w.Line();
        }

        private void EmitDense(int index, DenseOp d)
        {
            var plan = _plans[d];
            string layer = $"Layer{I(index)}";
            string bias = d.Bias != null ? $"{layer}_Bias" : "ReadOnlySpan<float>.Empty";
            string call = plan.Kernel switch
            {
                KernelKind.SparseRows => $"{K}.SparseRows({layer}_Values, {layer}_Columns, {layer}_RowStarts, {bias}, {{0}}, {{1}});",
                KernelKind.BlockSparse => $"{K}.BlockColumns({I(plan.BlockSize)}, {layer}_Blocks, {layer}_BlockInputs, {layer}_TileStarts, {bias}, {{0}}, {{1}});",
                KernelKind.DenseSkipZeros when DenseClamp(d.Activation) is { } clamp => $"{K}.DenseSkipZeros({layer}_Weights, {bias}, {{0}}, {{1}}, {CSharpLiterals.Float(clamp.Low)}, {CSharpLiterals.Float(clamp.High)});",
                KernelKind.DenseSkipZeros => $"{K}.DenseSkipZeros({layer}_Weights, {bias}, {{0}}, {{1}}, float.NegativeInfinity, float.PositiveInfinity);",
                KernelKind.Sell => $"{K}.Sell({layer}_SellWeights, {layer}_SellLanes, {layer}_SellTiles, {layer}_SellGroupStarts, {layer}_SellRows, {layer}_SellBias, {{0}}, {{1}}, "
                    + (DenseClamp(d.Activation) is { } c ? $"{CSharpLiterals.Float(c.Low)}, {CSharpLiterals.Float(c.High)});" : "float.NegativeInfinity, float.PositiveInfinity);"),
                _ when plan.DensePadded => $"{K}.DenseColumnsPadded({layer}_Weights, {bias}, {{0}}, {{1}}, "
                    + (DenseClamp(d.Activation) is { } c ? $"{CSharpLiterals.Float(c.Low)}, {CSharpLiterals.Float(c.High)});" : "float.NegativeInfinity, float.PositiveInfinity);"),
                _ when DenseClamp(d.Activation) is { } clamp => $"{K}.DenseColumns({layer}_Weights, {bias}, {{0}}, {{1}}, {CSharpLiterals.Float(clamp.Low)}, {CSharpLiterals.Float(clamp.High)});",
                _ => $"{K}.DenseColumns({layer}_Weights, {bias}, {{0}}, {{1}});",
            };
            bool fusedActivation = (plan.Kernel == KernelKind.DenseSimd || plan.Kernel == KernelKind.DenseSkipZeros || plan.Kernel == KernelKind.Sell) && DenseClamp(d.Activation) != null;
            if (plan.Kernel == KernelKind.Unrolled)
            {
                EmitUnrolledDense(index, layer, d);
                return;
            }
            _w.Open($"private static void {layer}(ReadOnlySpan<float> x, Span<float> y)");
            if (d.Rows == 1)
                _w.Line(string.Format(CultureInfo.InvariantCulture, call, "x", "y"));
            else
                _w.Line($"for (int m = 0; m < {I(d.Rows)}; m++) " + string.Format(CultureInfo.InvariantCulture, call, $"x.Slice(m * {I(d.K)}, {I(d.K)})", $"y.Slice(m * {I(d.N)}, {I(d.N)})"));
            if (!fusedActivation) EmitActivation(d.Activation, "y");
            _w.Close();
            _w.Line();

            if (plan.Kernel == KernelKind.SparseRows)
                EmitSparseRows(layer, d, plan);
            else if (plan.Kernel == KernelKind.BlockSparse)
                EmitBlocks(layer, d, plan);
            else if (plan.Kernel == KernelKind.Sell)
                EmitSell(layer, d);
            else
            {
                // Input-major [K][stride]: the kernel broadcasts x[p] against a contiguous run of outputs. A narrow layer's rows
                // are padded with zero columns to one Vector512 (stride 16), so that every width runs whole vectors.
                int stride = plan.DensePadded ? plan.DenseStride : d.N;
                var transposed = new float[d.K * stride];
                for (int r = 0; r < d.N; r++)
                    for (int c = 0; c < d.K; c++)
                        transposed[c * stride + r] = d.Weights[r * d.K + c];
                if (plan.DensePadded)
                    _w.Line($"// All {I(plan.Weights)} weights, input-major [{I(d.K)}][{I(stride)}]: each row's {I(d.N)} outputs padded with zeros to {I(stride)} (one Vector512, two Vector256 or four Vector128; no overlapping last vector).");
                else
                    _w.Line($"// All {I(plan.Weights)} weights, input-major [{I(d.K)}][{I(d.N)}].");
                EmitFloatData($"{layer}_Weights", transposed);
            }
            if (d.Bias == null) return;
            // The block kernel loads the bias a whole tile at a time: pad it to whole tiles; the padded dense kernel, to its stride.
            var biasData = d.Bias;
            int biasLength = plan.Kernel == KernelKind.BlockSparse ? (d.N + plan.BlockSize - 1) / plan.BlockSize * plan.BlockSize
                : plan.DensePadded ? plan.DenseStride : d.N;
            if (biasLength != d.N)
            {
                biasData = new float[biasLength];
                Array.Copy(d.Bias, biasData, d.N);
            }
            EmitFloatData($"{layer}_Bias", biasData);
        }

        /// <summary>
        /// The clamp the dense kernel applies as it stores (Relu = [0, +inf], Clip = [min, max]; NaN stays NaN), or null
        /// when the activation is none or another one (then a separate pass after the kernel). A NaN bound is left to the
        /// Clip pass, where MathF.Max/Min propagate it.
        /// </summary>
        private static (float Low, float High)? DenseClamp(Activation activation) => activation.Kind switch
        {
            ActivationKind.Relu => (0f, float.PositiveInfinity),
            ActivationKind.Clip when !float.IsNaN(activation.Min) && !float.IsNaN(activation.Max) => (activation.Min, activation.Max),
            _ => null,
        };

        /// <summary>The layer method calls the unrolled parts (per row of a multi-row input), then the activation.</summary>
        private void EmitUnrolledDense(int index, string layer, DenseOp d)
        {
            var rowNonzeros = RowNonzeros(d);
            var parts = SplitUnrolled(d, rowNonzeros);
            _w.Open($"private static void {layer}(ReadOnlySpan<float> x, Span<float> y)");
            for (int p = 0; p < parts.Count; p++)
            {
                string part = UnrolledPartName(layer, p);
                if (d.Rows == 1) _w.Line($"{part}(x, y);");
                else _w.Line($"for (int m = 0; m < {I(d.Rows)}; m++) {part}(x.Slice(m * {I(d.K)}, {I(d.K)}), y.Slice(m * {I(d.N)}, {I(d.N)}));");
            }
            EmitActivation(d.Activation, "y");
            _w.Close();
            _w.Line();
            for (int p = 0; p < parts.Count; p++)
                EmitUnrolledPart(UnrolledPartName(layer, p), d, parts[p], rowNonzeros);
            // The parts hold the bias as literals; the batch path (if this layer is in it) reads it as data.
            if (d.Bias != null && _batch != null && index < _batch.BatchedOps)
                EmitFloatData($"{layer}_Bias", d.Bias);
        }

        /// <summary>The SELL-16 layout's arrays (Planning/SellLayout.cs), read by Kernels.Sell.</summary>
        private void EmitSell(string layer, DenseOp d)
        {
            var layout = SellLayout.Build(d, withData: true);
            _w.Line($"// SELL-16: {I(layout.Slots)} slots x 16 weights (group by group, busy tile by busy tile), their lanes as 16 bytes per slot in 4 ints,");
            _w.Line(layout.Sorted
                ? $"// busy tiles as tile << 6 | slots, each group's first busy tile, no row map (the rows are in sorted order: groups are stored in place), the bias."
                : $"// busy tiles as tile << 6 | slots, each group's first busy tile, the original row of each sorted position, the bias in sorted order.");
            EmitFloatData($"{layer}_SellWeights", layout.Weights, aligned: true);
            EmitIntData($"{layer}_SellLanes", layout.Lanes, aligned: true);
            EmitIntData($"{layer}_SellTiles", layout.Tiles);
            EmitIntData($"{layer}_SellGroupStarts", layout.GroupStarts);
            EmitIntData($"{layer}_SellRows", layout.Sorted ? Array.Empty<int>() : layout.Rows);
            EmitFloatData($"{layer}_SellBias", layout.Bias);
        }

        private void EmitSparseRows(string layer, DenseOp d, LayerPlan plan)
        {
            var values = new List<float>(plan.Nonzeros);
            var columns = new List<int>(plan.Nonzeros);
            var starts = new int[d.N + 1];
            for (int r = 0; r < d.N; r++)
            {
                for (int c = 0; c < d.K; c++)
                {
                    float w = d.Weights[r * d.K + c];
                    if (w == 0f) continue;
                    values.Add(w);
                    columns.Add(c);
                }
                starts[r + 1] = values.Count;
            }
            _w.Line($"// {I(plan.Nonzeros)} nonzero weights of {I(plan.Weights)}, row by row; their input columns; where each row starts.");
            EmitFloatData($"{layer}_Values", values);
            EmitIntData($"{layer}_Columns", columns);
            EmitIntData($"{layer}_RowStarts", starts);
        }

        private void EmitBlocks(string layer, DenseOp d, LayerPlan plan)
        {
            int b = plan.BlockSize, tiles = (d.N + b - 1) / b;
            var values = new List<float>(plan.Blocks * b);
            var inputs = new List<int>(plan.Blocks);
            var starts = new int[tiles + 1];
            for (int t = 0; t < tiles; t++)
            {
                for (int c = 0; c < d.K; c++)
                {
                    bool any = false;
                    for (int r = t * b; r < Math.Min(d.N, (t + 1) * b); r++) any |= d.Weights[r * d.K + c] != 0f;
                    if (!any) continue;
                    inputs.Add(c);
                    for (int r = t * b; r < (t + 1) * b; r++) values.Add(r < d.N ? d.Weights[r * d.K + c] : 0f);
                }
                starts[t + 1] = inputs.Count;
            }
            _w.Line($"// {I(plan.Blocks)} nonzero blocks of {I(b)} outputs x 1 input ({Percent(plan.BlockOccupancy)} of all blocks), tile by tile; each block's input; where each tile starts.");
            EmitFloatData($"{layer}_Blocks", values);
            EmitIntData($"{layer}_BlockInputs", inputs);
            EmitIntData($"{layer}_TileStarts", starts);
        }

        private void EmitMatMul(int index, MatMulOp m)
        {
            int count = m.BatchOffsets.Length / 2;
            _w.Open($"private static void Layer{I(index)}(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)");
            if (count == 1)
                _w.Line($"{K}.MatMul(a.Slice({I(m.BatchOffsets[0])}), b.Slice({I(m.BatchOffsets[1])}), y, {I(m.M)}, {I(m.K)}, {I(m.N)});");
            else
            {
                _w.Line($"ReadOnlySpan<int> offsets = Layer{I(index)}_Offsets;");
                _w.Open($"for (int e = 0; e < {I(count)}; e++)");
                _w.Line($"{K}.MatMul(a.Slice(offsets[2 * e]), b.Slice(offsets[2 * e + 1]), y.Slice(e * {I(m.M * m.N)}, {I(m.M * m.N)}), {I(m.M)}, {I(m.K)}, {I(m.N)});");
                _w.Close();
            }
            _w.Close();
            if (count > 1)
            {
                _w.Line();
                _w.Line("// Per output matrix: element offsets of its A and B operands (broadcast over the batch dims).");
                EmitIntData($"Layer{I(index)}_Offsets", m.BatchOffsets);
            }
        }

        private void EmitBinary(int index, BinaryOp b)
        {
            string op = $"{K}.{b.Kind}Op";
            var shape = b.Output.Shape.Length == 0 ? new[] { 1 } : b.Output.Shape;
            _w.Open($"private static void Layer{I(index)}(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)");
            if (b.A.Shape.SequenceEqual(b.Output.Shape) && b.B.Shape.SequenceEqual(b.Output.Shape))
                _w.Line($"{K}.Binary<{op}>(a, b, y);");
            else
            {
                var aShape = b.A.Shape.Length == 0 ? new[] { 1 } : b.A.Shape;
                var bShape = b.B.Shape.Length == 0 ? new[] { 1 } : b.B.Shape;
                _w.Line($"{K}.Broadcast<{op}>(a, b, y, {IntArray(shape)}, {IntArray(Shapes.BroadcastStrides(aShape, shape))}, {IntArray(Shapes.BroadcastStrides(bShape, shape))});");
            }
            _w.Close();
        }

        private void EmitActivation(Activation activation, string target)
        {
            switch (activation.Kind)
            {
                case ActivationKind.None: break;
                case ActivationKind.LeakyRelu: _w.Line($"{K}.LeakyRelu({target}, {CSharpLiterals.Float(activation.Alpha)});"); break;
                case ActivationKind.Clip: _w.Line($"{K}.Clip({target}, {CSharpLiterals.Float(activation.Min)}, {CSharpLiterals.Float(activation.Max)});"); break;
                case ActivationKind.Elu or ActivationKind.ThresholdedRelu or ActivationKind.Celu:
                    _w.Line($"{K}.{activation.Kind}({target}, {CSharpLiterals.Float(activation.Alpha)});");
                    break;
                case ActivationKind.Quantize:
                    _w.Line($"{K}.Quantize({target}, {CSharpLiterals.Float(activation.Alpha)}, {CSharpLiterals.Float(activation.Beta)}, {CSharpLiterals.Float(activation.Min)}, {CSharpLiterals.Float(activation.Max)});");
                    break;
                case ActivationKind.QuantizeDequantize:
                    _w.Line($"{K}.QuantizeDequantize({target}, {CSharpLiterals.Float(activation.Alpha)}, {CSharpLiterals.Float(activation.Min)}, {CSharpLiterals.Float(activation.Max)});");
                    break;
                case ActivationKind.Dequantize:
                    _w.Line($"{K}.Dequantize({target}, {CSharpLiterals.Float(activation.Alpha)}, {CSharpLiterals.Float(activation.Beta)});");
                    break;
                case ActivationKind.Selu or ActivationKind.HardSigmoid or ActivationKind.Shrink:
                    _w.Line($"{K}.{activation.Kind}({target}, {CSharpLiterals.Float(activation.Alpha)}, {CSharpLiterals.Float(activation.Beta)});");
                    break;
                default: _w.Line($"{K}.{activation.Kind}({target});"); break;
            }
        }

        private void EmitConstants(CancellationToken cancellationToken)
        {
            for (int i = 0; i < _buffers.Constants.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var c = _buffers.Constants[i];
                _w.Line($"// Constant {CSharpLiterals.CommentText(c.Name)}, shape {Shapes.Format(c.Shape)}.");
                EmitFloatData($"Constant_{I(i)}", c.Data!);
                _w.Line();
            }
        }

        // ---- descriptions ----

        private string Describe(IrOp op) => op switch
        {
            DenseOp d => DescribeDense(d),
            MatMulOp m => $"Y = A x B for runtime A and B: {I(m.BatchOffsets.Length / 2)} product(s) of [{I(m.M)},{I(m.K)}] x [{I(m.K)},{I(m.N)}] -> {Shapes.Format(m.Output.Shape)}; kernel: scalar-broadcast SIMD rows.",
            TransposeOp t => $"Y = X^T: [{I(t.Rows)},{I(t.Cols)}] -> [{I(t.Cols)},{I(t.Rows)}].",
            BinaryOp b => $"Y = A {b.Kind} B elementwise: {Shapes.Format(b.A.Shape)}, {Shapes.Format(b.B.Shape)} -> {Shapes.Format(b.Output.Shape)}{(b.A.Shape.SequenceEqual(b.B.Shape) ? "" : " (broadcast)")}.",
            UnaryOp u => u.Activation.Kind == ActivationKind.None ? $"Y = X, shape {Shapes.Format(u.Output.Shape)}." : $"Y = {u.Activation.Describe()}(X), shape {Shapes.Format(u.Output.Shape)}.",
            GatherOp g => DescribeGather(g),
            ConcatOp c => DescribeConcat(c),
            WhereOp w => $"Y = Where(C, A, B): {Shapes.Format(w.Condition.Shape)}, {Shapes.Format(w.A.Shape)}, {Shapes.Format(w.B.Shape)} -> {Shapes.Format(w.Output.Shape)}.",
            ReduceOp r => $"Y = Reduce{r.Kind}(X) over {I(r.Length)} elements ([{I(r.Outer)}, {I(r.Length)}, {I(r.Inner)}] view) -> {Shapes.Format(r.Output.Shape)}.",
            ScanOp scan => DescribeScan(scan),
            ArgReduceOp a => DescribeArgReduce(a),
            TopKOp t => DescribeTopK(t),
            SoftmaxOp s => $"Y = {(s.Log ? "LogSoftmax" : "Softmax")}(X) over {I(s.Length)} elements ([{I(s.Outer)}, {I(s.Length)}, {I(s.Inner)}] view), shape {Shapes.Format(s.Output.Shape)}.",
            ConvOp or PoolOp or BatchNormOp => DescribeConvolutional(op),
            _ => op.GetType().Name,
        };

        private string DescribeDense(DenseOp d)
        {
            var p = _plans[d];
            string act = d.Activation.Kind == ActivationKind.None ? "" : d.Activation.Describe() + " of ";
            string costs = $"cost model: dense {Ns(p.DenseCostNs)} ns, sparse rows {Ns(p.SparseCostNs)} ns, {I(p.BlockSize)}x1 blocks {Ns(p.BlockCostNs)} ns, unrolled {Ns(p.UnrolledCostNs)} ns, skipping zero inputs {Ns(p.SkipZerosCostNs)} ns, SELL-16 {Ns(p.SellCostNs)} ns";
            string kernel = p.Kernel switch
            {
                KernelKind.SparseRows when p.UnrolledRefused => $"sparse rows (CSR): {I(p.Nonzeros)} multiply-adds instead of {I(p.Weights)}; unrolled was asked for, but {I(p.Nonzeros)} nonzeros exceed its limit of {I(KernelPlanner.UnrolledMaxNonzeros)}",
                KernelKind.SparseRows => $"sparse rows (CSR): {I(p.Nonzeros)} multiply-adds instead of {I(p.Weights)}",
                KernelKind.BlockSparse => $"block-sparse SIMD: {I(p.Blocks)} nonzero {I(p.BlockSize)}x1 blocks ({Percent(p.BlockOccupancy)} occupancy), one vector FMA each",
                KernelKind.Unrolled => $"unrolled: {I(p.Nonzeros)} multiply-adds as straight-line code with the weights as literals",
                KernelKind.Sell => $"SELL-16 (rows sorted by nonzeros, {I(p.SellGroups)} groups of 16 x {I(p.SellInputTiles)} tiles of 32 inputs, {I(p.SellBusyTiles)} busy (group, tile) pairs, {I(p.SellSlots)} slots of 16 lanes, {Percent(p.SellPadding)} padding; "
                    + "per slot one permute of the tile's inputs held in registers and one vector FMA; AVX-512, AVX2, scalar fallback"
                    + (DenseClamp(d.Activation) != null ? $"; {d.Activation.Kind} applied as the outputs are stored)" : ")"),
                KernelKind.DenseSkipZeros => $"dense SIMD over the inputs that are not exactly 0 (listed per call; priced with {Percent(p.InputZeros)} zero inputs expected)"
                    + (DenseClamp(d.Activation) != null ? $"; {d.Activation.Kind} applied as the outputs are stored" : ""),
                _ => "dense SIMD (x[p] broadcast into register tiles of outputs; Vector512/256/128, scalar fallback"
                    + (DenseClamp(d.Activation) != null ? $"; {d.Activation.Kind} applied as the outputs are stored)" : ")"),
            } + $" ({costs})";
            string reordered = (d.NeuronsReordered ? " Neurons reordered at build time into SELL-16's row order (most nonzeros first); the next layer's inputs are permuted to match." : "")
                + (d.InputsReordered ? " Inputs permuted at build time to match the layer before, whose neurons were reordered." : "");
            string structural = d.RemovedInputs + d.RemovedOutputs == 0 ? ""
                : $" Structural pruning: was [{I(d.Rows)},{I(d.K + d.RemovedInputs)}] -> [{I(d.Rows)},{I(d.N + d.RemovedOutputs)}]; {I(d.RemovedOutputs)} constant neuron(s) removed here, {I(d.RemovedInputs)} input(s) dropped because the layer before lost those neurons (their constant outputs are folded into this bias).";
            return $"y = {act}W x{(d.Bias != null ? " + b" : "")}: [{I(d.Rows)},{I(d.K)}] -> [{I(d.Rows)},{I(d.N)}]; W [{I(d.N)},{I(d.K)}] has {I(p.Nonzeros)} nonzeros ({Percent(1 - p.Density)} sparse); kernel: {kernel}.{structural}{reordered}";
        }

        private string OpTitle(IrOp op) => op switch
        {
            DenseOp d => "Dense" + (d.Activation.Kind == ActivationKind.None ? "" : "+" + d.Activation.Kind)
                + (d.RemovedOutputs + d.RemovedInputs == 0 ? "" : $" (-{I(d.RemovedInputs)} in, -{I(d.RemovedOutputs)} out)"),
            MatMulOp _ => "MatMul",
            TransposeOp _ => "Transpose",
            BinaryOp b => b.Kind.ToString(),
            UnaryOp u => u.Activation.Kind == ActivationKind.None ? "Copy" : u.Activation.Kind.ToString(),
            SoftmaxOp s => s.Log ? "LogSoftmax" : "Softmax",
            GatherOp g => g.What.Split(' ')[0],
            ConcatOp _ => "Concat",
            WhereOp _ => "Where",
            ReduceOp r => "Reduce" + r.Kind,
            ScanOp scan => scan.Kind.ToString(),
            ArgReduceOp a => a.Max ? "ArgMax" : "ArgMin",
            TopKOp t => t.Indices ? "TopK indices" : "TopK values",
            ConvOp or PoolOp or BatchNormOp => ConvolutionalTitle(op),
            _ => op.GetType().Name,
        };

        private string OpKernelName(IrOp op) => op switch
        {
            DenseOp d => _plans[d].KernelName + $" (~{Ns(_plans[d].ChosenCostNs)} ns)",
            MatMulOp _ => "runtime matmul",
            BinaryOp b => b.A.Shape.SequenceEqual(b.B.Shape) ? "elementwise" : "broadcast",
            GatherOp _ => "gather",
            ConcatOp _ => "copy",
            ArgReduceOp _ => "scan",
            TopKOp _ => "insertion select",
            ConvOp or PoolOp or BatchNormOp => ConvolutionalKernelName(op),
            _ => "elementwise",
        };

        /// <summary>Untrusted text as the inside of an interpolated string literal: escaped, braces doubled, bounded.</summary>
        private static string InterpolatedText(string value)
        {
            string literal = CSharpLiterals.String(value.Length > 80 ? value.Substring(0, 80) + "..." : value);
            return literal.Substring(1, literal.Length - 2).Replace("{", "{{").Replace("}", "}}");
        }

        private static string Truncate(string s, int n) => s.Length <= n ? s : s.Substring(0, n - 1) + "~";
        private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        private static string Ns(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
        private static string Percent(double v) => (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
        private static string IntArray(IEnumerable<int> values) => "new int[] { " + string.Join(", ", values.Select(v => I(v))) + " }";
    }
}
