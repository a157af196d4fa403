using System;
using System.Collections.Generic;
using System.Linq;

namespace PrunedCodegen.Emitting
{
    /// <summary>
    /// Static data fields: small arrays as element literals (readable), large ones as one base64 blob decoded once
    /// into a static readonly array (cheap to compile). Either way the kernels read a <c>ReadOnlySpan</c> property of
    /// the same name, and a call allocates nothing.
    /// </summary>
    internal sealed partial class ModelEmitter
    {
        /// <summary>What the data fields cost the C# compiler; read after <see cref="Emit"/>.</summary>
        public EmittedDataSize DataSize => new EmittedDataSize(_literalElements, UnrolledStatements(), _stringBlobElements, _utf8BlobElements);

        private long _literalElements;
        private long _stringBlobElements;
        private long _utf8BlobElements;
        private long _stringBlobChars;
        private bool _usesStringBlobs;
        private bool _usesUtf8Blobs;

        /// <summary>An unrolled layer writes a statement with a weight literal per nonzero, and one per output row.</summary>
        private long UnrolledStatements() =>
            _plans.Values.Where(p => p.Kernel == Planning.KernelKind.Unrolled).Sum(p => (long)p.Nonzeros + p.Op.N);

        /// <param name="aligned">A blob (64-byte aligned) whatever the size, while the blob budget lasts: for data a kernel
        /// reads a Vector512 at a time (SELL-16's slots), where literals' 4-byte alignment splits every load over two cache
        /// lines (digits MLP's SELL layers: 15-20% slower).</param>
        private void EmitFloatData(string name, IReadOnlyList<float> values, bool aligned = false)
        {
            if (values.Count == 0)
            {
                _w.Line($"private static ReadOnlySpan<float> {name} => ReadOnlySpan<float>.Empty;");
                return;
            }
            if (TryEmitBlob(name, "float", values.Count, () => DataBlob.Base64(values), aligned)) return;
            _literalElements += values.Count;
            _w.Line($"private static ReadOnlySpan<float> {name} => new float[]");
            _w.Line("{");
            for (int i = 0; i < values.Count; i += ValuesPerLine)
                _w.Line("    " + string.Join(", ", Enumerable.Range(i, Math.Min(ValuesPerLine, values.Count - i)).Select(j => CSharpLiterals.Float(values[j]))) + ",");
            _w.Line("};");
        }

        private void EmitIntData(string name, IReadOnlyList<int> values, bool aligned = false)
        {
            if (values.Count == 0)
            {
                _w.Line($"private static ReadOnlySpan<int> {name} => ReadOnlySpan<int>.Empty;");
                return;
            }
            if (TryEmitBlob(name, "int", values.Count, () => DataBlob.Base64(values), aligned)) return;
            _literalElements += values.Count;
            _w.Line($"private static ReadOnlySpan<int> {name} => new int[]");
            _w.Line("{");
            for (int i = 0; i < values.Count; i += 16)
                _w.Line("    " + string.Join(", ", Enumerable.Range(i, Math.Min(16, values.Count - i)).Select(j => I(values[j]))) + ",");
            _w.Line("};");
        }

        /// <summary>
        /// A field holding the decoded array and the usual span property over it. The blob is a string literal while
        /// this model's share of the user-string heap lasts, then a UTF-8 literal (C# 11+), else element literals.
        /// </summary>
        private bool TryEmitBlob(string name, string type, int count, Func<string> base64, bool aligned = false)
        {
            if (count < (aligned ? Math.Min(_options.BlobMinElements, 16) : _options.BlobMinElements)) return false;
            long chars = DataBlob.Base64Length(count);
            bool utf8;
            if (_stringBlobChars + chars <= _options.StringBlobMaxChars)
            {
                _stringBlobChars += chars;
                _stringBlobElements += count;
                utf8 = false;
            }
            else if (_options.Utf8StringLiterals)
            {
                _utf8BlobElements += count;
                utf8 = true;
            }
            else return false;
            string field = name + "Blob";
            _w.Line($"// Stored as a blob: {I(count)} {type}s ({I(4L * count)} bytes, little-endian) in base64, decoded once when the class is first used.");
            if (utf8)
            {
                _usesUtf8Blobs = true;
                _w.Line($"private static readonly global::System.ArraySegment<{type}> {field} = {_decodeBlobName}<{type}>({I(count)}, \"{base64()}\"u8);");
            }
            else
            {
                _usesStringBlobs = true;
                _w.Line($"private static readonly global::System.ArraySegment<{type}> {field} = {_decodeBlobName}<{type}>({I(count)}, \"{base64()}\");");
            }
            _w.Line($"private static ReadOnlySpan<{type}> {name} => {field};");
            return true;
        }

        /// <summary>The decoders the blob fields call: one per kind of literal used.</summary>
        private void EmitBlobDecoders()
        {
            if (_usesStringBlobs)
                EmitBlobDecoder("string base64", "bool decoded = global::System.Convert.TryFromBase64String(base64, bytes, out int written);");
            if (_usesUtf8Blobs)
                EmitBlobDecoder("ReadOnlySpan<byte> base64",
                    "bool decoded = global::System.Buffers.Text.Base64.DecodeFromUtf8(base64, bytes, out _, out int written) == global::System.Buffers.OperationStatus.Done;");
        }

        private void EmitBlobDecoder(string parameter, string decode)
        {
            const string Marshal = "global::System.Runtime.InteropServices.MemoryMarshal";
            const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
            _w.Line("// Decodes a blob: base64 of 4-byte elements, little-endian whatever the host (swapped on big-endian ones), into");
            _w.Line("// a pinned array (the GC never moves it) sliced to start on a 64-byte boundary: a Vector512 load of the weights");
            _w.Line("// then touches one cache line, not two (measured: a 1.6 MB weight stream 12-28% slower when misaligned).");
            _w.Open($"private static global::System.ArraySegment<T> {_decodeBlobName}<T>(int count, {parameter}) where T : unmanaged");
            _w.Line("var array = global::System.GC.AllocateUninitializedArray<T>(count + 16, pinned: true);");
            _w.Line($"nint address = {Unsafe}.ByteOffset(ref {Unsafe}.NullRef<T>(), ref {Marshal}.GetArrayDataReference(array));");
            _w.Line("var values = new global::System.ArraySegment<T>(array, (int)((64 - (address & 63)) & 63) / 4, count);");
            _w.Line($"Span<byte> bytes = {Marshal}.AsBytes(values.AsSpan());");
            _w.Line(decode);
            _w.Line("if (!decoded || written != bytes.Length)");
            _w.Line("    throw new global::System.InvalidOperationException(\"PrunedCodegen: a data blob of the generated model code is corrupt; rebuild to regenerate it\");");
            _w.Open("if (!global::System.BitConverter.IsLittleEndian)");
            _w.Line($"Span<int> words = {Marshal}.Cast<T, int>(values.AsSpan());");
            _w.Line("global::System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(words, words);");
            _w.Close();
            _w.Line("return values;");
            _w.Close();
        }
    }

    /// <summary>
    /// Data constants of one generated model, by how much they cost the compiler: array elements written as C#
    /// literals and the statements of unrolled layers (one weight literal each) the most, elements in UTF-8 blobs
    /// less, elements in string-literal blobs almost nothing.
    /// </summary>
    internal readonly record struct EmittedDataSize(long LiteralElements, long UnrolledStatements, long StringBlobElements, long Utf8BlobElements)
    {
        public long BlobElements => StringBlobElements + Utf8BlobElements;
        public long Total => LiteralElements + UnrolledStatements + BlobElements;
    }
}
