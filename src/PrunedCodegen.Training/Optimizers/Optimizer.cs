using System.Collections.Generic;
using PrunedCodegen.Training.Graph;

namespace PrunedCodegen.Training.Optimizers;

/// <summary>Updates parameters from their gradients. State (momentum, moments) is kept per parameter.</summary>
public abstract class Optimizer
{
    public abstract void Step(IReadOnlyList<Parameter> parameters, float learningRate);
}

/// <summary>Stochastic gradient descent with (PyTorch-style) momentum: v = μ·v + g; w −= lr·v.</summary>
public sealed class Sgd : Optimizer
{
    private readonly float _momentum;
    private readonly Dictionary<Parameter, float[]> _velocity = new();

    public Sgd(float momentum = 0.9f) => _momentum = momentum;

    public override void Step(IReadOnlyList<Parameter> parameters, float learningRate)
    {
        foreach (Parameter p in parameters)
        {
            float[] w = p.Value.Data, g = p.Gradient;
            if (!_velocity.TryGetValue(p, out float[]? v))
                _velocity[p] = v = new float[w.Length];
            for (int i = 0; i < w.Length; i++)
            {
                v[i] = _momentum * v[i] + g[i];
                w[i] -= learningRate * v[i];
            }
        }
    }
}

/// <summary>Adam (Kingma and Ba) with bias correction, as PyTorch computes it.</summary>
public sealed class Adam : Optimizer
{
    private readonly float _beta1, _beta2, _epsilon;
    private readonly Dictionary<Parameter, (float[] M, float[] V)> _moments = new();
    private int _step;

    public Adam(float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
    {
        _beta1 = beta1;
        _beta2 = beta2;
        _epsilon = epsilon;
    }

    public override void Step(IReadOnlyList<Parameter> parameters, float learningRate)
    {
        _step++;
        float correction1 = 1f - System.MathF.Pow(_beta1, _step);
        float correction2 = 1f - System.MathF.Pow(_beta2, _step);
        float stepSize = learningRate / correction1;
        float sqrtCorrection2 = System.MathF.Sqrt(correction2);
        foreach (Parameter p in parameters)
        {
            float[] w = p.Value.Data, g = p.Gradient;
            if (!_moments.TryGetValue(p, out var state))
                _moments[p] = state = (new float[w.Length], new float[w.Length]);
            (float[] m, float[] v) = state;
            for (int i = 0; i < w.Length; i++)
            {
                m[i] = _beta1 * m[i] + (1f - _beta1) * g[i];
                v[i] = _beta2 * v[i] + (1f - _beta2) * g[i] * g[i];
                w[i] -= stepSize * m[i] / (System.MathF.Sqrt(v[i]) / sqrtCorrection2 + _epsilon);
            }
        }
    }
}
