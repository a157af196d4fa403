using PrunedCodegen.Training.Tensors;

namespace PrunedCodegen.Training.Ops;

/// <summary>
/// MatMul with numpy semantics for the shapes layers use: A of any rank (leading dims are a batch) times a
/// 2-D B (a weight matrix), or a 1-D B (a vector).
/// </summary>
internal sealed class MatMulOp : GraphOp
{
    public MatMulOp(string description, string[] inputs, string output) : base(description, inputs, output) { }

    public override FloatTensor Forward(FloatTensor[] inputs)
    {
        (int rows, int k, int n, int[] shape) = Plan(inputs[0], inputs[1]);
        var y = new FloatTensor(shape);
        MatrixMath.MultiplyNN(inputs[0].Data, inputs[1].Data, y.Data, rows, k, n, accumulate: false);
        return y;
    }

    public override FloatTensor?[] Backward(FloatTensor[] inputs, FloatTensor output, FloatTensor dy, bool[] needed)
    {
        (int rows, int k, int n, _) = Plan(inputs[0], inputs[1]);
        var grads = new FloatTensor?[2];
        if (needed[0])
        {
            var da = new float[rows * k];                    // dA = dY · Bᵀ (B's rows are Bᵀ's columns)
            MatrixMath.MultiplyNT(dy.Data, inputs[1].Data, da, rows, n, k, accumulate: false);
            grads[0] = new FloatTensor((int[])inputs[0].Shape.Clone(), da);
        }
        if (needed[1])
        {
            var db = new float[k * n];                       // dB = Aᵀ · dY, summed over the batch rows
            MatrixMath.MultiplyTN(inputs[0].Data, dy.Data, db, rows, k, n, accumulate: false);
            grads[1] = new FloatTensor((int[])inputs[1].Shape.Clone(), db);
        }
        return grads;
    }

    private (int Rows, int K, int N, int[] Shape) Plan(FloatTensor a, FloatTensor b)
    {
        if (a.Rank < 1 || b.Rank < 1 || b.Rank > 2)
            throw Error($"shapes {FloatTensor.Format(a.Shape)} x {FloatTensor.Format(b.Shape)} are not supported for training (B must be 1-D or 2-D).");
        int k = a.Shape[^1];
        if (b.Shape[0] != k)
            throw Error($"inner dimensions differ: {FloatTensor.Format(a.Shape)} x {FloatTensor.Format(b.Shape)}.");
        int n = b.Rank == 2 ? b.Shape[1] : 1;
        int rows = a.Length / System.Math.Max(k, 1);
        int[] shape;
        if (b.Rank == 2)
        {
            shape = (int[])a.Shape.Clone();
            shape[^1] = n;
        }
        else
        {
            shape = a.Shape[..^1];
        }
        return (rows, k, n, shape);
    }
}
