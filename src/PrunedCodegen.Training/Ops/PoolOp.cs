using System;
using System.Runtime.CompilerServices;
using PrunedCodegen.Training.Tensors;

namespace PrunedCodegen.Training.Ops;

public enum PoolKind { Max, Average, GlobalAverage }

/// <summary>
/// MaxPool, AveragePool and GlobalAveragePool over NCHW inputs. MaxPool's gradient goes to the first maximum of
/// each window (recomputed in backward rather than stored); AveragePool divides by the window's size within
/// the padded input (count_include_pad = 1) or by its number of real input elements (0).
/// </summary>
internal sealed class PoolOp : GraphOp
{
    private readonly PoolKind _kind;
    private readonly Window2D? _window;
    private readonly bool _countIncludePad;

    public PoolOp(string description, string input, string output, PoolKind kind, Window2D? window, bool countIncludePad)
        : base(description, new[] { input }, output)
    {
        _kind = kind;
        _window = window;
        _countIncludePad = countIncludePad;
    }

    public override FloatTensor Forward(FloatTensor[] inputs) => Run(inputs[0], null, null);

    public override FloatTensor?[] Backward(FloatTensor[] inputs, FloatTensor output, FloatTensor dy, bool[] needed)
    {
        if (!needed[0])
            return new FloatTensor?[1];
        var dx = FloatTensor.ZerosLike(inputs[0]);
        Run(inputs[0], dy, dx);
        return new FloatTensor?[] { dx };
    }

    /// <summary>Forward when <paramref name="dy"/> is null; otherwise scatters <paramref name="dy"/> into <paramref name="dx"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loops: skip tier-0 code
    private FloatTensor Run(FloatTensor x, FloatTensor? dy, FloatTensor? dx)
    {
        if (x.Rank != 4)
            throw Error($"only NCHW (4-D) inputs are supported for training, got {FloatTensor.Format(x.Shape)}.");
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        if (_kind == PoolKind.GlobalAverage)
        {
            var y = new FloatTensor(n, c, 1, 1);
            for (int p = 0; p < n * c; p++)
            {
                if (dy == null)
                    y.Data[p] = System.Numerics.Tensors.TensorPrimitives.Sum(x.Data.AsSpan(p * h * w, h * w)) / (h * w);
                else
                    dx!.Data.AsSpan(p * h * w, h * w).Fill(dy.Data[p] / (h * w));
            }
            return y;
        }

        Window2D win = _window!;
        (int oh, int pt, int pb) = win.Along(0, h, Description);
        (int ow, int pl, int pr) = win.Along(1, w, Description);
        int kh = win.Kernel[0], kw = win.Kernel[1], sh = win.Strides[0], sw = win.Strides[1], dh = win.Dilations[0], dw = win.Dilations[1];
        var result = new FloatTensor(n, c, oh, ow);
        for (int p = 0; p < n * c; p++)
        {
            int plane = p * h * w;
            for (int i = 0; i < oh; i++)
            {
                for (int j = 0; j < ow; j++)
                {
                    int o = (p * oh + i) * ow + j;
                    int h0 = i * sh - pt, w0 = j * sw - pl;
                    if (_kind == PoolKind.Max)
                    {
                        float best = float.NegativeInfinity;
                        int at = -1;
                        for (int a = 0; a < kh; a++)
                        {
                            int ih = h0 + a * dh;
                            if ((uint)ih >= (uint)h) continue;
                            for (int b = 0; b < kw; b++)
                            {
                                int iw = w0 + b * dw;
                                if ((uint)iw >= (uint)w) continue;
                                float v = x.Data[plane + ih * w + iw];
                                if (at < 0 || v > best) { best = v; at = plane + ih * w + iw; }
                            }
                        }
                        if (dy == null) result.Data[o] = best;
                        else if (at >= 0) dx!.Data[at] += dy.Data[o];
                    }
                    else
                    {
                        // The divisor: window clipped to the padded input, or to the real input.
                        int count;
                        if (_countIncludePad)
                        {
                            int hp = Math.Min(h0 + (kh - 1) * dh + 1, h + pb) - h0;
                            int wp = Math.Min(w0 + (kw - 1) * dw + 1, w + pr) - w0;
                            count = ((hp - 1) / dh + 1) * ((wp - 1) / dw + 1);
                        }
                        else
                        {
                            count = 0;
                            for (int a = 0; a < kh; a++) if ((uint)(h0 + a * dh) < (uint)h) for (int b = 0; b < kw; b++) if ((uint)(w0 + b * dw) < (uint)w) count++;
                        }
                        double sum = 0;
                        float share = dy == null ? 0f : dy.Data[o] / count;
                        for (int a = 0; a < kh; a++)
                        {
                            int ih = h0 + a * dh;
                            if ((uint)ih >= (uint)h) continue;
                            for (int b = 0; b < kw; b++)
                            {
                                int iw = w0 + b * dw;
                                if ((uint)iw >= (uint)w) continue;
                                if (dy == null) sum += x.Data[plane + ih * w + iw];
                                else dx!.Data[plane + ih * w + iw] += share;
                            }
                        }
                        if (dy == null) result.Data[o] = count > 0 ? (float)(sum / count) : 0f;
                    }
                }
            }
        }
        return result;
    }
}
