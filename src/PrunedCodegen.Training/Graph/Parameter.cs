using System;
using PrunedCodegen.Training.Tensors;

namespace PrunedCodegen.Training.Graph;

/// <summary>
/// A trainable float initializer: its current value, the gradient accumulated by backward passes, and an
/// optional mask of the entries that may change (false = held at exactly zero by masked fine-tuning).
/// </summary>
public sealed class Parameter
{
    internal Parameter(string name, FloatTensor value)
    {
        Name = name;
        Value = value;
        Gradient = new float[value.Length];
    }

    /// <summary>The initializer's name in the ONNX graph.</summary>
    public string Name { get; }

    public FloatTensor Value { get; }

    public int[] Shape => Value.Shape;

    /// <summary>d loss / d value, summed over the backward passes since the last <see cref="TrainableGraph.ZeroGradients"/>.</summary>
    public float[] Gradient { get; }

    /// <summary>True where the entry trains; null when every entry does.</summary>
    public bool[]? Mask { get; private set; }

    /// <summary>A weight matrix or kernel (rank 2 or more), as opposed to a bias or a per-channel scale.</summary>
    public bool IsWeight => Value.Rank >= 2;

    /// <summary>Fixes every entry that is exactly zero now: it keeps the value 0 through training.</summary>
    public void MaskZeros()
    {
        bool[]? mask = null;
        float[] v = Value.Data;
        for (int i = 0; i < v.Length; i++)
        {
            if (v[i] == 0f)
            {
                mask ??= CreateAllTrue(v.Length);
                mask[i] = false;
            }
        }
        Mask = mask;
    }

    public void ClearMask() => Mask = null;

    /// <summary>Zeroes the masked entries of <paramref name="values"/> (a gradient, or the value itself).</summary>
    internal void ApplyMask(Span<float> values)
    {
        if (Mask is not { } mask)
            return;
        for (int i = 0; i < mask.Length; i++)
        {
            if (!mask[i])
                values[i] = 0f;
        }
    }

    private static bool[] CreateAllTrue(int length)
    {
        var mask = new bool[length];
        Array.Fill(mask, true);
        return mask;
    }
}
