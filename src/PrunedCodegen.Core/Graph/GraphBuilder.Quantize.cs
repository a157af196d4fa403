using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Graph
{
    // QuantizeLinear and DequantizeLinear: the QDQ format that ONNX Runtime's quantization tool, PyTorch and the TFLite
    // converters write. Weights arrive as int8/uint8 initializers behind a DequantizeLinear (per tensor or per output
    // channel); activations pass through QuantizeLinear -> DequantizeLinear pairs. This first step computes in float:
    // a dequantized weight is folded into a float constant at build time (so the float kernels, pruning and all, run
    // it), and an activation's Q and DQ become two elementwise ops that round and saturate exactly as ONNX defines
    // (round half to even, clamp to the integer type). Integer kernels are the next step (issue 16).
    internal sealed partial class GraphBuilder
    {
        private static string[] QuantizationOps => new[] { "QuantizeLinear", "DequantizeLinear" };

        /// <summary>Ops that only move values: they may read a quantized tensor, and their output is quantized too.</summary>
        private static readonly HashSet<string> s_movesQuantized = new HashSet<string>(StringComparer.Ordinal)
        {
            "DequantizeLinear", "Reshape", "Flatten", "Identity", "Squeeze", "Unsqueeze", "Transpose",
        };

        /// <summary>Runtime values that hold quantized integers (as floats), with their ONNX integer type.</summary>
        private readonly Dictionary<IrValue, OnnxDataType> _quantizedTypes = new Dictionary<IrValue, OnnxDataType>();

        /// <summary>
        /// The integer type of the node's quantized inputs, or null when it reads none; refuses an op that would compute
        /// on the integers as if they were floats (Add of two int8 tensors wraps in ONNX, and ours would not).
        /// </summary>
        private OnnxDataType? CheckQuantizedInputs(OnnxNode node, string where)
        {
            OnnxDataType? type = null;
            foreach (string name in node.Inputs)
            {
                if (name.Length == 0 || !_values.TryGetValue(name, out var value) || !_quantizedTypes.TryGetValue(value, out var t)) continue;
                if (!s_movesQuantized.Contains(node.OpType))
                    throw new ModelCompileException(DiagnosticIds.UnsupportedDataType,
                        $"{where}: input '{Text.Quote(name)}' holds {t} values (a QuantizeLinear output); only DequantizeLinear and the ops that move values ({string.Join(", ", s_movesQuantized.Where(o => o != "DequantizeLinear").OrderBy(o => o, StringComparer.Ordinal))}) may read it");
                type = t;
            }
            return type;
        }

        private void MarkQuantizedOutputs(OnnxNode node, OnnxDataType type)
        {
            foreach (string name in node.Outputs)
                if (name.Length > 0 && _values.TryGetValue(name, out var value) && value.Kind != ValueKind.Constant)
                    _quantizedTypes[value] = type;
        }

        // ---- QuantizeLinear: y = saturate(round_half_even(x / scale) + zero_point) ----

        private void LowerQuantizeLinear(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("axis", "saturate", "block_size", "output_dtype", "precision");
            var x = Input(node, 0, where);
            RequireFloat(x, where);
            var (scale, zeroPoint, type, axis) = QuantizationParameters(node, attrs, x, where, quantize: true);
            var (min, max) = IntegerRange(type, where);
            if (x.Kind == ValueKind.Constant)
            {
                var data = FloatData(x, where);
                var q = new long[data.Length];
                ForEachChannel(x.Shape, axis, scale.Length, (i, c) => q[i] = (long)Quantization.Quantize(data[i], scale[c], zeroPoint[c], min, max));
                ChargeConstant(q.Length);
                DefineOutput(node, 0, new IrValue(node.Outputs[0], ValueKind.Constant, x.Shape, isBatched: false) { IntData = q, IntegerType = type }, where);
                return;
            }
            if (scale.Length != 1)
                throw new ModelCompileException(DiagnosticIds.UnsupportedOp,
                    $"{where}: per-axis quantization of a runtime tensor ({scale.Length} scales) is not supported; quantize activations per tensor (weights may be per channel)");
            var y = NewValue(node.Outputs.FirstOrDefault() ?? "", x.Shape, x.IsBatched);
            _graph.Ops.Add(new UnaryOp(new Activation(ActivationKind.Quantize, Alpha: scale[0], Beta: zeroPoint[0], Min: min, Max: max), x, y, Source(node)));
            DefineOutput(node, 0, y, where);
            _quantizedTypes[y] = type;
        }

        // ---- DequantizeLinear: y = (x - zero_point) * scale ----

        private void LowerDequantizeLinear(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            attrs.OnlyKnown("axis", "block_size", "output_dtype");
            var x = Input(node, 0, where);
            if (x.Kind == ValueKind.Constant)
            {
                if (x.IntData == null)
                    throw new ModelCompileException(DiagnosticIds.UnsupportedDataType,
                        $"{where}: '{Text.Quote(x.Name)}' is a float tensor; DequantizeLinear reads int8, uint8, int16, uint16 or int32 data");
                var (scale, zeroPoint, _, axis) = QuantizationParameters(node, attrs, x, where, quantize: false);
                if (x.IntegerType == OnnxDataType.Int32 && zeroPoint.Any(z => z != 0))
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: an int32 input needs a zero point of 0 (ONNX)");
                var data = new float[x.IntData.Length];
                var ints = x.IntData;
                // (x - zero point) in integers, then one float multiply: ONNX Runtime's order, so an int32 bias rounds alike.
                ForEachChannel(x.Shape, axis, scale.Length, (i, c) => data[i] = (float)(ints[i] - (long)zeroPoint[c]) * scale[c]);
                ChargeConstant(data.Length);
                DefineOutput(node, 0, NewConstant(node.Outputs[0], x.Shape, data), where);
                return;
            }
            if (!_quantizedTypes.TryGetValue(x, out var inputType))
                throw new ModelCompileException(DiagnosticIds.UnsupportedDataType,
                    $"{where}: '{Text.Quote(x.Name)}' is a float tensor; DequantizeLinear reads the integers of a QuantizeLinear or a quantized initializer");
            var (s, z, _, _) = QuantizationParameters(node, attrs, x, where, quantize: false, inputType);
            if (s.Length != 1)
                throw new ModelCompileException(DiagnosticIds.UnsupportedOp,
                    $"{where}: per-axis dequantization of a runtime tensor ({s.Length} scales) is not supported; quantize activations per tensor");
            var y = NewValue(node.Outputs.FirstOrDefault() ?? "", x.Shape, x.IsBatched);
            _graph.Ops.Add(new UnaryOp(new Activation(ActivationKind.Dequantize, Alpha: s[0], Beta: z[0]), x, y, Source(node)));
            DefineOutput(node, 0, y, where);
        }

        /// <summary>
        /// The scales and zero points (one per tensor or one per slice along the axis) and the integer type: the zero
        /// point's type, else output_dtype (opset 21), else uint8 for QuantizeLinear; for DequantizeLinear the input's. Axis is
        /// the one the scales run along (0 when there is one scale).
        /// </summary>
        private (float[] Scale, float[] ZeroPoint, OnnxDataType Type, int Axis) QuantizationParameters(OnnxNode node, NodeAttributes attrs, IrValue x, string where,
            bool quantize, OnnxDataType? runtimeType = null)
        {
            if (attrs.Int("block_size", 0) != 0)
                throw new ModelCompileException(DiagnosticIds.UnsupportedOp, $"{where}: blocked quantization (block_size) is not supported; quantize per tensor or per axis");
            var scaleValue = Input(node, 1, where);
            if (scaleValue.Kind != ValueKind.Constant)
                throw new ModelCompileException(DiagnosticIds.UnsupportedOp, $"{where}: the scale must be a constant (it is computed at run time here)");
            var scale = FloatData(scaleValue, where);
            if (scaleValue.Shape.Length > 1 || scale.Length == 0)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: the scale must be a scalar or a 1-D tensor, not {Shapes.Format(scaleValue.Shape)}");
            foreach (float f in scale)
                if (!(f > 0f) || float.IsInfinity(f))
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: scale {Emitting.CSharpLiterals.Float(f)} is not a positive finite number");
            int axis = 0;
            if (scale.Length > 1)
            {
                axis = NormalizedAxis(attrs, x, where);
                if (scale.Length != x.Shape[axis])
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: {scale.Length} scales for axis {axis} of length {x.Shape[axis]}");
            }

            var zeroValue = OptionalInput(node, 2, where);
            OnnxDataType type = !quantize ? runtimeType ?? x.IntegerType
                : zeroValue != null ? zeroValue.IntegerType
                : (OnnxDataType)attrs.Int("output_dtype", (long)OnnxDataType.UInt8);
            var zeroPoint = new float[scale.Length];
            if (zeroValue != null)
            {
                if (zeroValue.Kind != ValueKind.Constant || zeroValue.IntData == null)
                    throw new ModelCompileException(DiagnosticIds.UnsupportedOp, $"{where}: the zero point must be an integer constant");
                if (zeroValue.Count != scale.Length)
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: {zeroValue.Count} zero points for {scale.Length} scales");
                if (!quantize && zeroValue.IntegerType != type)
                    throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: the zero point is {zeroValue.IntegerType} but the input is {type}");
                var (min, max) = IntegerRange(zeroValue.IntegerType, where);
                for (int i = 0; i < scale.Length; i++)
                {
                    long z = zeroValue.IntData[i];
                    if (z < min || z > max) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: zero point {z} is outside {zeroValue.IntegerType}");
                    zeroPoint[i] = z;
                }
            }
            return (scale, zeroPoint, type, axis);
        }

        private static (float Min, float Max) IntegerRange(OnnxDataType type, string where) => type switch
        {
            OnnxDataType.UInt8 => (0f, 255f),
            OnnxDataType.Int8 => (-128f, 127f),
            OnnxDataType.UInt16 => (0f, 65535f),
            OnnxDataType.Int16 => (-32768f, 32767f),
            OnnxDataType.Int32 => (int.MinValue, int.MaxValue),
            _ => throw new ModelCompileException(DiagnosticIds.UnsupportedDataType,
                $"{where}: quantized type {type} is not supported (int8, uint8, int16, uint16; int32 for DequantizeLinear of a bias)"),
        };

        private static int NormalizedAxis(NodeAttributes attrs, IrValue x, string where)
        {
            long axis = attrs.Int("axis", 1);
            int rank = x.Shape.Length;
            if (axis < -rank || axis >= rank)
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: axis {axis} is outside rank {rank}");
            return (int)(axis < 0 ? axis + rank : axis);
        }

        /// <summary>Calls body(element, channel) for every element of a tensor of <paramref name="shape"/>; channel is its index along axis (0 when per tensor).</summary>
        private static void ForEachChannel(int[] shape, int axis, int channels, Action<int, int> body)
        {
            int count = Shapes.Count(shape);
            if (channels == 1) { for (int i = 0; i < count; i++) body(i, 0); return; }
            int inner = 1;
            for (int d = axis + 1; d < shape.Length; d++) inner *= shape[d];
            for (int i = 0; i < count; i++) body(i, i / inner % channels);
        }
    }

    /// <summary>The ONNX quantization arithmetic, shared by build-time folding and (as C#) the generated Kernels.Quantize.</summary>
    internal static class Quantization
    {
        /// <summary>
        /// clamp(round_half_even(x / scale) + zeroPoint, min, max): the division in float, as ONNX Runtime does. NaN stays
        /// NaN (ONNX leaves it undefined; it then dequantizes to NaN rather than to an arbitrary integer).
        /// </summary>
        public static float Quantize(float x, float scale, float zeroPoint, float min, float max)
        {
            float q = (float)Math.Round(x / scale, MidpointRounding.ToEven) + zeroPoint;
            return q < min ? min : q > max ? max : q;
        }

        public static float Dequantize(float q, float scale, float zeroPoint) => (q - zeroPoint) * scale;

        /// <summary>Dequantize(Quantize(x)) with one scale and zero point; low and high are the integer range less the zero point. +0 where the integer is 0.</summary>
        public static float QuantizeDequantize(float x, float scale, float low, float high)
        {
            float v = x / scale;
            v = v < low ? low : v > high ? high : v;
            return (float)Math.Round(v, MidpointRounding.ToEven) * scale + 0f;
        }
    }
}
