using System;

namespace PrunedCodegen.Training.Pruning;

/// <summary>
/// The gradual (polynomial, cubic) pruning schedule of Zhu and Gupta, as TF-MOT and NNI use it:
/// s_t = s_f + (s_i − s_f)(1 − t/n)³. Sparsity rises quickly at first, while there are many redundant weights,
/// and slowly near the target.
/// </summary>
public static class SparsitySchedule
{
    /// <summary>The sparsity after step <paramref name="step"/> of <paramref name="steps"/> (step 0 gives the initial, step n the final).</summary>
    public static double Cubic(double initial, double final, int step, int steps)
    {
        if (steps <= 0 || step < 0 || step > steps)
            throw new ArgumentOutOfRangeException(nameof(step), $"Step {step} of {steps} is out of range.");
        if (initial is < 0 or > 1 || final is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(final), "Sparsities are fractions in [0, 1].");
        double remaining = 1.0 - (double)step / steps;
        return final + (initial - final) * remaining * remaining * remaining;
    }

    /// <summary>The target sparsity of each of <paramref name="rounds"/> pruning rounds (1..rounds), ending at <paramref name="final"/>.</summary>
    public static double[] Rounds(double initial, double final, int rounds)
    {
        var targets = new double[rounds];
        for (int t = 1; t <= rounds; t++)
            targets[t - 1] = Cubic(initial, final, t, rounds);
        return targets;
    }
}
