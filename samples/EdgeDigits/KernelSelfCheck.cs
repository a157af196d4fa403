using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using EdgeDigits.Kernels;

namespace EdgeDigits
{
    /// <summary>
    /// Runs every row through each kernel the generator can emit (auto, dense, block, sparse, unrolled, and the 16-sample batch
    /// path) and prints "variant, row, logits" so that two machines' outputs can be diffed.
    /// </summary>
    internal static class KernelSelfCheck
    {
        private delegate void PredictFn(ReadOnlySpan<float> x, Span<float> y);

        public static int Run(TextReader input, TextWriter output)
        {
            var rows = new List<float[]>();
            string? line;
            while ((line = input.ReadLine()) != null)
            {
                var pixels = new float[DigitsModel.InputLength];
                if (Program.TryParse(line, pixels, out _)) rows.Add(pixels);
            }
            output.WriteLine("# kernels: " + Program.SimdFlags());
            var variants = new (string Name, PredictFn Predict)[]
            {
                ("auto", (x, y) => DigitsModel.Predict(x, y)),
                ("dense", (x, y) => DigitsDenseKernel.Predict(x, y)),
                ("block", (x, y) => DigitsBlockKernel.Predict(x, y)),
                ("sparse", (x, y) => DigitsSparseKernel.Predict(x, y)),
                ("unrolled", (x, y) => DigitsUnrolledKernel.Predict(x, y)),
            };
            var logits = new float[DigitsModel.OutputLength];
            foreach (var (name, predict) in variants)
                for (int r = 0; r < rows.Count; r++)
                {
                    predict(rows[r], logits);
                    Print(output, name, r, logits);
                }

            // The batch path: all rows in one PredictBatch call (groups of 16, the last one partial).
            var all = new float[rows.Count * DigitsModel.InputLength];
            for (int r = 0; r < rows.Count; r++) rows[r].CopyTo(all, r * DigitsModel.InputLength);
            var batch = new float[rows.Count * DigitsModel.OutputLength];
            DigitsModel.PredictBatch(all, batch);
            for (int r = 0; r < rows.Count; r++)
                Print(output, "batch", r, batch.AsSpan(r * DigitsModel.OutputLength, DigitsModel.OutputLength));
            return 0;
        }

        private static void Print(TextWriter output, string variant, int row, ReadOnlySpan<float> logits)
        {
            var text = new string[logits.Length];
            for (int i = 0; i < logits.Length; i++) text[i] = logits[i].ToString("R", CultureInfo.InvariantCulture);
            output.WriteLine($"{variant}\t{row}\t{string.Join(",", text)}");
        }
    }
}
