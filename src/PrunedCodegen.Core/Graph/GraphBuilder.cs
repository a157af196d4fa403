using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Graph
{
    /// <summary>
    /// Turns an ONNX graph into the IR: resolves every shape statically, folds constants, and lowers each
    /// ONNX node to one or more <see cref="IrOp"/>s. Any model it cannot compile exactly ends in a
    /// <see cref="ModelCompileException"/> naming the node and the reason.
    /// </summary>
    internal sealed partial class GraphBuilder
    {
        /// <summary>Upper bound on ONNX nodes, so a hostile file cannot make the build run for minutes.</summary>
        public const int MaxNodes = ModelLimits.MaxNodes;

        /// <summary>Upper bound on the rank of any tensor.</summary>
        public const int MaxRank = ModelLimits.MaxRank;

        private readonly Dictionary<string, IrValue> _values = new Dictionary<string, IrValue>(StringComparer.Ordinal);
        private readonly IrGraph _graph = new IrGraph();
        private long _opset;
        private long _totalConstantElements;

        public static IrGraph Build(OnnxModel model, CancellationToken cancellationToken)
        {
            var builder = new GraphBuilder();
            builder.BuildGraph(model, cancellationToken);
            return builder._graph;
        }

        private void BuildGraph(OnnxModel model, CancellationToken cancellationToken)
        {
            var graph = model.Graph ?? throw new ModelCompileException(DiagnosticIds.MalformedModel, "the model has no graph");
            _opset = DefaultOpset(model);
            _graph.OpsetVersion = _opset;
            _graph.IrVersion = model.IrVersion;
            _graph.ProducerName = model.ProducerName;
            _graph.ProducerVersion = model.ProducerVersion;
            _graph.GraphName = graph.Name;
            _graph.OnnxNodeCount = graph.Nodes.Count;

            if (graph.Nodes.Count > MaxNodes)
                throw new ModelCompileException(DiagnosticIds.GraphTooLarge, $"the graph has {graph.Nodes.Count} nodes; the limit is {MaxNodes}");
            if (graph.HasSparseInitializers)
                throw new ModelCompileException(DiagnosticIds.UnsupportedDataType, "sparse_initializer tensors are not supported; store the weights densely (zeros are exploited anyway)");

            foreach (var init in graph.Initializers)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Define(init.Name, ConstantFromTensor(init, $"initializer '{Text.Quote(init.Name)}'"), "initializer");
            }

            foreach (var input in graph.Inputs)
            {
                // Older exporters list every initializer as a graph input too; the initializer wins.
                if (_values.ContainsKey(input.Name)) continue;
                var value = GraphInput(input, _graph.Inputs.Count);
                Define(input.Name, value, "graph input");
                _graph.Inputs.Add(value);
            }
            if (_graph.Inputs.Count == 0)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, "the graph has no inputs (every input is a constant); nothing is left to predict from");
            _graph.IsBatched = _graph.Inputs.Any(v => v.IsBatched);

            // Output types are checked before any node, so a non-float model is refused as such (PCG0005) even when
            // one of its nodes is unsupported too.
            CheckDeclaredOutputTypes(graph);

            for (int i = 0; i < graph.Nodes.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _nodeIndex = i;
                LowerNode(graph.Nodes[i], i);
            }

            var declared = graph.Outputs;
            if (declared.Count == 0)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, "the graph has no outputs");
            for (int i = 0; i < declared.Count; i++)
            {
                string name = declared[i].Name;
                if (!_values.TryGetValue(name, out var value))
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"graph output '{Text.Quote(name)}' is not produced by any node");
                CheckDeclaredOutput(declared[i], value);
                if (_quantizedTypes.TryGetValue(value, out var quantizedType))
                    throw new ModelCompileException(DiagnosticIds.UnsupportedDataType,
                        $"graph output '{Text.Quote(name)}' holds {quantizedType} values (a QuantizeLinear output); only float outputs are supported: end the graph with DequantizeLinear");
                _graph.Outputs.Add(value);
            }
            RemoveUnreturnedIndexOps();
        }

        private static long DefaultOpset(OnnxModel model)
        {
            long opset = -1;
            foreach (var import in model.OpsetImports)
                if (import.Domain.Length == 0 || import.Domain == "ai.onnx")
                    opset = import.Version;
            if (opset < 0)
                throw new ModelCompileException(DiagnosticIds.MalformedModel, "the model imports no version of the default ONNX operator set (ai.onnx)");
            if (opset < 6)
                throw new ModelCompileException(DiagnosticIds.UnsupportedOp, $"ONNX opset {opset} is older than the oldest supported opset 6; re-export with a newer opset");
            return opset;
        }

        private void Define(string name, IrValue value, string what)
        {
            if (name.Length == 0)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"a {what} has an empty name");
            if (_values.ContainsKey(name))
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"the name '{Text.Quote(name)}' is defined twice (second time as a {what})");
            _values[name] = value;
        }

        private IrValue GraphInput(OnnxValueInfo input, int index)
        {
            string where = $"graph input '{Text.Quote(input.Name)}'";
            if (input.TypeKind != "tensor")
                throw new ModelCompileException(DiagnosticIds.UnsupportedDataType,
                    $"{where} is a {(input.TypeKind.Length == 0 ? "value without a type" : input.TypeKind)}; only float tensors are supported");
            if (input.ElementType != OnnxDataType.Float)
                throw new ModelCompileException(DiagnosticIds.UnsupportedDataType,
                    $"{where} has element type {input.ElementType}; only float (float32) inputs are supported");
            if (input.Shape == null)
                throw new ModelCompileException(DiagnosticIds.UnknownShape, $"{where} has no shape; declare its dims when exporting");
            if (input.Shape.Count > MaxRank)
                throw new ModelCompileException(DiagnosticIds.TensorTooLarge, $"{where} has rank {input.Shape.Count}; the limit is {MaxRank}");

            var dims = new int[input.Shape.Count];
            bool batched = false;
            for (int d = 0; d < dims.Length; d++)
            {
                var dim = input.Shape[d];
                if (dim.Value is long v && v >= 0)
                {
                    if (v > Shapes.MaxElements)
                        throw new ModelCompileException(DiagnosticIds.TensorTooLarge, $"{where} has dim {d} = {v}, beyond the limit of {Shapes.MaxElements} elements");
                    dims[d] = (int)v;
                }
                else if (d == 0)
                {
                    // A symbolic (or unknown) leading dim is the batch: compile one sample per call.
                    dims[d] = 1;
                    batched = true;
                }
                else
                {
                    string what = dim.Param != null ? $"the symbolic dim '{Text.Quote(dim.Param)}'" : dim.Value.HasValue ? $"the negative dim {dim.Value}" : "an unknown dim";
                    throw new ModelCompileException(DiagnosticIds.UnknownShape,
                        $"{where} has {what} at axis {d}; only the leading (batch) dim may be symbolic");
                }
            }
            Shapes.Count(dims);
            return new IrValue(input.Name, ValueKind.Input, dims, batched) { InputIndex = index };
        }

        private IrValue ConstantFromTensor(OnnxTensor tensor, string where)
        {
            if (tensor.IsExternal)
                throw new ModelCompileException(DiagnosticIds.ExternalData,
                    $"{where} keeps its data in an external file; external data is not supported yet (save the model with all tensors inside it)");
            if (tensor.Dims.Count > MaxRank)
                throw new ModelCompileException(DiagnosticIds.TensorTooLarge, $"{where} has rank {tensor.Dims.Count}; the limit is {MaxRank}");
            var dims = new int[tensor.Dims.Count];
            long count = 1;
            for (int d = 0; d < dims.Length; d++)
            {
                long v = tensor.Dims[d];
                if (v < 0)
                    throw new ModelCompileException(DiagnosticIds.TensorTooLarge, $"{where} has the negative dim {v} at axis {d}");
                if (v > Shapes.MaxElements || (count *= v) > Shapes.MaxElements)
                    throw new ModelCompileException(DiagnosticIds.TensorTooLarge, $"{where} has more than {Shapes.MaxElements} elements (dims {string.Join(",", tensor.Dims)})");
                dims[d] = (int)v;
            }
            ChargeConstant(count);

            var value = new IrValue(tensor.Name, ValueKind.Constant, dims, isBatched: false);
            try
            {
                switch (tensor.DataType)
                {
                    case OnnxDataType.Float:
                    case OnnxDataType.Double:
                        value.Data = OnnxTensorData.ToFloats(tensor);
                        break;
                    case OnnxDataType.Int64:
                    case OnnxDataType.Int32:
                    // Quantized weights, zero points (DequantizeLinear folds them to float at build time).
                    case OnnxDataType.Int8:
                    case OnnxDataType.UInt8:
                    case OnnxDataType.Int16:
                    case OnnxDataType.UInt16:
                        value.IntData = OnnxTensorData.ToInt64s(tensor);
                        value.IntegerType = tensor.DataType;
                        break;
                    default:
                        throw new ModelCompileException(DiagnosticIds.UnsupportedDataType,
                            $"{where} has element type {tensor.DataType}; only float tensors, int64/int32 shapes and int8/uint8/int16/uint16 quantized weights are supported");
                }
            }
            catch (OnnxFormatException e)
            {
                throw new ModelCompileException(DiagnosticIds.MalformedModel, $"{where}: {e.Message}");
            }
            return value;
        }

        private void CheckDeclaredOutput(OnnxValueInfo declared, IrValue value)
        {
            string where = $"graph output '{Text.Quote(declared.Name)}'";
            if (value.Data == null && value.Kind == ValueKind.Constant)
                throw new ModelCompileException(DiagnosticIds.UnsupportedDataType, $"{where} is an integer constant; only float outputs are supported");
            bool declaredInt64 = declared.TypeKind == "tensor" && declared.ElementType == OnnxDataType.Int64;
            if (value.Root.IsInt64 != declaredInt64 && (declaredInt64 || declared.ElementType != OnnxDataType.Undefined))
                throw new ModelCompileException(DiagnosticIds.UnsupportedDataType,
                    $"{where} is declared {declared.ElementType} but computes {(value.Root.IsInt64 ? "int64 indices" : "floats")}");
            if (declared.Shape == null || declared.Shape.Count != value.Shape.Length) return;
            for (int d = 0; d < value.Shape.Length; d++)
            {
                if (declared.Shape[d].Value is long v && v != value.Shape[d] && !(d == 0 && value.IsBatched))
                    throw new ModelCompileException(DiagnosticIds.UnknownShape,
                        $"{where} is declared with shape [{string.Join(",", declared.Shape.Select(x => x.Value?.ToString(CultureInfo.InvariantCulture) ?? x.Param ?? "?"))}] but computes {Shapes.Format(value.Shape)}");
            }
        }

        // ---- helpers shared by the op lowerings ----

        private IrValue Input(OnnxNode node, int index, string where)
        {
            if (index >= node.Inputs.Count || node.Inputs[index].Length == 0)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: input {index} is missing");
            return Lookup(node.Inputs[index], where);
        }

        private IrValue? OptionalInput(OnnxNode node, int index, string where) =>
            index < node.Inputs.Count && node.Inputs[index].Length > 0 ? Lookup(node.Inputs[index], where) : null;

        private IrValue Lookup(string name, string where)
        {
            if (!_values.TryGetValue(name, out var value))
                throw new ModelCompileException(DiagnosticIds.InvalidNode,
                    $"{where}: input '{Text.Quote(name)}' is not defined before this node (the graph must be topologically sorted)");
            return value;
        }

        private static float[] FloatData(IrValue value, string where) =>
            value.Data ?? throw new ModelCompileException(DiagnosticIds.UnsupportedDataType,
                $"{where}: '{Text.Quote(value.Name)}' is an integer tensor where a float tensor is expected");

        private void RequireFloat(IrValue value, string where)
        {
            if (value.Kind == ValueKind.Constant) FloatData(value, where);
            if (IsBoolean(value))
                throw new ModelCompileException(DiagnosticIds.UnsupportedDataType,
                    $"{where}: '{Text.Quote(value.Name)}' is a bool tensor where a float tensor is expected; bool values may only feed Where");
        }

        private IrValue NewValue(string name, int[] shape, bool batched)
        {
            Shapes.Count(shape);
            return new IrValue(name, ValueKind.Intermediate, shape, batched);
        }

        /// <summary>Counts a constant about to be materialised (read or folded) against <see cref="ModelLimits.MaxWeightBytes"/>.</summary>
        private void ChargeConstant(long elements)
        {
            _totalConstantElements += elements;
            if (_totalConstantElements * 4 > ModelLimits.MaxWeightBytes)
                throw GraphSizeCheck.WeightsTooLarge(_totalConstantElements * 4);
        }

        private IrValue NewConstant(string name, int[] shape, float[] data) =>
            new IrValue(name, ValueKind.Constant, shape, isBatched: false) { Data = data };

        private void DefineOutput(OnnxNode node, int index, IrValue value, string where)
        {
            if (index >= node.Outputs.Count || node.Outputs[index].Length == 0)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: output {index} is missing");
            Define(node.Outputs[index], value, "node output");
        }

        /// <summary>How diagnostics name a node: by its name, or by its position in the graph when it has none.</summary>
        internal static string Describe(OnnxNode node, int index) =>
            node.Name.Length > 0
                ? $"node '{Text.Quote(node.Name)}' ({Text.Quote(node.OpType)})"
                : $"node #{index} ({Text.Quote(node.OpType)})";

        private static string Source(OnnxNode node) =>
            node.Name.Length > 0 ? $"{node.OpType} '{node.Name}'" : node.OpType;

        private static ModelCompileException BatchMix(string where, string why) =>
            new ModelCompileException(DiagnosticIds.UnknownShape,
                $"{where}: {why}, which would mix the samples of a batch; only per-sample models are supported (export with a fixed batch dim to compile it as a single tensor)");
    }
}
