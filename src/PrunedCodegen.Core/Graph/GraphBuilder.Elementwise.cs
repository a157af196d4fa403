using System.Collections.Generic;
using System.Linq;
using System.Text;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Graph
{
    // Elementwise ops beyond the core set: parameterised activations (fused into a preceding dense layer by
    // FuseDenseEpilogue like Relu is), Exp and Sqrt, PRelu (a broadcast binary op) and the variadic Sum.
    internal sealed partial class GraphBuilder
    {
        /// <summary>The ONNX ops lowered in this file.</summary>
        private static string[] ElementwiseOps => new[]
        {
            "Elu", "Selu", "HardSigmoid", "HardSwish", "Softplus", "Gelu", "Exp", "Log", "Sqrt", "PRelu", "Sum",
        };

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
                case "Sqrt": LowerUnary(node, new Activation(ActivationKind.Sqrt), where); return true;
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
                case "Sum":
                {
                    attrs.OnlyKnown();
                    if (node.Inputs.Count == 0) throw new ModelCompileException(DiagnosticIds.InvalidNode, $"{where}: Sum needs at least one input");
                    var total = Input(node, 0, where);
                    RequireFloat(total, where);
                    for (int i = 1; i < node.Inputs.Count; i++)
                    {
                        var next = Input(node, i, where);
                        RequireFloat(next, where);
                        total = Binary(BinaryKind.Add, total, next, Source(node), where);
                    }
                    DefineOutput(node, 0, node.Inputs.Count == 1 ? View(total, total.Shape, node) : total, where);
                    return true;
                }
                default:
                    return false;
            }
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
