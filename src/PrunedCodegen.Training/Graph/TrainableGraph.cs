using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using PrunedCodegen.Onnx;
using PrunedCodegen.Training.Ops;
using PrunedCodegen.Training.Tensors;

namespace PrunedCodegen.Training.Graph;

/// <summary>
/// An ONNX model as a differentiable program: float initializers become <see cref="Parameter"/>s, each node an
/// op with a forward function and a vector-Jacobian product. <see cref="Forward"/> runs a batch and keeps every
/// intermediate value; <see cref="Backward"/> walks the nodes in reverse and accumulates parameter gradients.
/// <see cref="WriteBack"/> stores the trained values into the model's initializers.
/// </summary>
public sealed class TrainableGraph
{
    private readonly OnnxModel _model;
    private readonly List<GraphOp> _ops;
    private readonly Dictionary<string, Parameter> _parameters;
    private readonly Dictionary<string, FloatTensor> _constants;
    private readonly HashSet<string> _produced;
    private Dictionary<string, FloatTensor>? _values;

    private TrainableGraph(OnnxModel model, List<GraphOp> ops, Dictionary<string, Parameter> parameters,
        Dictionary<string, FloatTensor> constants, OnnxValueInfo input, OnnxValueInfo output, string outputProducer)
    {
        _model = model;
        _ops = ops;
        _parameters = parameters;
        _constants = constants;
        _produced = new HashSet<string>(ops.Select(o => o.Output));
        InputName = input.Name;
        OutputName = output.Name;
        InputDims = input.Shape?.Select(d => d.Value is long v ? (int?)checked((int)v) : null).ToArray();
        OutputProducer = outputProducer;
        Parameters = parameters.Values.ToList();
    }

    /// <summary>The trainable initializers, in the model's initializer order.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    public string InputName { get; }

    public string OutputName { get; }

    /// <summary>The declared input dims (null entries are symbolic), or null when the rank is unknown.</summary>
    public int?[]? InputDims { get; }

    /// <summary>The op type of the node that produces the graph output (e.g. "Softmax" or "Gemm").</summary>
    public string OutputProducer { get; }

    /// <summary>When set, <see cref="Backward"/> also computes <see cref="InputGradient"/>.</summary>
    public bool ComputeInputGradient { get; set; }

    /// <summary>d loss / d input from the last <see cref="Backward"/>, when <see cref="ComputeInputGradient"/> is set.</summary>
    public FloatTensor? InputGradient { get; private set; }

    public Parameter Parameter(string name) =>
        _parameters.TryGetValue(name, out Parameter? p) ? p : throw new KeyNotFoundException($"No trainable initializer named '{name}'.");

    public static TrainableGraph Load(byte[] onnx) => FromModel(OnnxReader.Read(onnx));

    /// <summary>Builds the graph. The model is kept: <see cref="WriteBack"/> updates its initializers.</summary>
    /// <exception cref="TrainingException">An unsupported op or attribute, or a graph that is not one input to one output.</exception>
    public static TrainableGraph FromModel(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        OnnxGraph graph = model.Graph ?? throw new TrainingException("The model has no graph.");
        return GraphBuilder.Build(model, graph);
    }

