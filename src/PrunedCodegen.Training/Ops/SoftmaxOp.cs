using System;
using System.Numerics.Tensors;
using PrunedCodegen.Training.Tensors;

namespace PrunedCodegen.Training.Ops;

/// <summary>
/// Softmax. Opset 13 and newer normalise along one axis; older opsets flatten the input to 2-D at the axis
/// and normalise each row of the flattened view.
/// </summary>
internal sealed class SoftmaxOp : GraphOp
{
    private readonly int _axis;
    private readonly bool _coerceTo2D;

    public SoftmaxOp(string description, string[] inputs, string output, int axis, bool coerceTo2D) : base(description, inputs, output)
    {
        _axis = axis;
        _coerceTo2D = coerceTo2D;
    }

    public override FloatTensor Forward(FloatTensor[] inputs)
    {
        FloatTensor x = inputs[0];
        (int outer, int size, int inner) = Layout(x.Shape);
        var y = FloatTensor.ZerosLike(x);
        var column = new float[size];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int start = o * size * inner + i;
                for (int d = 0; d < size; d++) column[d] = x.Data[start + d * inner];
                float max = TensorPrimitives.Max(column);
                TensorPrimitives.Subtract(column, max, column);
                TensorPrimitives.Exp(column, column);
                float sum = TensorPrimitives.Sum(column);
                for (int d = 0; d < size; d++) y.Data[start + d * inner] = column[d] / sum;
            }
        }
        return y;
    }

    public override FloatTensor?[] Backward(FloatTensor[] inputs, FloatTensor output, FloatTensor dy, bool[] needed)
    {
        if (!needed[0])
            return new FloatTensor?[1];
        (int outer, int size, int inner) = Layout(output.Shape);
        var dx = FloatTensor.ZerosLike(dy);
        float[] y = output.Data, g = dy.Data;
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int start = o * size * inner + i;
                double dot = 0;                               // dx = y ⊙ (dy − Σ dy ⊙ y)
                for (int d = 0; d < size; d++) dot += (double)g[start + d * inner] * y[start + d * inner];
                for (int d = 0; d < size; d++)
                {
                    int at = start + d * inner;
                    dx.Data[at] = (float)(y[at] * (g[at] - dot));
                }
            }
        }
        return new FloatTensor?[] { dx };
    }

    private (int Outer, int Size, int Inner) Layout(int[] shape)
    {
        int rank = shape.Length;
        int axis = _axis < 0 ? _axis + rank : _axis;
        if (rank == 0 || axis < 0 || axis >= rank)
            throw Error($"axis {_axis} is out of range for shape {FloatTensor.Format(shape)}.");
        int outer = 1, size = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= shape[d];
        if (_coerceTo2D)
        {
            for (int d = axis; d < rank; d++) size *= shape[d];
            return (outer, size, 1);
        }
        size = shape[axis];
        for (int d = axis + 1; d < rank; d++) inner *= shape[d];
        return (outer, size, inner);
    }
}
