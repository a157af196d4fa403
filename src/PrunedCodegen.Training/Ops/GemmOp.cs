using System.Numerics.Tensors;
using PrunedCodegen.Training.Tensors;

namespace PrunedCodegen.Training.Ops;

/// <summary>Gemm: Y = alpha · op(A) · op(B) + beta · C, op = optional transpose, C broadcast to [M, N].</summary>
internal sealed class GemmOp : GraphOp
{
    private readonly bool _transA, _transB;
    private readonly float _alpha, _beta;

    public GemmOp(string description, string[] inputs, string output, bool transA, bool transB, float alpha, float beta)
        : base(description, inputs, output)
    {
        _transA = transA;
        _transB = transB;
        _alpha = alpha;
        _beta = beta;
    }

    public override FloatTensor Forward(FloatTensor[] inputs)
    {
        (float[] a, float[] b, int m, int k, int n) = Operands(inputs[0], inputs[1]);
        var y = new FloatTensor(m, n);
        MatrixMath.MultiplyNN(a, b, y.Data, m, k, n, accumulate: false);
        if (_alpha != 1f)
            TensorPrimitives.Multiply(y.Data, _alpha, y.Data);
        if (inputs.Length > 2)
        {
            FloatTensor c = inputs[2];
            Broadcasting.Shape(c.Shape, y.Shape, Description);
            int[] map = Broadcasting.IndexMap(y.Shape, c.Shape);
            float[] yd = y.Data, cd = c.Data;
            for (int i = 0; i < yd.Length; i++)
                yd[i] += _beta * cd[map[i]];
        }
        return y;
    }

    public override FloatTensor?[] Backward(FloatTensor[] inputs, FloatTensor output, FloatTensor dy, bool[] needed)
    {
        (float[] a, float[] b, int m, int k, int n) = Operands(inputs[0], inputs[1]);
        var grads = new FloatTensor?[inputs.Length];
        float[] g = dy.Data;
        if (_alpha != 1f)
        {
            g = new float[dy.Length];
            TensorPrimitives.Multiply(dy.Data, _alpha, g);
        }
        if (needed[0])
        {
            var da = new float[m * k];                        // d op(A) = dY · op(B)ᵀ
            MatrixMath.MultiplyNT(g, b, da, m, n, k, accumulate: false);
            grads[0] = new FloatTensor((int[])inputs[0].Shape.Clone(), _transA ? MatrixMath.Transpose(da, m, k) : da);
        }
        if (needed[1])
        {
            var db = new float[k * n];                        // d op(B) = op(A)ᵀ · dY
            MatrixMath.MultiplyTN(a, g, db, m, k, n, accumulate: false);
            grads[1] = new FloatTensor((int[])inputs[1].Shape.Clone(), _transB ? MatrixMath.Transpose(db, k, n) : db);
        }
        if (inputs.Length > 2 && needed[2])
        {
            FloatTensor dc = Broadcasting.Reduce(dy, inputs[2].Shape);
            if (_beta != 1f || ReferenceEquals(dc, dy))
            {
                var scaled = new float[dc.Length];
                TensorPrimitives.Multiply(dc.Data, _beta, scaled);
                dc = new FloatTensor((int[])dc.Shape.Clone(), scaled);
            }
            grads[2] = dc;
        }
        return grads;
    }

    /// <summary>op(A) as [m, k] and op(B) as [k, n], row-major (transposed copies where needed).</summary>
    private (float[] A, float[] B, int M, int K, int N) Operands(FloatTensor a, FloatTensor b)
    {
        if (a.Rank != 2 || b.Rank != 2)
            throw Error($"A and B must be 2-D, got {FloatTensor.Format(a.Shape)} and {FloatTensor.Format(b.Shape)}.");
        int m = _transA ? a.Shape[1] : a.Shape[0];
        int k = _transA ? a.Shape[0] : a.Shape[1];
        int kb = _transB ? b.Shape[1] : b.Shape[0];
        int n = _transB ? b.Shape[0] : b.Shape[1];
        if (k != kb)
            throw Error($"inner dimensions differ: op(A) is [{m}, {k}], op(B) is [{kb}, {n}].");
        float[] ad = _transA ? MatrixMath.Transpose(a.Data, a.Shape[0], a.Shape[1]) : a.Data;
        float[] bd = _transB ? MatrixMath.Transpose(b.Data, b.Shape[0], b.Shape[1]) : b.Data;
        return (ad, bd, m, k, n);
    }
}
