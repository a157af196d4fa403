using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;

/// <summary>Reading the fixture CSVs and measuring latency; nothing model-specific.</summary>
internal static class DigitsData
{
    public delegate void PredictFn(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>Rows of "label,p0..p63".</summary>
    public static (float[] Pixels, int[] Labels) LoadTestSplit(string path)
    {
        var rows = File.ReadAllLines(path).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToArray();
        var labels = rows.Select(r => int.Parse(r[0], CultureInfo.InvariantCulture)).ToArray();
        var pixels = rows.SelectMany(r => r.Skip(1).Select(v => float.Parse(v, CultureInfo.InvariantCulture))).ToArray();
        return (pixels, labels);
    }

    public static float[] LoadLogits(string path) =>
        File.ReadAllLines(path).Skip(1).Where(l => l.Length > 0)
            .SelectMany(l => l.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture))).ToArray();

    public static int[] ArgMax(float[] logits, int classes)
    {
        var result = new int[logits.Length / classes];
        for (int i = 0; i < result.Length; i++)
        {
            var row = logits.AsSpan(i * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            result[i] = best;
        }
        return result;
    }

    public static float MaxAbsDiff(float[] a, float[] b)
    {
        if (a.Length != b.Length) throw new InvalidDataException($"logit counts differ: {a.Length} vs {b.Length}");
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    /// <summary>
    /// Median ns per single-sample Predict of two models, measured in interleaved rounds (so that machine
    /// drift hits both alike) after half a second of warm-up (so that both run fully optimised code).
    /// </summary>
    public static (double A, double B) MedianNsPerPrediction(float[] pixels, int inputLength, int outputLength, PredictFn a, PredictFn b)
    {
        int n = pixels.Length / inputLength;
        var output = new float[outputLength];
        var warmUp = Stopwatch.StartNew();
        while (warmUp.ElapsedMilliseconds < 500)
            for (int i = 0; i < n; i++)
            {
                a(pixels.AsSpan(i * inputLength, inputLength), output);
                b(pixels.AsSpan(i * inputLength, inputLength), output);
            }
        var roundsA = new List<double>();
        var roundsB = new List<double>();
        for (int round = 0; round < 21; round++)
        {
            roundsA.Add(Round(a));
            roundsB.Add(Round(b));
        }
        return (Median(roundsA), Median(roundsB));

        double Round(PredictFn predict)
        {
            long start = Stopwatch.GetTimestamp();
            for (int rep = 0; rep < 10; rep++)
                for (int i = 0; i < n; i++) predict(pixels.AsSpan(i * inputLength, inputLength), output);
            double seconds = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
            return seconds * 1e9 / (10.0 * n);
        }
    }

    public delegate void PredictBatchFn(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>Median ns per sample of one PredictBatch call over all samples, two models interleaved.</summary>
    public static (double A, double B) MedianNsPerSampleBatch(float[] pixels, int outputLength, PredictBatchFn a, PredictBatchFn b)
    {
        int n = pixels.Length / 64;
        var output = new float[n * outputLength];
        var warmUp = Stopwatch.StartNew();
        while (warmUp.ElapsedMilliseconds < 300) { a(pixels, output); b(pixels, output); }
        var roundsA = new List<double>();
        var roundsB = new List<double>();
        for (int round = 0; round < 21; round++)
        {
            roundsA.Add(Round(a));
            roundsB.Add(Round(b));
        }
        return (Median(roundsA), Median(roundsB));

        double Round(PredictBatchFn predict)
        {
            long start = Stopwatch.GetTimestamp();
            for (int rep = 0; rep < 10; rep++) predict(pixels, output);
            return (Stopwatch.GetTimestamp() - start) * 1e9 / Stopwatch.Frequency / (10.0 * n);
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
