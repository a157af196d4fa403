using System;
using System.Globalization;
using System.Text;

namespace PrunedCodegen.Emitting
{
    /// <summary>
    /// Culture-invariant, exactly round-tripping C# literals, and escaping for anything from a model file
    /// that reaches generated code (string literals, comments, XML docs).
    /// </summary>
    internal static class CSharpLiterals
    {
        /// <summary>A float literal that parses back to the same bits: G9 round-trips every float.</summary>
        public static string Float(float value)
        {
            if (float.IsNaN(value)) return "float.NaN";
            if (float.IsPositiveInfinity(value)) return "float.PositiveInfinity";
            if (float.IsNegativeInfinity(value)) return "float.NegativeInfinity";
            if (value == 0f) return IsNegativeZero(value) ? "-0f" : "0f";
            return value.ToString("G9", CultureInfo.InvariantCulture) + "f";
        }

        public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

        private static bool IsNegativeZero(float value) => BitConverter.ToInt32(BitConverter.GetBytes(value), 0) == unchecked((int)0x80000000);

        /// <summary>A regular C# string literal; everything outside printable ASCII is a \u escape.</summary>
        public static string String(string value)
        {
            var sb = new StringBuilder(value.Length + 2).Append('"');
            foreach (char c in value)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    default:
                        if (c >= ' ' && c <= '~') sb.Append(c);
                        else sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                        break;
                }
            }
            return sb.Append('"').ToString();
        }

        /// <summary>
        /// Untrusted text for a // comment or an XML doc comment: printable ASCII only (no line breaks,
        /// no bidi controls), XML metacharacters escaped, and bounded in length.
        /// </summary>
        public static string CommentText(string value, int maxLength = 120)
        {
            var sb = new StringBuilder(Math.Min(value.Length, maxLength) + 8);
            foreach (char c in value)
            {
                if (sb.Length >= maxLength) { sb.Append("..."); break; }
                switch (c)
                {
                    case '<': sb.Append("&lt;"); break;
                    case '>': sb.Append("&gt;"); break;
                    case '&': sb.Append("&amp;"); break;
                    default:
                        if (c >= ' ' && c <= '~') sb.Append(c);
                        else sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                        break;
                }
            }
            return sb.ToString();
        }
    }
}
