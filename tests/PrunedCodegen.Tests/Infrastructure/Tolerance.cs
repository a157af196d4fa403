using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Xunit;

namespace PrunedCodegen.Tests.Infrastructure
{
    /// <summary>
    /// Element-wise float comparison: |actual - expected| &lt;= atol + rtol * |expected| (numpy.isclose). NaN equals NaN;
    /// infinities equal only the same-signed infinity.
    /// </summary>
    public static class Tolerance
    {
        /// <summary>How many mismatching indices the failure message lists.</summary>
        private const int ListedMismatches = 8;

        public static bool IsClose(float expected, float actual, float atol, float rtol)
        {
            if (float.IsNaN(expected) || float.IsNaN(actual)) return float.IsNaN(expected) && float.IsNaN(actual);
            if (float.IsInfinity(expected) || float.IsInfinity(actual)) return expected == actual;
            double diff = Math.Abs((double)actual - expected);
            return diff <= atol + rtol * Math.Abs((double)expected);
        }

        /// <summary>
        /// Fails (with the count of mismatches, the worst index and its values, and the first few mismatching indices)
        /// unless every element is close. <paramref name="context"/> starts the message (e.g. "test_add output 'sum'").
        /// </summary>
        public static void AssertClose(float[] expected, float[] actual, float atol, float rtol, string context) =>
            AssertClose(expected, actual, atol, rtol, context, dims: null);

        /// <summary>As above; with <paramref name="dims"/> the indices are also shown as multi-indices.</summary>
        public static void AssertClose(float[] expected, float[] actual, float atol, float rtol, string context, IReadOnlyList<long>? dims)
        {
            string? failure = Compare(expected, actual, atol, rtol, context, dims);
            if (failure != null) Assert.Fail(failure);
        }

        /// <summary>The failure message, or null when every element is close.</summary>
        public static string? Compare(float[] expected, float[] actual, float atol, float rtol, string context, IReadOnlyList<long>? dims = null)
        {
            if (expected is null) throw new ArgumentNullException(nameof(expected));
            if (actual is null) throw new ArgumentNullException(nameof(actual));
            if (expected.Length != actual.Length)
            {
                return $"{context}: expected {expected.Length} elements, got {actual.Length}.";
            }

            int mismatches = 0;
            int worst = -1;
            double worstRatio = double.NegativeInfinity;
            var listed = new List<int>();
            for (int i = 0; i < expected.Length; i++)
            {
                float e = expected[i], a = actual[i];
                if (IsClose(e, a, atol, rtol)) continue;
                mismatches++;
                if (listed.Count < ListedMismatches) listed.Add(i);
                // How many times over the allowance the error is; a NaN/infinity mismatch is the worst possible.
                double allowed = atol + rtol * Math.Abs((double)e);
                double diff = Math.Abs((double)a - e);
                double ratio = double.IsNaN(diff) || double.IsInfinity(diff) ? double.PositiveInfinity
                    : allowed > 0 ? diff / allowed : double.MaxValue;
                if (worst < 0 || ratio > worstRatio)
                {
                    worst = i;
                    worstRatio = ratio;
                }
            }
            if (mismatches == 0) return null;

            var sb = new StringBuilder();
            sb.Append(context).Append(": ").Append(mismatches).Append(" of ").Append(expected.Length)
              .Append(" elements differ beyond atol ").Append(Show(atol)).Append(" + rtol ").Append(Show(rtol)).Append(" * |expected|.\n");
            sb.Append("  worst at ").Append(Index(worst, dims)).Append(": expected ").Append(Show(expected[worst]))
              .Append(", actual ").Append(Show(actual[worst]))
              .Append(", |diff| ").Append(Short(Math.Abs((double)actual[worst] - expected[worst])))
              .Append(" (allowed ").Append(Short(atol + rtol * Math.Abs((double)expected[worst]))).Append(")\n");
            sb.Append("  first mismatches: ")
              .Append(string.Join("; ", listed.Select(i => $"{Index(i, dims)} expected {Show(expected[i])} actual {Show(actual[i])}")));
            if (mismatches > listed.Count) sb.Append("; ...");
            return sb.ToString();
        }

        private static string Index(int flat, IReadOnlyList<long>? dims)
        {
            string text = "[" + flat.ToString(CultureInfo.InvariantCulture) + "]";
            if (dims is null || dims.Count < 2 || dims.Aggregate(1L, (p, d) => p * d) <= flat) return text;
            var idx = new long[dims.Count];
            long rest = flat;
            for (int k = dims.Count - 1; k >= 0; k--)
            {
                idx[k] = dims[k] == 0 ? 0 : rest % dims[k];
                rest = dims[k] == 0 ? 0 : rest / dims[k];
            }
            return text + " (at [" + string.Join(", ", idx) + "])";
        }

        /// <summary>The shortest text that round-trips the float.</summary>
        private static string Show(float v) => v.ToString(CultureInfo.InvariantCulture);

        private static string Short(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
    }
}