    /// <summary>The input tensor shape for a batch of <paramref name="batch"/> samples of <paramref name="width"/> values each.</summary>
    public int[] BatchShape(int batch, int width)
    {
        int?[]? dims = InputDims;
        if (dims == null || dims.Length <= 1)
            return new[] { batch, width };                   // a 1-D model input: rows are samples (MatMul broadcasts)
        var shape = new int[dims.Length];
        shape[0] = batch;
        long known = 1;
        for (int i = 1; i < dims.Length; i++)
        {
            if (dims[i] is not int d)
                return new[] { batch, width };
            shape[i] = d;
            known *= d;
        }
        if (known != width)
            throw new TrainingException($"Each sample has {width} values but the model input '{InputName}' takes {known} per sample (dims [{string.Join(", ", dims.Select(d => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"))}]).");
        return shape;
    }

    /// <summary>Runs the graph on <paramref name="input"/> and keeps the values for <see cref="Backward"/>.</summary>
    public FloatTensor Forward(FloatTensor input)
    {
        var values = new Dictionary<string, FloatTensor>(_constants);
        foreach (Parameter p in _parameters.Values)
            values[p.Name] = p.Value;
        values[InputName] = input;
        foreach (GraphOp op in _ops)
        {
            var args = new FloatTensor[op.Inputs.Length];
            for (int i = 0; i < args.Length; i++)
            {
                if (!values.TryGetValue(op.Inputs[i], out FloatTensor? v))
                    throw new TrainingException($"{op.Description}: input '{op.Inputs[i]}' is not computed by any earlier node.");
                args[i] = v;
            }
            values[op.Output] = op.Forward(args);
        }
        _values = values;
        return values.TryGetValue(OutputName, out FloatTensor? output)
            ? output
            : throw new TrainingException($"The graph output '{OutputName}' is not computed by any node.");
    }

    /// <summary>Back-propagates d loss / d output through the last forward pass, adding into each parameter's gradient.</summary>
    public void Backward(FloatTensor outputGradient)
    {
        Dictionary<string, FloatTensor> values = _values ?? throw new InvalidOperationException("Backward needs a Forward first.");
        var grads = new Dictionary<string, FloatTensor> { [OutputName] = outputGradient };
        for (int k = _ops.Count - 1; k >= 0; k--)
        {
            GraphOp op = _ops[k];
            if (!grads.Remove(op.Output, out FloatTensor? dy))
                continue;
            var args = new FloatTensor[op.Inputs.Length];
            var needed = new bool[args.Length];
            for (int i = 0; i < args.Length; i++)
            {
                string name = op.Inputs[i];
                args[i] = values[name];
                needed[i] = _parameters.ContainsKey(name) || _produced.Contains(name) || (ComputeInputGradient && name == InputName);
            }
            FloatTensor?[] dx = op.Backward(args, values[op.Output], dy, needed);
            for (int i = 0; i < args.Length; i++)
            {
                if (!needed[i] || dx[i] is not { } g)
                    continue;
                string name = op.Inputs[i];
                if (_parameters.TryGetValue(name, out Parameter? p))
                    TensorPrimitives.Add(p.Gradient, g.Data, p.Gradient);
                else if (grads.TryGetValue(name, out FloatTensor? existing))
                    grads[name] = Sum(existing, g);
                else
                    grads[name] = g;
            }
        }
        InputGradient = ComputeInputGradient && grads.TryGetValue(InputName, out FloatTensor? gi) ? gi : null;
    }

    public void ZeroGradients()
    {
        foreach (Parameter p in _parameters.Values)
            Array.Clear(p.Gradient);
    }

    /// <summary>Masks every parameter's current zeros (see <see cref="Graph.Parameter.MaskZeros"/>).</summary>
    public void MaskZeros()
    {
        foreach (Parameter p in _parameters.Values)
            p.MaskZeros();
    }

    /// <summary>Copies every parameter's value into its initializer (as raw float32 data) and returns the model.</summary>
    public OnnxModel WriteBack()
    {
        foreach (OnnxTensor init in _model.Graph!.Initializers)
        {
            if (!_parameters.TryGetValue(init.Name, out Parameter? p))
                continue;
            var raw = new byte[p.Value.Length * 4];
            for (int i = 0; i < p.Value.Length; i++)
                BitConverter.TryWriteBytes(raw.AsSpan(4 * i), p.Value.Data[i]);   // little-endian, as ONNX stores raw_data
            if (!BitConverter.IsLittleEndian)
                throw new PlatformNotSupportedException("Writing ONNX raw_data needs a little-endian host.");
            init.FloatData.Clear();
            init.RawData = raw;
        }
        return _model;
    }

    /// <summary>The model with the trained values, serialised.</summary>
    public byte[] ToOnnx() => OnnxWriter.Write(WriteBack());

    /// <summary>A copy of every parameter's values, for restoring the best epoch.</summary>
    public Dictionary<string, float[]> Snapshot() => _parameters.Values.ToDictionary(p => p.Name, p => (float[])p.Value.Data.Clone());

    public void Restore(Dictionary<string, float[]> snapshot)
    {
        foreach (Parameter p in _parameters.Values)
            snapshot[p.Name].AsSpan().CopyTo(p.Value.Data);
    }

    private static FloatTensor Sum(FloatTensor a, FloatTensor b)
    {
        var r = FloatTensor.ZerosLike(a);
        TensorPrimitives.Add(a.Data, b.Data, r.Data);
        return r;
    }

    /// <summary>Turns ONNX nodes into ops, initializers into parameters or constants.</summary>
    private static class GraphBuilder
    {
        private static readonly string[] Supported =
        {
            "Gemm", "MatMul", "Add", "Sub", "Mul", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Softmax", "Flatten", "Reshape",
            "Identity", "Dropout", "Constant", "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization",
        };

        public static TrainableGraph Build(OnnxModel model, OnnxGraph graph)
        {
            long opset = model.OpsetImports.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
            if (opset <= 0)
                throw new TrainingException("The model imports no version of the default ONNX operator set.");
            if (graph.HasSparseInitializers)
                throw new TrainingException("Sparse initializers are not supported for training.");

            var initializers = new Dictionary<string, OnnxTensor>();
            foreach (OnnxTensor t in graph.Initializers)
                initializers[t.Name] = t;

            // Initializers read as constants (BatchNorm statistics, Reshape shapes) never become parameters.
            var frozen = new HashSet<string>();
            foreach (OnnxNode node in graph.Nodes)
            {
                if (node.OpType == "BatchNormalization")
                    frozen.UnionWith(node.Inputs.Skip(3).Take(2));
                if (node.OpType == "Reshape" && node.Inputs.Count > 1)
                    frozen.Add(node.Inputs[1]);
            }

            var parameters = new Dictionary<string, Parameter>();
            var floatConstants = new Dictionary<string, float[]>();
            var int64Constants = new Dictionary<string, long[]>();
            foreach (OnnxTensor t in graph.Initializers)
            {
                if (t.DataType == OnnxDataType.Float && !frozen.Contains(t.Name))
                    parameters[t.Name] = new Parameter(t.Name, new FloatTensor(Dims(t), OnnxTensorData.ToFloats(t)));
                else if (t.DataType is OnnxDataType.Int64 or OnnxDataType.Int32)
                    int64Constants[t.Name] = OnnxTensorData.ToInt64s(t);
                else
                    floatConstants[t.Name] = OnnxTensorData.ToFloats(t);
            }

            var realInputs = graph.Inputs.Where(i => !initializers.ContainsKey(i.Name)).ToList();
            if (realInputs.Count != 1 || graph.Outputs.Count != 1)
                throw new TrainingException($"Training needs a graph with one input and one output; this one has {realInputs.Count} input(s) and {graph.Outputs.Count} output(s).");

            var constants = new Dictionary<string, FloatTensor>();
            var ops = new List<GraphOp>();
            string outputProducer = "";
            foreach (OnnxNode node in graph.Nodes)
            {
                if (node.Domain is not ("" or "ai.onnx"))
                    throw new TrainingException($"{Graph.NodeAttributes.Describe(node)}: domain '{node.Domain}' is not supported.");
                if (node.Outputs.Count == 0)
                    throw new TrainingException($"{Graph.NodeAttributes.Describe(node)}: the node has no output.");
                if (node.OpType == "Constant")
                {
                    OnnxTensor value = NodeAttributes.Find(node, "value")?.T
                        ?? throw new TrainingException($"{NodeAttributes.Describe(node)}: only the 'value' form of Constant is supported.");
                    if (value.DataType is OnnxDataType.Int64 or OnnxDataType.Int32)
                        int64Constants[node.Outputs[0]] = OnnxTensorData.ToInt64s(value);
                    else
                        constants[node.Outputs[0]] = new FloatTensor(Dims(value), OnnxTensorData.ToFloats(value));
                    continue;
                }
                ops.Add(CreateOp(node, opset, floatConstants, int64Constants, constants, initializers));
                if (node.Outputs[0] == graph.Outputs[0].Name)
                    outputProducer = node.OpType;
            }
            foreach (var (name, data) in floatConstants)
            {
                if (initializers.TryGetValue(name, out OnnxTensor? t))
                    constants[name] = new FloatTensor(Dims(t), data);
            }
            return new TrainableGraph(model, ops, parameters, constants, realInputs[0], graph.Outputs[0], outputProducer);
        }

        private static GraphOp CreateOp(OnnxNode node, long opset, Dictionary<string, float[]> floatConstants,
            Dictionary<string, long[]> int64Constants, Dictionary<string, FloatTensor> constants, Dictionary<string, OnnxTensor> initializers)
        {
            string d = NodeAttributes.Describe(node);
            string output = node.Outputs[0];
            string[] present = node.Inputs.Where(i => i.Length > 0).ToArray();
            string Input(int i) => i < node.Inputs.Count && node.Inputs[i].Length > 0
                ? node.Inputs[i]
                : throw new TrainingException($"{d}: input {i} is missing.");
            float[] FloatConstant(int i) =>
                floatConstants.TryGetValue(Input(i), out float[]? f) ? f
                : constants.TryGetValue(Input(i), out FloatTensor? t) ? t.Data
                : throw new TrainingException($"{d}: input '{Input(i)}' must be a constant (initializer or Constant node) for training.");

            switch (node.OpType)
            {
                case "Gemm":
                    NodeAttributes.RejectUnknown(node, new[] { "alpha", "beta", "transA", "transB", "broadcast" });
                    return new GemmOp(d, present.Take(3).ToArray(), output,
                        NodeAttributes.Int(node, "transA", 0) != 0, NodeAttributes.Int(node, "transB", 0) != 0,
                        NodeAttributes.Float(node, "alpha", 1f), NodeAttributes.Float(node, "beta", 1f));
                case "MatMul":
                    return new MatMulOp(d, new[] { Input(0), Input(1) }, output);
                case "Add":
                case "Sub":
                case "Mul":
                    if (opset < 7 && NodeAttributes.Find(node, "broadcast") != null)
                        throw new TrainingException($"{d}: the legacy 'broadcast'/'axis' attributes (opset < 7) are not supported.");
                    return new BinaryOp(d, new[] { Input(0), Input(1) }, output,
                        node.OpType == "Add" ? BinaryKind.Add : node.OpType == "Sub" ? BinaryKind.Sub : BinaryKind.Mul);
                case "Relu":
                    return new ActivationOp(d, new[] { Input(0) }, output, ActivationKind.Relu);
                case "LeakyRelu":
                    return new ActivationOp(d, new[] { Input(0) }, output, ActivationKind.LeakyRelu, NodeAttributes.Float(node, "alpha", 0.01f));
                case "Sigmoid":
                    return new ActivationOp(d, new[] { Input(0) }, output, ActivationKind.Sigmoid);
                case "Tanh":
                    return new ActivationOp(d, new[] { Input(0) }, output, ActivationKind.Tanh);
                case "Identity":
                case "Dropout":                               // inference: Dropout passes its input through
                    return new ActivationOp(d, new[] { Input(0) }, output, ActivationKind.Identity);
                case "Softmax":
                    return new SoftmaxOp(d, new[] { Input(0) }, output,
                        (int)NodeAttributes.Int(node, "axis", opset >= 13 ? -1 : 1), coerceTo2D: opset < 13);
                case "Flatten":
                    return ReshapeOp.Flatten(d, Input(0), output, (int)NodeAttributes.Int(node, "axis", 1));
                case "Reshape":
                {
                    long[] shape = int64Constants.TryGetValue(Input(1), out long[]? s) ? s
                        : throw new TrainingException($"{d}: the shape input '{Input(1)}' must be a constant int64 tensor.");
                    return ReshapeOp.Reshape(d, Input(0), output, shape, NodeAttributes.Int(node, "allowzero", 0) != 0);
                }
                case "Conv":
                {
                    NodeAttributes.RejectUnknown(node, new[] { "auto_pad", "dilations", "group", "kernel_shape", "pads", "strides" });
                    // kernel_shape is optional: the weight's spatial dims give it.
                    int[]? kernel = initializers.TryGetValue(Input(1), out OnnxTensor? w) && w.Dims.Count == 4
                        ? new[] { (int)w.Dims[2], (int)w.Dims[3] }
                        : null;
                    return new ConvOp(d, present.Take(3).ToArray(), output, new Window2D(node, kernel, ceilMode: false),
                        (int)NodeAttributes.Int(node, "group", 1));
                }
                case "MaxPool":
                    NodeAttributes.RejectUnknown(node, new[] { "auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "strides", "storage_order" });
                    if (node.Outputs.Count > 1 && node.Outputs[1].Length > 0)
                        throw new TrainingException($"{d}: the Indices output is not supported for training.");
                    return new PoolOp(d, Input(0), output, PoolKind.Max, new Window2D(node, null, NodeAttributes.Int(node, "ceil_mode", 0) != 0), false);
                case "AveragePool":
                    NodeAttributes.RejectUnknown(node, new[] { "auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides" });
                    return new PoolOp(d, Input(0), output, PoolKind.Average, new Window2D(node, null, NodeAttributes.Int(node, "ceil_mode", 0) != 0),
                        NodeAttributes.Int(node, "count_include_pad", 0) != 0);
                case "GlobalAveragePool":
                    return new PoolOp(d, Input(0), output, PoolKind.GlobalAverage, null, false);
                case "BatchNormalization":
                    if (NodeAttributes.Int(node, "training_mode", 0) != 0 || node.Outputs.Count(o => o.Length > 0) > 1)
                        throw new TrainingException($"{d}: only inference-mode BatchNormalization (one output) is supported.");
                    return new BatchNormOp(d, new[] { Input(0), Input(1), Input(2) }, output, FloatConstant(3), FloatConstant(4),
                        NodeAttributes.Float(node, "epsilon", 1e-5f));
                default:
                    throw new TrainingException($"{d}: op '{node.OpType}' is not supported for training. Supported: {string.Join(", ", Supported)}.");
            }
        }

        private static int[] Dims(OnnxTensor t) => t.Dims.Select(v => checked((int)v)).ToArray();
    }
}
