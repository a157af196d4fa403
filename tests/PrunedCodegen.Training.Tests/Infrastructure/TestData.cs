using System;
using System.Linq;

namespace PrunedCodegen.Training.Tests.Infrastructure;

internal static class TestData
{
    /// <summary>
    /// Distinct values at least <paramref name="spacing"/> apart, none within spacing/2 of zero, in random order:
    /// finite differences with a step below spacing/2 never cross a ReLU kink or swap a pooling maximum.
    /// </summary>
    public static float[] Separated(int count, int seed, float spacing = 0.05f)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(i => (i - count / 2 + 0.5f) * spacing)
            .OrderBy(_ => random.Next())
            .ToArray();
    }

    public static float[] Uniform(int count, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();
    }
}
