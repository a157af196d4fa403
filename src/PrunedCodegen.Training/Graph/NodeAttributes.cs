using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Training.Graph;

/// <summary>Typed reads of a node's attributes, with the defaults the ONNX operator specs give.</summary>
internal static class NodeAttributes
{
    public static long Int(OnnxNode node, string name, long fallback) =>
        Find(node, name) is { } a ? a.I : fallback;

    public static float Float(OnnxNode node, string name, float fallback) =>
        Find(node, name) is { } a ? a.F : fallback;

    public static string String(OnnxNode node, string name, string fallback) =>
        Find(node, name) is { } a ? System.Text.Encoding.UTF8.GetString(a.S) : fallback;

    public static int[]? Ints(OnnxNode node, string name) =>
        Find(node, name) is { } a ? a.Ints.Select(v => checked((int)v)).ToArray() : null;

    public static OnnxAttribute? Find(OnnxNode node, string name)
    {
        foreach (OnnxAttribute a in node.Attributes)
        {
            if (a.Name == name)
                return a;
        }
        return null;
    }

    public static string Describe(OnnxNode node) =>
        node.Name.Length > 0 ? $"{node.OpType} node '{node.Name}'" : $"{node.OpType} node (output '{node.Outputs.FirstOrDefault()}')";

    public static void RejectUnknown(OnnxNode node, IEnumerable<string> known)
    {
        var set = new HashSet<string>(known);
        foreach (OnnxAttribute a in node.Attributes)
        {
            if (!set.Contains(a.Name))
                throw new TrainingException($"{Describe(node)}: attribute '{a.Name}' is not supported for training.");
        }
    }
}
