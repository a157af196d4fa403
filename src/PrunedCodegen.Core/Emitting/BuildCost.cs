using System.Globalization;
using PrunedCodegen.Diagnostics;

namespace PrunedCodegen.Emitting
{
    /// <summary>
    /// Estimates what a generated model adds to every compilation of its project, and warns (PCG0022) when that
    /// is more than a user should pay without being told. Rates measured on the project's 2-core machine under
    /// load (docs/benchmarks.md "Build cost", ../shared/NOTES.md): upper bounds rather than typical figures.
    /// </summary>
    internal static class BuildCost
    {
        /// <summary>Seconds per array element written as a literal: 1M dense float literals added 42 s, 4M 176 s.</summary>
        public const double SecondsPerLiteral = 44e-6;

        /// <summary>Seconds per unrolled statement (<c>acc += x[c] * w;</c>): 50k statements took 12 s, 200k 29 s.</summary>
        public const double SecondsPerUnrolledStatement = 110e-6;

        /// <summary>Seconds per 4-byte element in a UTF-8 blob: 4M floats added 29 s and 3.2 GB (load ~40).</summary>
        public const double SecondsPerUtf8BlobElement = 8e-6;

        /// <summary>Seconds per 4-byte element in a string-literal blob: 2M floats added under 1 s and 80 MB.</summary>
        public const double SecondsPerStringBlobElement = 0.5e-6;

        /// <summary>
        /// Past this estimate the generator warns: a minimal project builds in ~3.5 s here, so 10 s more is a build
        /// about four times slower, paid again after every edit.
        /// </summary>
        public const double WarnSeconds = 10;

        /// <summary>The estimated added compile time in seconds.</summary>
        public static double EstimateSeconds(EmittedDataSize size) =>
            size.LiteralElements * SecondsPerLiteral + size.UnrolledStatements * SecondsPerUnrolledStatement
            + size.Utf8BlobElements * SecondsPerUtf8BlobElement + size.StringBlobElements * SecondsPerStringBlobElement;

        public static PcgDiagnostic? Check(EmittedDataSize size, CompileOptions options)
        {
            double seconds = EstimateSeconds(size);
            if (seconds <= WarnSeconds) return null;
            string advice = !options.Utf8StringLiterals && size.LiteralElements * SecondsPerLiteral > WarnSeconds / 2
                ? "use C# 11 or newer (LangVersion), so that every large array becomes a compact UTF-8 blob instead of literals; "
                : "";
            return new PcgDiagnostic(DiagnosticIds.SlowBuild, PcgSeverity.Warning, "Model makes every build slow",
                string.Format(CultureInfo.InvariantCulture,
                    "{0}: the generated code holds {1:N0} constants ({2:N0} array elements as C# literals, {3:N0} in unrolled code, {4:N0} in data blobs); " +
                    "they add an estimated {5:0} s to every compilation of this project (warning above {6:0} s), after an edit to any of its .cs files, " +
                    "not only when the model changes. To reduce it: {7}prune further, preferably structured pruning (whole neurons or filters: it " +
                    "shrinks the next layer too), or use fewer unrolled layers; or keep the model in a small project of its own that the rest references, " +
                    "so that it compiles only when that project changes",
                    Text.Quote(options.ModelFileName), size.Total, size.LiteralElements, size.UnrolledStatements, size.BlobElements,
                    seconds, WarnSeconds, advice));
        }
    }
}
