using System.Collections.Generic;
using System.Linq;
using System.Text;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Graph
{
    // Elementwise ops beyond the core set: parameterised activations (fused into a preceding dense layer by
    // FuseDenseEpilogue like Relu is), Exp, Log, Sqrt and Erf, the rounding and sign ops (Abs, Neg, Reciprocal,
    // Floor, Ceil, Round, Sign), Softsign, Mish, ThresholdedRelu, Celu, Shrink, PRelu and Pow (broadcast binary ops), the variadic
    // Sum, Max and Min, comparisons whose bool results feed Where, and float-to-float CastLike.
    internal sealed partial class GraphBuilder
    {
        /// <summary>The ONNX ops lowered in this file.</summary>
        private static string[] ElementwiseOps => new[]
        {
            "Elu", "Selu", "HardSigmoid", "HardSwish", "Softplus", "Gelu", "Exp", "Log", "Sqrt", "Erf", "PRelu", "Sum",
            "Max", "Min", "Pow", "Less", "Greater", "Where", "CastLike",
            "Abs", "Neg", "Reciprocal", "Floor", "Ceil", "Round", "Sign", "Softsign", "Mish", "ThresholdedRelu", "Celu", "Shrink",
        };

        /// <summary>Values that hold a bool tensor as 1/0 floats (comparison results); only Where may read them.</summary>
        private readonly HashSet<IrValue> _booleans = new HashSet<IrValue>();

        private bool IsBoolean(IrValue value) => _booleans.Contains(value.Root);

        /// <summary>Selu's defaults, as float32 (the ONNX spec gives them to this precision).</summary>
        private const float SeluAlpha = 1.67326319217681884765625f, SeluGamma = 1.05070102214813232421875f;

        private bool TryLowerElementwise(OnnxNode node, string where)
        {
            var attrs = new NodeAttributes(node, where);
            switch (node.OpType)
            {
                case "Elu":
                    attrs.OnlyKnown("alpha");
                    LowerUnary(node, new Activation(ActivationKind.Elu, Alpha: attrs.Float("alpha", 1f)), where, attributesChecked: true);
                    return true;
                case "Selu":
                    attrs.OnlyKnown("alpha", "gamma");
                    LowerUnary(node, new Activation(ActivationKind.Selu, Alpha: attrs.Float("alpha", SeluAlpha), Beta: attrs.Float("gamma", SeluGamma)),
                        where, attributesChecked: true);
                    return true;
                case "HardSigmoid":
                    attrs.OnlyKnown("alpha", "beta");
                    LowerUnary(node, new Activation(ActivationKind.HardSigmoid, Alpha: attrs.Float("alpha", 0.2f), Beta: attrs.Float("beta", 0.5f)),
                        where, attributesChecked: true);
                    return true;
                case "HardSwish": LowerUnary(node, new Activation(ActivationKind.HardSwish), where); return true;
                case "Softplus": LowerUnary(node, new Activation(ActivationKind.Softplus), where); return true;
                case "Exp": LowerUnary(node, new Activation(ActivationKind.Exp), where); return true;
                case "Log": LowerUnary(node, new Activation(ActivationKind.Log), where); return true;
                case "Erf": LowerUnary(node, new Activation(ActivationKind.Erf), where); return true;
                case "Sqrt": LowerUnary(node, new Activation(ActivationKind.Sqrt), where); return true;
                case "Abs": LowerUnary(node, new Activation(ActivationKind.Abs), where); return true;
                case "Neg": LowerUnary(node, new Activation(ActivationKind.Neg), where); return true;
                case "Reciprocal": LowerUnary(node, new Activation(ActivationKind.Reciprocal), where); return true;
                case "Floor": LowerUnary(node, new Activation(ActivationKind.Floor), where); return true;
                case "Ceil": LowerUnary(node, new Activation(ActivationKind.Ceil), where); return true;
                case "Round": LowerUnary(node, new Activation(ActivationKind.Round), where); return true;
                case "Sign": LowerUnary(node, new Activation(ActivationKind.Sign), where); return true;
                case "Softsign": LowerUnary(node, new Activation(ActivationKind.Softsign), where); return true;
                case "Mish": LowerUnary(node, new Activation(ActivationKind.Mish), where); return true;
                case "ThresholdedRelu":
                    attrs.OnlyKnown("alpha");
                    LowerUnary(node, new Activation(ActivationKind.ThresholdedRelu, Alpha: attrs.Float("alpha", 1f)), where, attributesChecked: true);
                    return true;
                case "Celu":
                    attrs.OnlyKnown("alpha");
                    float celuAlpha = attrs.Float("alpha", 1f);
                    if (celuAlpha == 0f) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: Celu's alpha must not be 0");
                    LowerUnary(node, new Activation(ActivationKind.Celu, Alpha: celuAlpha), where, attributesChecked: true);
                    return true;
                case "Shrink":
                    attrs.OnlyKnown("lambd", "bias");
                    LowerUnary(node, new Activation(ActivationKind.Shrink, Alpha: attrs.Float("lambd", 0.5f), Beta: attrs.Float("bias", 0f)), where, attributesChecked: true);
                    return true;
                case "Gelu":
                {
                    attrs.OnlyKnown("approximate");
                    string approximate = StringAttribute(attrs, "approximate", "none");
                    var kind = approximate switch
                    {
                        "none" => ActivationKind.Gelu,
                        "tanh" => ActivationKind.GeluTanh,
                        _ => throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: approximate='{Text.Quote(approximate)}' is not 'none' or 'tanh'"),
                    };
                    LowerUnary(node, new Activation(kind), where, attributesChecked: true);
                    return true;
                }
                case "PRelu":
                {
                    attrs.OnlyKnown();
                    var x = Input(node, 0, where);
                    var slope = Input(node, 1, where);
                    RequireFloat(x, where); RequireFloat(slope, where);
                    // Unidirectional broadcasting: the slope stretches to X, never the other way.
                    if (Shapes.Broadcast(x.Shape, slope.Shape) is not int[] shape || !shape.SequenceEqual(x.Shape))
                        throw new ModelCompileException(DiagnosticIds.InvalidNode,
                            $"{where}: slope of shape {Shapes.Format(slope.Shape)} does not broadcast to X {Shapes.Format(x.Shape)}");
                    DefineOutput(node, 0, Binary(BinaryKind.PRelu, x, slope, Source(node), where), where);
                    return true;
                }
                case "Sum": LowerVariadic(node, BinaryKind.Add, where); return true;
                case "Max": LowerVariadic(node, BinaryKind.Max, where); return true;
                case "Min": LowerVariadic(node, BinaryKind.Min, where); return true;
                case "Pow": LowerBinary(node, BinaryKind.Pow, where); return true;
                case "Less":
                case "Greater":
                {
                    LowerBinary(node, node.OpType == "Less" ? BinaryKind.Less : BinaryKind.Greater, where);
                    _booleans.Add(_values[node.Outputs[0]]);
                    return true;
                }
                case "Where": LowerWhere(node, where); return true;
                case "CastLike":
                {
                    attrs.OnlyKnown("saturate");
                    var x = Input(node, 0, where);
                    var like = Input(node, 1, where);
                    RequireFloat(x, where);
                    if (IsBoolean(like) || (like.Kind == ValueKind.Constant && like.Data == null))
                        throw new ModelCompileException(DiagnosticIds.UnsupportedDataType, $"{where}: CastLike to a non-float type is not supported");
                    // Float to float: nothing to do.
                    DefineOutput(node, 0, View(x, x.Shape, node), where);
                    return true;
                }
                default:
                    return false;
            }
        }

        /// <summary>Sum, Max, Min of one or more inputs: a chain of broadcast binary ops.</summary>
        private void LowerVariadic(OnnxNode node, BinaryKind kind, string where)
        {
            new NodeAttributes(node, where).OnlyKnown();
            if (node.Inputs.Count == 0) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: {Text.Quote(node.OpType)} needs at least one input");
            var total = Input(node, 0, where);
            RequireFloat(total, where);
            for (int i = 1; i < node.Inputs.Count; i++)
            {
                var next = Input(node, i, where);
                RequireFloat(next, where);
                total = Binary(kind, total, next, Source(node), where);
            }
            DefineOutput(node, 0, node.Inputs.Count == 1 ? View(total, total.Shape, node) : total, where);
        }

        private void LowerWhere(OnnxNode node, string where)
        {
            new NodeAttributes(node, where).OnlyKnown();
            var condition = Input(node, 0, where);
            var a = Input(node, 1, where);
            var b = Input(node, 2, where);
            if (!IsBoolean(condition))
                throw new ModelCompileException(DiagnosticIds.UnsupportedDataType,
                    $"{where}: the condition '{Text.Quote(condition.Name)}' must be a bool tensor computed by a comparison (Less, Greater)");
            RequireFloat(a, where); RequireFloat(b, where);
            var operands = new[] { condition, a, b };
            int[] shape = (Shapes.Broadcast(condition.Shape, a.Shape) is int[] ca ? Shapes.Broadcast(ca, b.Shape) : null)
                ?? throw new ModelCompileException(DiagnosticIds.InvalidNode,
                    $"{where}: shapes {string.Join(", ", operands.Select(v => Shapes.Format(v.Shape)))} do not broadcast");
            bool batched = operands.Any(v => v.IsBatched);
            foreach (var v in operands)
            {
                if (!batched) break;
                if (v.IsBatched && v.Shape.Length < shape.Length) throw BatchMix(where, $"'{Text.Quote(v.Name)}' is broadcast across the batch dim");
                if (!v.IsBatched && v.Shape.Length == shape.Length && v.Shape.Length > 0 && v.Shape[0] != 1) throw BatchMix(where, $"'{Text.Quote(v.Name)}' has its own leading dim {v.Shape[0]}");
            }
            string name = node.Outputs.FirstOrDefault() ?? "";
            if (operands.All(v => v.Kind == ValueKind.Constant))
            {
                var data = new float[Shapes.Count(shape)];
                var sc = Shapes.BroadcastStrides(condition.Shape, shape);
                var sa = Shapes.BroadcastStrides(a.Shape, shape);
                var sb = Shapes.BroadcastStrides(b.Shape, shape);
                var index = new int[shape.Length];
                for (int e = 0; e < data.Length; e++)
                {
                    int ic = 0, ia = 0, ib = 0;
                    for (int d = 0; d < shape.Length; d++) { ic += index[d] * sc[d]; ia += index[d] * sa[d]; ib += index[d] * sb[d]; }
                    data[e] = condition.Data![ic] != 0f ? a.Data![ia] : b.Data![ib];
                    for (int d = shape.Length - 1; d >= 0; d--)
                    {
                        if (++index[d] < shape[d]) break;
                        index[d] = 0;
                    }
                }
                DefineOutput(node, 0, NewConstant(name, shape, data), where);
                return;
            }
            var output = NewValue(name, shape, batched);
            _graph.Ops.Add(new WhereOp(condition, a, b, output, Source(node)));
            DefineOutput(node, 0, output, where);
        }

        /// <summary>A string attribute (UTF-8), or <paramref name="fallback"/> when absent.</summary>
        private static string StringAttribute(NodeAttributes attrs, string name, string fallback)
        {
            var a = attrs.Find(name);
            if (a == null) return fallback;
            if (a.Type != OnnxAttributeType.String && !(a.Type == OnnxAttributeType.Undefined && a.S.Length > 0))
                throw new ModelCompileException(DiagnosticIds.InvalidNode, $"attribute '{name}' must be a string");
            return Encoding.UTF8.GetString(a.S);
        }
    }
}
