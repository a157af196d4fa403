using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace PrunedCodegen.Cli.Tests.Infrastructure
{
    /// <summary>The digits fixtures (made by tools/fixtures/make_digits.py with PyTorch) and the figures PyTorch recorded for them.</summary>
    internal static class Fixtures
    {
        public static string Dir => Path.Combine(AppContext.BaseDirectory, "fixtures", "digits");
        public static string DenseModel => Path.Combine(Dir, "digits_dense.onnx");
        public static string PrunedModel => Path.Combine(Dir, "digits_pruned.onnx");
        public static string TestCsv => Path.Combine(Dir, "digits_test.csv");
        public static string TrainCsv => Path.Combine(Dir, "digits_train.csv");

        /// <summary>The digits CNN (tools/fixtures/make_digits_cnn.py): input [n, 1, 8, 8], the same CSVs as the MLP.</summary>
        public static string CnnDir => Path.Combine(AppContext.BaseDirectory, "fixtures", "digits_cnn");
        public static string CnnDenseModel => Path.Combine(CnnDir, "digits_cnn_dense.onnx");
        public static JsonElement CnnMetrics => JsonDocument.Parse(File.ReadAllText(Path.Combine(CnnDir, "digits_cnn_metrics.json"))).RootElement;

        public static JsonElement Metrics => JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "digits_metrics.json"))).RootElement;

        /// <summary>The test split: labels and 64 pixels per row, parsed here independently of the tool's CSV reader.</summary>
        public static (float[] Pixels, int[] Labels) TestSet()
        {
            var lines = File.ReadAllLines(TestCsv).Skip(1).Where(l => l.Length > 0).ToArray();
            var labels = lines.Select(l => int.Parse(l.Split(',')[0], CultureInfo.InvariantCulture)).ToArray();
            var pixels = lines.SelectMany(l => l.Split(',').Skip(1).Select(v => float.Parse(v, CultureInfo.InvariantCulture))).ToArray();
            return (pixels, labels);
        }

        /// <summary>A fresh empty folder under the system temp folder.</summary>
        public static string TempDir()
        {
            string dir = Path.Combine(Path.GetTempPath(), "pcg-tests-" + Guid.NewGuid().ToString("N").Substring(0, 12));
            Directory.CreateDirectory(dir);
            return dir;
        }
    }
}
