using System;
using System.Runtime.CompilerServices;
using PrunedCodegen.Training.Tensors;

namespace PrunedCodegen.Training.Ops;

/// <summary>
/// 2-D convolution (NCHW, weights [M, C/group, kH, kW], optional bias [M]) with strides, pads, dilations and
/// groups. Each sample and group is lowered to a matrix product over an im2col buffer, so forward and backward
/// run on the same vectorised row kernels as Gemm.
/// </summary>
internal sealed class ConvOp : GraphOp
{
    private readonly Window2D _window;
    private readonly int _group;

    public ConvOp(string description, string[] inputs, string output, Window2D window, int group) : base(description, inputs, output)
    {
        _window = window;
        _group = group;
    }

    public override FloatTensor Forward(FloatTensor[] inputs)
    {
        Geometry g = Plan(inputs[0], inputs[1]);
        var y = new FloatTensor(g.N, g.M, g.OH, g.OW);
        var col = new float[g.Kc * g.P];
        float[] w = inputs[1].Data;
        for (int n = 0; n < g.N; n++)
        {
            for (int gi = 0; gi < _group; gi++)
            {
                Im2Col(inputs[0].Data, col, g, n, gi);
                MatrixMath.MultiplyNN(w.AsSpan(gi * g.Mg * g.Kc, g.Mg * g.Kc), col, y.Data.AsSpan((n * g.M + gi * g.Mg) * g.P, g.Mg * g.P),
                    g.Mg, g.Kc, g.P, accumulate: false);
            }
            if (inputs.Length > 2)
            {
                float[] b = inputs[2].Data;
                for (int m = 0; m < g.M; m++)
                    System.Numerics.Tensors.TensorPrimitives.Add(y.Data.AsSpan((n * g.M + m) * g.P, g.P), b[m], y.Data.AsSpan((n * g.M + m) * g.P, g.P));
            }
        }
        return y;
    }

    public override FloatTensor?[] Backward(FloatTensor[] inputs, FloatTensor output, FloatTensor dy, bool[] needed)
    {
        Geometry g = Plan(inputs[0], inputs[1]);
        var grads = new FloatTensor?[inputs.Length];
        FloatTensor? dx = needed[0] ? FloatTensor.ZerosLike(inputs[0]) : null;
        FloatTensor? dw = needed[1] ? FloatTensor.ZerosLike(inputs[1]) : null;
        var col = new float[g.Kc * g.P];
        var dcol = new float[g.Kc * g.P];
        float[] w = inputs[1].Data;
        for (int n = 0; n < g.N; n++)
        {
            for (int gi = 0; gi < _group; gi++)
            {
                ReadOnlySpan<float> dyg = dy.Data.AsSpan((n * g.M + gi * g.Mg) * g.P, g.Mg * g.P);
                if (dw != null)
                {
                    Im2Col(inputs[0].Data, col, g, n, gi);     // dW_g += dY_g · colᵀ
                    MatrixMath.MultiplyNT(dyg, col, dw.Data.AsSpan(gi * g.Mg * g.Kc, g.Mg * g.Kc), g.Mg, g.P, g.Kc, accumulate: true);
                }
                if (dx != null)
                {
                    MatrixMath.MultiplyTN(w.AsSpan(gi * g.Mg * g.Kc, g.Mg * g.Kc), dyg, dcol, g.Mg, g.Kc, g.P, accumulate: false);
                    Col2Im(dcol, dx.Data, g, n, gi);           // dX += col2im(W_gᵀ · dY_g)
                }
            }
        }
        grads[0] = dx;
        grads[1] = dw;
        if (inputs.Length > 2 && needed[2])
        {
            var db = new FloatTensor(g.M);
            for (int n = 0; n < g.N; n++)
                for (int m = 0; m < g.M; m++)
                    db.Data[m] += System.Numerics.Tensors.TensorPrimitives.Sum(dy.Data.AsSpan((n * g.M + m) * g.P, g.P));
            grads[2] = db;
        }
        return grads;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loops: skip tier-0 code
    private void Im2Col(float[] x, float[] col, Geometry g, int n, int gi)
    {
        int row = 0;
        for (int c = 0; c < g.Cg; c++)
        {
            int plane = (n * g.C + gi * g.Cg + c) * g.H * g.W;
            for (int ki = 0; ki < g.KH; ki++)
            {
                for (int kj = 0; kj < g.KW; kj++, row++)
                {
                    int at = row * g.P;
                    for (int oh = 0; oh < g.OH; oh++)
                    {
                        int ih = oh * g.SH - g.PadTop + ki * g.DH;
                        for (int ow = 0; ow < g.OW; ow++, at++)
                        {
                            int iw = ow * g.SW - g.PadLeft + kj * g.DW;
                            col[at] = (uint)ih < (uint)g.H && (uint)iw < (uint)g.W ? x[plane + ih * g.W + iw] : 0f;
                        }
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loops: skip tier-0 code
    private void Col2Im(float[] dcol, float[] dx, Geometry g, int n, int gi)
    {
        int row = 0;
        for (int c = 0; c < g.Cg; c++)
        {
            int plane = (n * g.C + gi * g.Cg + c) * g.H * g.W;
            for (int ki = 0; ki < g.KH; ki++)
            {
                for (int kj = 0; kj < g.KW; kj++, row++)
                {
                    int at = row * g.P;
                    for (int oh = 0; oh < g.OH; oh++)
                    {
                        int ih = oh * g.SH - g.PadTop + ki * g.DH;
                        for (int ow = 0; ow < g.OW; ow++, at++)
                        {
                            int iw = ow * g.SW - g.PadLeft + kj * g.DW;
                            if ((uint)ih < (uint)g.H && (uint)iw < (uint)g.W)
                                dx[plane + ih * g.W + iw] += dcol[at];
                        }
                    }
                }
            }
        }
    }

    private Geometry Plan(FloatTensor x, FloatTensor w)
    {
        if (x.Rank != 4 || w.Rank != 4)
            throw Error($"only 2-D convolution is supported for training (X {FloatTensor.Format(x.Shape)}, W {FloatTensor.Format(w.Shape)}).");
        int c = x.Shape[1], m = w.Shape[0];
        if (c % _group != 0 || m % _group != 0 || w.Shape[1] != c / _group)
            throw Error($"X has {c} channels and W is {FloatTensor.Format(w.Shape)}, which does not fit group {_group}.");
        (int oh, int pt, _) = _window.Along(0, x.Shape[2], Description);
        (int ow, int pl, _) = _window.Along(1, x.Shape[3], Description);
        return new Geometry(x.Shape[0], c, x.Shape[2], x.Shape[3], m, c / _group, m / _group, w.Shape[2], w.Shape[3],
            oh, ow, _window.Strides[0], _window.Strides[1], _window.Dilations[0], _window.Dilations[1], pt, pl);
    }

    private readonly record struct Geometry(int N, int C, int H, int W, int M, int Cg, int Mg, int KH, int KW, int OH, int OW,
        int SH, int SW, int DH, int DW, int PadTop, int PadLeft)
    {
        public int Kc => Cg * KH * KW;
        public int P => OH * OW;
    }
}
