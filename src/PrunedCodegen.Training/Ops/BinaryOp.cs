using System;
using System.Numerics.Tensors;
using PrunedCodegen.Training.Tensors;

namespace PrunedCodegen.Training.Ops;

public enum BinaryKind { Add, Sub, Mul }

/// <summary>Add, Sub and Mul with multidirectional broadcasting (a bias row, a per-channel scale, ...).</summary>
internal sealed class BinaryOp : GraphOp
{
    private readonly BinaryKind _kind;

    public BinaryOp(string description, string[] inputs, string output, BinaryKind kind) : base(description, inputs, output)
    {
        _kind = kind;
    }

    public override FloatTensor Forward(FloatTensor[] inputs)
    {
        FloatTensor a = inputs[0], b = inputs[1];
        int[] shape = Broadcasting.Shape(a.Shape, b.Shape, Description);
        var y = new FloatTensor(shape);
        if (Broadcasting.SameShape(a.Shape, b.Shape))
        {
            switch (_kind)
            {
                case BinaryKind.Add: TensorPrimitives.Add(a.Data, b.Data, y.Data); break;
                case BinaryKind.Sub: TensorPrimitives.Subtract(a.Data, b.Data, y.Data); break;
                default: TensorPrimitives.Multiply(a.Data, b.Data, y.Data); break;
            }
            return y;
        }
        int[] ma = Broadcasting.IndexMap(shape, a.Shape), mb = Broadcasting.IndexMap(shape, b.Shape);
        float[] ad = a.Data, bd = b.Data, yd = y.Data;
        for (int i = 0; i < yd.Length; i++)
        {
            float x1 = ad[ma[i]], x2 = bd[mb[i]];
            yd[i] = _kind switch { BinaryKind.Add => x1 + x2, BinaryKind.Sub => x1 - x2, _ => x1 * x2 };
        }
        return y;
    }

    public override FloatTensor?[] Backward(FloatTensor[] inputs, FloatTensor output, FloatTensor dy, bool[] needed)
    {
        var grads = new FloatTensor?[2];
        for (int side = 0; side < 2; side++)
        {
            if (!needed[side])
                continue;
            FloatTensor self = inputs[side], other = inputs[1 - side];
            var full = new float[dy.Length];
            switch (_kind)
            {
                case BinaryKind.Add:
                    dy.Data.AsSpan().CopyTo(full);
                    break;
                case BinaryKind.Sub:
                    if (side == 0) dy.Data.AsSpan().CopyTo(full);
                    else TensorPrimitives.Negate(dy.Data, full);
                    break;
                default:
                    int[] mo = Broadcasting.IndexMap(dy.Shape, other.Shape);
                    float[] od = other.Data, g = dy.Data;
                    for (int i = 0; i < full.Length; i++)
                        full[i] = g[i] * od[mo[i]];
                    break;
            }
            grads[side] = Broadcasting.Reduce(new FloatTensor((int[])dy.Shape.Clone(), full), self.Shape);
        }
        return grads;
    }
}
