using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using PrunedCodegen.Training.Tensors;

namespace PrunedCodegen.Training.Ops;

public enum ActivationKind { Relu, LeakyRelu, Sigmoid, Tanh, Identity }

/// <summary>Element-wise activations (and Identity/Dropout at inference, which pass values through).</summary>
internal sealed class ActivationOp : GraphOp
{
    private readonly ActivationKind _kind;
    private readonly float _alpha;

    public ActivationOp(string description, string[] inputs, string output, ActivationKind kind, float alpha = 0f)
        : base(description, inputs, output)
    {
        _kind = kind;
        _alpha = alpha;
    }

    public override FloatTensor Forward(FloatTensor[] inputs)
    {
        FloatTensor x = inputs[0];
        var y = FloatTensor.ZerosLike(x);
        switch (_kind)
        {
            case ActivationKind.Relu: TensorPrimitives.Max(x.Data, 0f, y.Data); break;
            case ActivationKind.Sigmoid: TensorPrimitives.Sigmoid(x.Data, y.Data); break;
            case ActivationKind.Tanh: TensorPrimitives.Tanh(x.Data, y.Data); break;
            case ActivationKind.Identity: x.Data.AsSpan().CopyTo(y.Data); break;
            default:
                for (int i = 0; i < x.Length; i++)
                {
                    float v = x.Data[i];
                    y.Data[i] = v >= 0f ? v : _alpha * v;
                }
                break;
        }
        return y;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loops: skip tier-0 code
    public override FloatTensor?[] Backward(FloatTensor[] inputs, FloatTensor output, FloatTensor dy, bool[] needed)
    {
        if (!needed[0])
            return new FloatTensor?[1];
        float[] x = inputs[0].Data, y = output.Data, g = dy.Data;
        var dx = FloatTensor.ZerosLike(dy);
        float[] d = dx.Data;
        switch (_kind)
        {
            case ActivationKind.Relu:
                for (int i = 0; i < d.Length; i++) d[i] = x[i] > 0f ? g[i] : 0f;
                break;
            case ActivationKind.LeakyRelu:
                for (int i = 0; i < d.Length; i++) d[i] = x[i] >= 0f ? g[i] : _alpha * g[i];
                break;
            case ActivationKind.Sigmoid:
                for (int i = 0; i < d.Length; i++) d[i] = g[i] * y[i] * (1f - y[i]);
                break;
            case ActivationKind.Tanh:
                for (int i = 0; i < d.Length; i++) d[i] = g[i] * (1f - y[i] * y[i]);
                break;
            default:
                g.AsSpan().CopyTo(d);
                break;
        }
        return new FloatTensor?[] { dx };
    }
}
