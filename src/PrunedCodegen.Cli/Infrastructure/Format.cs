using System.Globalization;

namespace PrunedCodegen.Cli.Infrastructure
{
    /// <summary>Numbers as the tool prints them: invariant culture, fixed precision.</summary>
    internal static class Format
    {
        public static string Percent(double fraction) => double.IsNaN(fraction) ? "-" : (fraction * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
        public static string Fixed(double value, int digits = 4) => double.IsNaN(value) ? "-" : value.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        public static string Int(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
        public static string Sci(double value) => value.ToString("0.0e+0", CultureInfo.InvariantCulture);
        public static string Ns(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
    }
}
