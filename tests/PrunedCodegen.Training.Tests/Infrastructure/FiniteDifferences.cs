using System;
using System.Collections.Generic;
using PrunedCodegen.Training.Graph;
using PrunedCodegen.Training.Tensors;

namespace PrunedCodegen.Training.Tests.Infrastructure;

/// <summary>
/// Central finite differences, the oracle for every gradient: (f(v + h) − f(v − h)) / 2h per element, with the
/// objective accumulated in float64 so that only the engine's float32 forward pass limits the precision.
/// </summary>
internal static class FiniteDifferences
{
    public static double[] Gradient(float[] values, Func<double> objective, float step)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            float original = values[i];
            values[i] = original + step;
            double up = objective();
            values[i] = original - step;
            double down = objective();
            values[i] = original;
            result[i] = (up - down) / (2.0 * step);
        }
        return result;
    }

    /// <summary>Σ output · projection: a scalar whose gradient with respect to the output is the projection.</summary>
    public static double Projected(TrainableGraph graph, FloatTensor input, float[] projection)
    {
        FloatTensor y = graph.Forward(input);
        double sum = 0;
        for (int i = 0; i < y.Length; i++)
            sum += (double)y.Data[i] * projection[i];
        return sum;
    }

    /// <summary>Asserts analytic ≈ numeric within abs + rel·|numeric|; the message names the worst element.</summary>
    public static void AssertClose(string what, float[] analytic, double[] numeric, double abs, double rel)
    {
        Assert.Equal(numeric.Length, analytic.Length);
        double worst = 0;
        int at = -1;
        for (int i = 0; i < numeric.Length; i++)
        {
            double excess = Math.Abs(analytic[i] - numeric[i]) - (abs + rel * Math.Abs(numeric[i]));
            if (excess > worst)
            {
                worst = excess;
                at = i;
            }
        }
        Assert.True(at < 0, at < 0 ? "" : $"{what}[{at}]: analytic {analytic[at]:G6}, finite differences {numeric[at]:G6}");
    }

    public static IEnumerable<int> Range(int count) => System.Linq.Enumerable.Range(0, count);
}
