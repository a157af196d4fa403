using System.Text;

namespace PrunedCodegen
{
    /// <summary>Renders untrusted text from a model file for diagnostics: printable ASCII only, bounded length.</summary>
    internal static class Text
    {
        public const int MaxQuotedLength = 80;

        public static string Quote(string s)
        {
            var sb = new StringBuilder(s.Length + 8);
            foreach (char c in s)
            {
                if (sb.Length >= MaxQuotedLength) { sb.Append("..."); break; }
                if (c >= ' ' && c <= '~' && c != '\\') sb.Append(c);
                else sb.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }
    }
}
