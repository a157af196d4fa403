using System.Collections.Generic;
using System.Text;

namespace PrunedCodegen.Emitting
{
    /// <summary>Turns untrusted names into safe, unique C# identifiers.</summary>
    internal static class Identifiers
    {
        private static readonly HashSet<string> Keywords = new HashSet<string>
        {
            "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
            "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit",
            "extern", "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int",
            "interface", "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out",
            "override", "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed",
            "short", "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try",
            "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
            "scoped", "value", "var", "dynamic", "record", "nameof", "when", "where", "yield", "async", "await",
        };

        /// <summary>True for a plain ASCII C# identifier (letters, digits, underscores; not a keyword).</summary>
        public static bool IsValid(string name)
        {
            if (name.Length == 0 || name.Length > 200 || Keywords.Contains(name)) return false;
            if (!(IsLetter(name[0]) || name[0] == '_')) return false;
            foreach (char c in name)
                if (!(IsLetter(c) || (c >= '0' && c <= '9') || c == '_')) return false;
            return true;
        }

        /// <summary>A dotted namespace whose every part is a valid identifier.</summary>
        public static bool IsValidNamespace(string name)
        {
            foreach (var part in name.Split('.'))
                if (!IsValid(part)) return false;
            return true;
        }

        /// <summary>PascalCase from arbitrary text: "model-v2.onnx" → "ModelV2Onnx"; never empty, never a keyword.</summary>
        public static string Pascal(string text, string fallback)
        {
            var sb = new StringBuilder();
            bool upper = true;
            foreach (char c in text)
            {
                if (sb.Length >= 64) break;
                if (IsLetter(c) || (c >= '0' && c <= '9'))
                {
                    sb.Append(upper ? char.ToUpperInvariant(c) : c);
                    upper = false;
                }
                else upper = true;
            }
            if (sb.Length == 0) return fallback;
            if (sb[0] >= '0' && sb[0] <= '9') sb.Insert(0, fallback);
            return sb.ToString();
        }

        /// <summary>camelCase variant of <see cref="Pascal"/>, escaped if it collides with a keyword.</summary>
        public static string Camel(string text, string fallback)
        {
            string p = Pascal(text, fallback);
            string c = char.ToLowerInvariant(p[0]) + p.Substring(1);
            return Keywords.Contains(c) ? c + "_" : c;
        }

        private static bool IsLetter(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
