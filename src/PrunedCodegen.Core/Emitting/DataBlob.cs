using System;
using System.Collections.Generic;

namespace PrunedCodegen.Emitting
{
    /// <summary>
    /// Large weight and index arrays as one compact constant: their little-endian bytes in base64. Compiling element
    /// literals costs the C# compiler ~44 s and ~1.2 GB per million floats (docs/benchmarks.md, "Build cost"). A regular
    /// string literal of the same data costs almost nothing (one constant), but lives in the assembly's user-string heap,
    /// where every string must start within the first 16 MB; a UTF-8 literal (<c>"..."u8</c>, C# 11) has no such limit
    /// but costs the compiler ~0.8 KB of memory and up to ~8 µs per float (measured, not profiled): still cheaper than
    /// float literals. So each model takes string literals up to a budget, then UTF-8 literals. Generated code decodes a
    /// blob once, when the class is first used, into a static readonly array.
    /// </summary>
    internal static class DataBlob
    {
        /// <summary>
        /// Arrays of fewer elements stay readable element literals: below this the literals cost well under a second
        /// to compile, and small tables (biases, shapes, offsets) are worth reading in the generated file.
        /// </summary>
        public const int MinElements = 4096;

        /// <summary>
        /// Chars of string-literal blobs one model may use: 3M chars are 6 MB of the user-string heap (2 bytes per
        /// char), in whose first 16 MB every string must start, so that two large models and the program's own
        /// strings still fit one assembly. About 560,000
        /// floats; arrays beyond it are UTF-8 literals (C# 11+) or, on older language versions, element literals.
        /// </summary>
        public const long MaxStringLiteralChars = 3L * 1024 * 1024;

        /// <summary>
        /// Chars of string-literal blobs all models of one assembly may use together: 6M chars, 12 MB of the 16 MB heap,
        /// the rest left to the program's own strings. Past it the compiler fails with CS8103, so the generator shares it
        /// out equally between the project's models (a project with many large models gets UTF-8 blobs for the rest).
        /// </summary>
        public const long StringHeapBudgetChars = 6L * 1024 * 1024;

        /// <summary>Each model's share of <see cref="StringHeapBudgetChars"/>, at most <see cref="MaxStringLiteralChars"/>.</summary>
        public static long StringBudgetPerModel(int models) => Math.Min(MaxStringLiteralChars, StringHeapBudgetChars / Math.Max(1, models));

        /// <summary>The number of base64 chars for <paramref name="elements"/> 4-byte elements.</summary>
        public static long Base64Length(int elements) => (4L * elements + 2) / 3 * 4;

        public static string Base64(IReadOnlyList<float> values)
        {
            var array = values as float[] ?? ToArray(values);
            var bytes = new byte[array.Length * 4];
            Buffer.BlockCopy(array, 0, bytes, 0, bytes.Length);   // exact bits: NaN payloads and -0 survive
            return LittleEndianBase64(bytes);
        }

        public static string Base64(IReadOnlyList<int> values)
        {
            var array = values as int[] ?? ToArray(values);
            var bytes = new byte[array.Length * 4];
            Buffer.BlockCopy(array, 0, bytes, 0, bytes.Length);
            return LittleEndianBase64(bytes);
        }

        /// <summary>Host-order 4-byte elements → little-endian (the blob's format on every host) → base64.</summary>
        private static string LittleEndianBase64(byte[] bytes)
        {
            if (!BitConverter.IsLittleEndian)
                for (int i = 0; i < bytes.Length; i += 4)
                {
                    (bytes[i], bytes[i + 3]) = (bytes[i + 3], bytes[i]);
                    (bytes[i + 1], bytes[i + 2]) = (bytes[i + 2], bytes[i + 1]);
                }
            return Convert.ToBase64String(bytes);   // A-Z a-z 0-9 + / =: nothing to escape in a C# literal
        }

        private static T[] ToArray<T>(IReadOnlyList<T> values)
        {
            var array = new T[values.Count];
            for (int i = 0; i < array.Length; i++) array[i] = values[i];
            return array;
        }
    }
}
