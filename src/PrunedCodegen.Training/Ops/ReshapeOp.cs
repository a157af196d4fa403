using PrunedCodegen.Training.Tensors;

namespace PrunedCodegen.Training.Ops;

/// <summary>
/// Flatten and Reshape (with a constant target shape): the data is unchanged, only the shape differs, and the
/// gradient is reshaped back.
/// </summary>
internal sealed class ReshapeOp : GraphOp
{
    private readonly int? _flattenAxis;
    private readonly long[]? _target;
    private readonly bool _allowZero;

    private ReshapeOp(string description, string[] inputs, string output, int? flattenAxis, long[]? target, bool allowZero)
        : base(description, inputs, output)
    {
        _flattenAxis = flattenAxis;
        _target = target;
        _allowZero = allowZero;
    }

    public static ReshapeOp Flatten(string description, string input, string output, int axis) =>
        new(description, new[] { input }, output, axis, null, false);

    public static ReshapeOp Reshape(string description, string input, string output, long[] target, bool allowZero) =>
        new(description, new[] { input }, output, null, target, allowZero);

    public override FloatTensor Forward(FloatTensor[] inputs) => new(OutputShape(inputs[0].Shape), (float[])inputs[0].Data.Clone());

    public override FloatTensor?[] Backward(FloatTensor[] inputs, FloatTensor output, FloatTensor dy, bool[] needed) =>
        new FloatTensor?[] { needed[0] ? new FloatTensor((int[])inputs[0].Shape.Clone(), dy.Data) : null };

    private int[] OutputShape(int[] shape)
    {
        if (_flattenAxis is int flattenAxis)
        {
            int axis = flattenAxis < 0 ? flattenAxis + shape.Length : flattenAxis;
            if (axis < 0 || axis > shape.Length)
                throw Error($"axis {flattenAxis} is out of range for shape {FloatTensor.Format(shape)}.");
            int outer = 1, inner = 1;
            for (int d = 0; d < axis; d++) outer *= shape[d];
            for (int d = axis; d < shape.Length; d++) inner *= shape[d];
            return new[] { outer, inner };
        }
        long[] target = _target!;
        var result = new int[target.Length];
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < target.Length; i++)
        {
            long t = target[i];
            if (t == 0 && !_allowZero)
            {
                if (i >= shape.Length)
                    throw Error($"shape entry {i} is 0 (copy) but the input has rank {shape.Length}.");
                t = shape[i];
            }
            if (t == -1)
            {
                if (inferred >= 0)
                    throw Error("the target shape has more than one -1.");
                inferred = i;
                continue;
            }
            if (t < 0)
                throw Error($"shape entry {i} is {t}.");
            result[i] = checked((int)t);
            known *= t;
        }
        int size = FloatTensor.SizeOf(shape);
        if (inferred >= 0)
        {
            if (known == 0 || size % known != 0)
                throw Error($"cannot reshape {FloatTensor.Format(shape)} to [{string.Join(", ", target)}].");
            result[inferred] = (int)(size / known);
        }
        else if (known != size)
        {
            throw Error($"cannot reshape {FloatTensor.Format(shape)} ({size} elements) to [{string.Join(", ", target)}].");
        }
        return result;
    }
}
