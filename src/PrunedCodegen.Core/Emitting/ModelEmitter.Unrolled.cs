using System.Collections.Generic;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Emitting
{
    internal sealed partial class ModelEmitter
    {
        /// <summary>
        /// Statements per unrolled method. The JIT compiles a method without optimisation past about 2,300 such
        /// statements (../shared/NOTES.md); 1,000 keeps every part well inside the limit.
        /// </summary>
        public const int UnrolledStatementsPerMethod = 1000;

        /// <summary>Independent partial sums per output row, so that consecutive multiply-adds do not wait on each other.</summary>
        private const int UnrolledAccumulators = 4;

        /// <summary>Output rows [First, End) of an unrolled layer that one method computes, and its statement count.</summary>
        private readonly record struct UnrolledPart(int First, int End, int Statements);

        private static string UnrolledPartName(string layer, int part) => $"{layer}_Part{I(part)}";

        /// <summary>
        /// Splits the output rows into parts of at most <see cref="UnrolledStatementsPerMethod"/> statements (one per
        /// nonzero and one per row; a single row over the budget gets a part of its own).
        /// </summary>
        private static List<UnrolledPart> SplitUnrolled(DenseOp d, int[] rowNonzeros)
        {
            var parts = new List<UnrolledPart>();
            int row = 0;
            while (row < d.N)
            {
                int first = row, statements = 0;
                do
                {
                    statements += rowNonzeros[row] + 1;
                    row++;
                }
                while (row < d.N && statements + rowNonzeros[row] + 1 <= UnrolledStatementsPerMethod);
                parts.Add(new UnrolledPart(first, row, statements));
            }
            return parts;
        }

        /// <summary>One statement per nonzero weight, its input index and value as literals; rows share nothing.</summary>
        private void EmitUnrolledPart(string name, DenseOp d, UnrolledPart part, int[] rowNonzeros)
        {
            int accumulators = 0;
            for (int r = part.First; r < part.End; r++)
                accumulators = System.Math.Max(accumulators, System.Math.Min(UnrolledAccumulators, rowNonzeros[r]));

            _w.Line($"// Outputs {I(part.First)}-{I(part.End - 1)} of {I(d.N)}: {I(part.Statements - (part.End - part.First))} nonzero weights as literals.");
            _w.Open($"private static void {name}(ReadOnlySpan<float> x, Span<float> y)");
            // One bounds check each up front; the JIT then drops the checks of the constant indices below them.
            if (d.K > 0) _w.Line($"_ = x[{I(d.K - 1)}];");
            _w.Line($"_ = y[{I(part.End - 1)}];");
            if (accumulators > 0)
            {
                var names = new string[accumulators];
                for (int a = 0; a < accumulators; a++) names[a] = "a" + I(a);
                _w.Line($"float {string.Join(", ", names)};");
            }
            for (int r = part.First; r < part.End; r++)
            {
                int used = 0;
                for (int c = 0; c < d.K; c++)
                {
                    float w = d.Weights[r * d.K + c];
                    if (w == 0f) continue;
                    string accumulator = "a" + I(used % UnrolledAccumulators);
                    _w.Line($"{accumulator} {(used < UnrolledAccumulators ? "=" : "+=")} x[{I(c)}] * {CSharpLiterals.Float(w)};");
                    used++;
                }
                string bias = d.Bias != null ? CSharpLiterals.Float(d.Bias[r]) : "0f";
                _w.Line(used == 0 ? $"y[{I(r)}] = {bias};" : $"y[{I(r)}] = {bias} + {PartialSum(System.Math.Min(used, UnrolledAccumulators))};");
            }
            _w.Close();
            _w.Line();
        }

        /// <summary>The first <paramref name="count"/> accumulators added pairwise: ((a0 + a1) + (a2 + a3)).</summary>
        private static string PartialSum(int count) => count switch
        {
            1 => "a0",
            2 => "(a0 + a1)",
            3 => "((a0 + a1) + a2)",
            _ => "((a0 + a1) + (a2 + a3))",
        };

        /// <summary>Nonzero weights per output row, counted once per layer.</summary>
        private static int[] RowNonzeros(DenseOp d)
        {
            var counts = new int[d.N];
            for (int r = 0; r < d.N; r++)
                for (int c = 0; c < d.K; c++)
                    if (d.Weights[r * d.K + c] != 0f) counts[r]++;
            return counts;
        }
    }
}
