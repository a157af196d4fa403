using System;
using System.Globalization;
using System.IO;
using System.Linq;

namespace BenchModels
{
    /// <summary>The benchmark's input sets, samples back to back (issue 15: inputs that look like real data, next to uniform).</summary>
    internal static class InputSets
    {
        /// <summary>Uniform [0, 1), SplitMix64 seed 12345 (the suite's synthetic inputs since issue 5).</summary>
        public static float[] Uniform(int inputLength, int samples)
        {
            var x = new float[samples * inputLength];
            var rng = new SplitMix64(12345);
            for (int i = 0; i < x.Length; i++) x[i] = rng.NextFloat();
            return x;
        }

        /// <summary>The first test images of the digits fixture (8x8, pixels in [0, 1]).</summary>
        public static float[] DigitsTest(string fixturesDir, int inputLength, int samples)
        {
            var rows = File.ReadLines(Path.Combine(fixturesDir, "digits", "digits_test.csv"))
                .Select(l => l.Split(','))
                .Where(p => p.Length == inputLength + 1 && float.TryParse(p[1], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                .Take(samples).ToList();
            if (rows.Count < samples) throw new InvalidDataException($"digits_test.csv has {rows.Count} rows of {inputLength} pixels, {samples} needed");
            var x = new float[samples * inputLength];
            for (int s = 0; s < rows.Count; s++)
                for (int i = 0; i < inputLength; i++)
                    x[s * inputLength + i] = float.Parse(rows[s][i + 1], CultureInfo.InvariantCulture);
            return x;
        }

        /// <summary>
        /// MNIST-like 28x28 images made from the digits test images: each 8x8 digit scaled bilinearly to 20x20 and
        /// centred in a 28x28 frame, as MNIST centres its digits in a 20x20 box, and pixels at or below 0.35 set to
        /// exactly 0 (MNIST's background is exact zeros): about 80% of the pixels are 0, like MNIST's 81%.
        /// </summary>
        public static float[] MnistLike(string fixturesDir, int samples)
        {
            var digits = DigitsTest(fixturesDir, 64, samples);
            var x = new float[samples * 784];
            for (int s = 0; s < samples; s++)
            {
                var d = digits.AsSpan(s * 64, 64);
                for (int i = 0; i < 20; i++)
                    for (int j = 0; j < 20; j++)
                    {
                        float sy = Math.Clamp((i + 0.5f) * 8 / 20 - 0.5f, 0f, 7f), sx = Math.Clamp((j + 0.5f) * 8 / 20 - 0.5f, 0f, 7f);
                        int y0 = (int)sy, x0 = (int)sx, y1 = Math.Min(y0 + 1, 7), x1 = Math.Min(x0 + 1, 7);
                        float fy = sy - y0, fx = sx - x0;
                        float v = (d[y0 * 8 + x0] * (1 - fx) + d[y0 * 8 + x1] * fx) * (1 - fy) + (d[y1 * 8 + x0] * (1 - fx) + d[y1 * 8 + x1] * fx) * fy;
                        x[s * 784 + (i + 4) * 28 + j + 4] = v > 0.35f ? v : 0f;
                    }
            }
            return x;
        }
    }
}
