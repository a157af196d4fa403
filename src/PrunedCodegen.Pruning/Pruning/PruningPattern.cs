using System.Globalization;

namespace PrunedCodegen.Pruning
{
    public enum PatternKind { Unstructured, Block, NOfM }

    /// <summary>
    /// The shape of what is removed together: single weights; blocks of <see cref="Rows"/> outputs x
    /// <see cref="Columns"/> inputs (block:8x1 is what the block-sparse kernel runs); or N:M, where every run of M
    /// consecutive inputs of an output keeps exactly its N largest weights.
    /// </summary>
    public sealed record PruningPattern(PatternKind Kind, int Rows = 1, int Columns = 1, int N = 0, int M = 0)
    {
        public static readonly PruningPattern Unstructured = new PruningPattern(PatternKind.Unstructured);

        public static PruningPattern Block(int rows, int columns) => new PruningPattern(PatternKind.Block, rows, columns);

        public static PruningPattern NOfM(int n, int m) => new PruningPattern(PatternKind.NOfM, N: n, M: m);

        /// <summary>The sparsity an N:M pattern imposes.</summary>
        public double ImpliedSparsity => Kind == PatternKind.NOfM ? 1 - (double)N / M : double.NaN;

        /// <summary>Parses "unstructured", "block:RxC" or "N:M"; null (with a reason) when the text is none of them.</summary>
        public static PruningPattern? TryParse(string text, out string error)
        {
            error = "";
            string t = text.Trim().ToLowerInvariant();
            if (t == "unstructured") return Unstructured;
            if (t.StartsWith("block:", System.StringComparison.Ordinal))
            {
                var parts = t.Substring(6).Split('x');
                if (parts.Length == 2 && Positive(parts[0], out int r) && Positive(parts[1], out int c))
                    return Block(r, c);
                error = $"'{text}' is not block:RxC with positive R (outputs) and C (inputs), e.g. block:8x1";
                return null;
            }
            var nm = t.Split(':');
            if (nm.Length == 2 && Positive(nm[0], out int n) && Positive(nm[1], out int m))
            {
                if (n >= m) { error = $"'{text}': N must be smaller than M (N:M keeps N weights of every M)"; return null; }
                return NOfM(n, m);
            }
            error = $"'{text}' is not a pattern: use unstructured, block:RxC (e.g. block:8x1) or N:M (e.g. 2:4)";
            return null;
        }

        private static bool Positive(string s, out int value) =>
            int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0 && value <= 4096;

        public override string ToString() => Kind switch
        {
            PatternKind.Block => string.Format(CultureInfo.InvariantCulture, "block:{0}x{1}", Rows, Columns),
            PatternKind.NOfM => string.Format(CultureInfo.InvariantCulture, "{0}:{1}", N, M),
            _ => "unstructured",
        };
    }
}
