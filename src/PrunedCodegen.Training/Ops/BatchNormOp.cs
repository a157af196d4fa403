using System.Runtime.CompilerServices;
using PrunedCodegen.Training.Tensors;

namespace PrunedCodegen.Training.Ops;

/// <summary>
/// BatchNormalization as inference computes it: y = scale · (x − mean) / √(var + ε) + B per channel (axis 1).
/// Scale and B train; the running mean and variance are frozen constants, so fine-tuning never changes the
/// statistics a pruned model was calibrated with.
/// </summary>
internal sealed class BatchNormOp : GraphOp
{
    private readonly float[] _mean;
    private readonly float[] _invStd;

    public BatchNormOp(string description, string[] inputs, string output, float[] mean, float[] variance, float epsilon)
        : base(description, inputs, output)
    {
        _mean = mean;
        _invStd = new float[variance.Length];
        for (int i = 0; i < variance.Length; i++)
            _invStd[i] = 1f / System.MathF.Sqrt(variance[i] + epsilon);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loops: skip tier-0 code
    public override FloatTensor Forward(FloatTensor[] inputs)
    {
        FloatTensor x = inputs[0];
        float[] scale = inputs[1].Data, bias = inputs[2].Data;
        (int n, int c, int inner) = Layout(x, scale.Length, bias.Length);
        var y = FloatTensor.ZerosLike(x);
        for (int s = 0; s < n; s++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                float a = scale[ch] * _invStd[ch], b = bias[ch] - a * _mean[ch];
                int at = (s * c + ch) * inner;
                for (int i = 0; i < inner; i++)
                    y.Data[at + i] = a * x.Data[at + i] + b;
            }
        }
        return y;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loops: skip tier-0 code
    public override FloatTensor?[] Backward(FloatTensor[] inputs, FloatTensor output, FloatTensor dy, bool[] needed)
    {
        FloatTensor x = inputs[0];
        float[] scale = inputs[1].Data;
        (int n, int c, int inner) = Layout(x, scale.Length, inputs[2].Length);
        FloatTensor? dx = needed[0] ? FloatTensor.ZerosLike(x) : null;
        var dscale = new FloatTensor(c);
        var dbias = new FloatTensor(c);
        for (int ch = 0; ch < c; ch++)
        {
            double gs = 0, gb = 0;
            float a = scale[ch] * _invStd[ch];
            for (int s = 0; s < n; s++)
            {
                int at = (s * c + ch) * inner;
                for (int i = 0; i < inner; i++)
                {
                    float g = dy.Data[at + i];
                    gb += g;
                    gs += (double)g * (x.Data[at + i] - _mean[ch]) * _invStd[ch];
                    if (dx != null)
                        dx.Data[at + i] = g * a;
                }
            }
            dscale.Data[ch] = (float)gs;
            dbias.Data[ch] = (float)gb;
        }
        return new FloatTensor?[] { dx, needed[1] ? dscale : null, needed[2] ? dbias : null };
    }

    private (int N, int C, int Inner) Layout(FloatTensor x, int scaleLength, int biasLength)
    {
        if (x.Rank < 2)
            throw Error($"the input must have a channel axis, got {FloatTensor.Format(x.Shape)}.");
        int c = x.Shape[1];
        if (scaleLength != c || biasLength != c || _mean.Length != c)
            throw Error($"the input has {c} channels but scale, B and mean have {scaleLength}, {biasLength} and {_mean.Length}.");
        return (x.Shape[0], c, x.Length / (x.Shape[0] * c == 0 ? 1 : x.Shape[0] * c));
    }
}
