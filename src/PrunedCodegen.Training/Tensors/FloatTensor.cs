using System;
using System.Globalization;
using System.Linq;

namespace PrunedCodegen.Training.Tensors;

/// <summary>A dense float32 tensor: a row-major buffer and its shape. The engine's only value type.</summary>
public sealed class FloatTensor
{
    public FloatTensor(int[] shape, float[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        if (SizeOf(shape) != data.Length)
            throw new ArgumentException($"Shape {Format(shape)} holds {SizeOf(shape)} elements but the data has {data.Length}.");
        Shape = shape;
        Data = data;
    }

    public FloatTensor(params int[] shape) : this(shape, new float[SizeOf(shape)]) { }

    public int[] Shape { get; }

    public float[] Data { get; }

    public int Rank => Shape.Length;

    public int Length => Data.Length;

    public FloatTensor Reshaped(params int[] shape) => new FloatTensor(shape, Data);

    public FloatTensor Clone() => new FloatTensor((int[])Shape.Clone(), (float[])Data.Clone());

    public static FloatTensor ZerosLike(FloatTensor t) => new FloatTensor((int[])t.Shape.Clone());

    public static int SizeOf(int[] shape)
    {
        long size = 1;
        foreach (int d in shape)
        {
            if (d < 0)
                throw new ArgumentException($"Negative dimension in shape {Format(shape)}.");
            size *= d;
            if (size > int.MaxValue)
                throw new ArgumentException($"Shape {Format(shape)} holds more than {int.MaxValue} elements.");
        }
        return (int)size;
    }

    public static string Format(int[] shape) =>
        "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    public override string ToString() => "Tensor" + Format(Shape);
}
