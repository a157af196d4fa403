using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace PrunedCodegen.Onnx
{
    /// <summary>Protobuf wire types (the low three bits of a field tag).</summary>
    internal enum WireType
    {
        Varint = 0,
        Fixed64 = 1,
        LengthDelimited = 2,
        StartGroup = 3,
        EndGroup = 4,
        Fixed32 = 5,
    }

    /// <summary>
    /// A forward-only decoder of the protobuf wire format over one message: a range of a byte array.
    /// It never trusts a length or a count from the input: every length is checked against the bytes that
    /// are actually left before anything is allocated, varints longer than 10 bytes or wider than 64 bits are
    /// rejected, and nested messages are limited to <see cref="MaxDepth"/> levels. Every failure is an
    /// <see cref="OnnxFormatException"/> that names what was being read (message and field) and the byte
    /// offset in the buffer where the offending item starts.
    /// </summary>
    /// <remarks>
    /// Usage: <c>while (r.ReadTag()) { switch (r.FieldNumber) { case 1: x = r.ReadInt64("dims"); break; ...
    /// default: r.SkipField(); break; } }</c>. Each Read* call checks that the tag's wire type fits the field.
    /// Repeated scalar fields accept both the packed (one length-delimited run) and the unpacked (one tag per
    /// element) encodings, as protobuf parsers must.
    /// </remarks>
    internal sealed class ProtoReader
    {
        /// <summary>The deepest message nesting accepted (the top-level message has depth 0).</summary>
        public const int MaxDepth = 64;

        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

        private readonly byte[] _buffer;
        private readonly int _end;   // exclusive, absolute index into _buffer
        private int _pos;            // absolute index into _buffer
        private int _tagStart;       // where the current field's tag starts

        /// <summary>Reads the whole array as one message named <paramref name="messageName"/>.</summary>
        public ProtoReader(byte[] buffer, string messageName)
            : this(buffer ?? throw new ArgumentNullException(nameof(buffer)), 0, buffer.Length, messageName, 0)
        {
        }

        /// <summary>Reads <paramref name="length"/> bytes from <paramref name="offset"/> as one message.</summary>
        public ProtoReader(byte[] buffer, int offset, int length, string messageName)
            : this(buffer ?? throw new ArgumentNullException(nameof(buffer)), offset, length, messageName, 0)
        {
            if (offset < 0 || length < 0 || offset > buffer.Length - length)
                throw new ArgumentOutOfRangeException(nameof(length), "The range lies outside the buffer.");
        }

        private ProtoReader(byte[] buffer, int offset, int length, string messageName, int depth)
        {
            _buffer = buffer;
            _pos = offset;
            _end = offset + length;
            _tagStart = offset;
            MessageName = messageName;
            Depth = depth;
        }

        /// <summary>The protobuf message being read, for error messages (e.g. "TensorProto").</summary>
        public string MessageName { get; }

        /// <summary>Nesting depth of this message: 0 for the top level.</summary>
        public int Depth { get; }

        /// <summary>Field number of the tag last read by <see cref="ReadTag"/>.</summary>
        public int FieldNumber { get; private set; }

        /// <summary>Wire type of the tag last read by <see cref="ReadTag"/>.</summary>
        public WireType WireType { get; private set; }

        /// <summary>Current position (absolute byte offset in the buffer).</summary>
        public int Position => _pos;

        /// <summary>Offset of the last tag read: where the current field starts.</summary>
        public int FieldOffset => _tagStart;

        /// <summary>
        /// Reads the next field's tag. Returns false at the end of the message. Rejects field number 0,
        /// field numbers above 2^29-1, groups (wire types 3 and 4, deprecated and never used by ONNX) and the
        /// undefined wire types 6 and 7.
        /// </summary>
        public bool ReadTag()
        {
            if (_pos >= _end)
                return false;
            _tagStart = _pos;
            ulong tag = ReadRawVarint("field tag", null);
            ulong field = tag >> 3;
            int wire = (int)(tag & 7);
            if (field == 0)
                throw Error("invalid field number 0", _tagStart, null);
            if (field > 536870911)
                throw Error($"invalid field number {field}", _tagStart, null);
            FieldNumber = (int)field;
            WireType = (WireType)wire;
            if (wire == 3 || wire == 4)
                throw Error($"unsupported group encoding (wire type {wire}) in field {field}; groups are not valid in ONNX files", _tagStart, null);
            if (wire > 5)
                throw Error($"invalid wire type {wire} in field {field}", _tagStart, null);
            return true;
        }

        /// <summary>Skips the current field, whatever its (valid) wire type.</summary>
        public void SkipField()
        {
            string field = "field " + FieldNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
            switch (WireType)
            {
                case WireType.Varint:
                    ReadRawVarint("varint", field);
                    break;
                case WireType.Fixed64:
                    Advance(8, "fixed64", field);
                    break;
                case WireType.Fixed32:
                    Advance(4, "fixed32", field);
                    break;
                case WireType.LengthDelimited:
                {
                    int length = ReadLength(field);
                    _pos += length;
                    break;
                }
                default:
                    // ReadTag already rejects groups and undefined wire types.
                    throw Error($"cannot skip wire type {(int)WireType}", _tagStart, field);
            }
        }

        // ---- scalar fields ----------------------------------------------------------------------------------

        /// <summary>A varint field as an unsigned 64-bit value (uint64, and the raw bits of every varint).</summary>
        public ulong ReadUInt64(string field)
        {
            Expect(WireType.Varint, field);
            return ReadRawVarint("varint", field);
        }

        /// <summary>An int64 (or enum stored as int64) field.</summary>
        public long ReadInt64(string field) => unchecked((long)ReadUInt64(field));

        /// <summary>
        /// An int32 or enum field. Negative values are written as sign-extended 10-byte varints; like every
        /// protobuf parser, the value is the low 32 bits of the 64-bit varint.
        /// </summary>
        public int ReadInt32(string field) => unchecked((int)ReadUInt64(field));

        /// <summary>A float field (wire type fixed32, little-endian IEEE 754).</summary>
        public float ReadFloat(string field)
        {
            Expect(WireType.Fixed32, field);
            return Bits.Int32ToSingle(unchecked((int)ReadRawFixed32(field)));
        }

        /// <summary>A double field (wire type fixed64, little-endian IEEE 754).</summary>
        public double ReadDouble(string field)
        {
            Expect(WireType.Fixed64, field);
            return BitConverter.Int64BitsToDouble(unchecked((long)ReadRawFixed64(field)));
        }

        /// <summary>A string field, decoded as UTF-8. Invalid UTF-8 becomes U+FFFD; it never throws.</summary>
        public string ReadString(string field)
        {
            Expect(WireType.LengthDelimited, field);
            int length = ReadLength(field);
            string s = length == 0 ? "" : Utf8.GetString(_buffer, _pos, length);
            _pos += length;
            return s;
        }

        /// <summary>A bytes field, copied into a new array (one block copy).</summary>
        public byte[] ReadBytes(string field)
        {
            Expect(WireType.LengthDelimited, field);
            int length = ReadLength(field);
            if (length == 0)
                return Array.Empty<byte>();
            var result = new byte[length];
            Buffer.BlockCopy(_buffer, _pos, result, 0, length);
            _pos += length;
            return result;
        }

        /// <summary>
        /// An embedded message: returns a reader over its bytes (named <paramref name="messageName"/>) and moves
        /// this reader past them.
        /// </summary>
        public ProtoReader ReadMessage(string field, string messageName)
        {
            Expect(WireType.LengthDelimited, field);
            int start = _tagStart;
            if (Depth + 1 > MaxDepth)
                throw Error($"messages nested deeper than {MaxDepth} levels", start, field);
            int length = ReadLength(field);
            var child = new ProtoReader(_buffer, _pos, length, messageName, Depth + 1);
            _pos += length;
            return child;
        }

        /// <summary>Skips an embedded message field after checking that it is length-delimited.</summary>
        public void SkipMessage(string field)
        {
            Expect(WireType.LengthDelimited, field);
            int length = ReadLength(field);
            _pos += length;
        }

        // ---- repeated scalar fields (packed or unpacked) ----------------------------------------------------

        /// <summary>Appends one (unpacked) or a run of (packed) int64 values.</summary>
        public void ReadRepeatedInt64(List<long> values, string field)
        {
            if (WireType == WireType.Varint)
            {
                values.Add(unchecked((long)ReadRawVarint("varint", field)));
                return;
            }
            int end = BeginPacked(field, out _);
            // No pre-sizing from the byte length: a varint takes 1-10 bytes, so the count is unknown.
            while (_pos < end)
                values.Add(unchecked((long)ReadRawVarint("packed varint", field, end)));
        }

        /// <summary>Appends one (unpacked) or a run of (packed) uint64 values.</summary>
        public void ReadRepeatedUInt64(List<ulong> values, string field)
        {
            if (WireType == WireType.Varint)
            {
                values.Add(ReadRawVarint("varint", field));
                return;
            }
            int end = BeginPacked(field, out _);
            while (_pos < end)
                values.Add(ReadRawVarint("packed varint", field, end));
        }

        /// <summary>Appends one (unpacked) or a run of (packed) int32 values (each the low 32 bits of its varint).</summary>
        public void ReadRepeatedInt32(List<int> values, string field)
        {
            if (WireType == WireType.Varint)
            {
                values.Add(unchecked((int)ReadRawVarint("varint", field)));
                return;
            }
            int end = BeginPacked(field, out _);
            while (_pos < end)
                values.Add(unchecked((int)ReadRawVarint("packed varint", field, end)));
        }

        /// <summary>Appends one (unpacked, fixed32) or a run of (packed) float values.</summary>
        public void ReadRepeatedFloat(List<float> values, string field)
        {
            if (WireType == WireType.Fixed32)
            {
                values.Add(Bits.Int32ToSingle(unchecked((int)ReadRawFixed32(field))));
                return;
            }
            int start = _tagStart;
            int end = BeginPacked(field, out int length);
            if (length % 4 != 0)
                throw Error($"packed fixed32 run of {length} bytes is not a multiple of 4", start, field);
            int count = length / 4;
            if (count == 0)
                return;
            if (BitConverter.IsLittleEndian)
            {
                var block = new float[count];
                Buffer.BlockCopy(_buffer, _pos, block, 0, length);
                values.AddRange(block);
            }
            else
            {
                EnsureExtraCapacity(values, count);
                for (int i = 0; i < count; i++)
                    values.Add(Bits.Int32ToSingle(unchecked((int)Bits.ReadUInt32LittleEndian(_buffer, _pos + 4 * i))));
            }
            _pos = end;
        }

        /// <summary>Appends one (unpacked, fixed64) or a run of (packed) double values.</summary>
        public void ReadRepeatedDouble(List<double> values, string field)
        {
            if (WireType == WireType.Fixed64)
            {
                values.Add(BitConverter.Int64BitsToDouble(unchecked((long)ReadRawFixed64(field))));
                return;
            }
            int start = _tagStart;
            int end = BeginPacked(field, out int length);
            if (length % 8 != 0)
                throw Error($"packed fixed64 run of {length} bytes is not a multiple of 8", start, field);
            int count = length / 8;
            if (count == 0)
                return;
            if (BitConverter.IsLittleEndian)
            {
                var block = new double[count];
                Buffer.BlockCopy(_buffer, _pos, block, 0, length);
                values.AddRange(block);
            }
            else
            {
                EnsureExtraCapacity(values, count);
                for (int i = 0; i < count; i++)
                    values.Add(BitConverter.Int64BitsToDouble(unchecked((long)Bits.ReadUInt64LittleEndian(_buffer, _pos + 8 * i))));
            }
            _pos = end;
        }

        // ---- primitives -------------------------------------------------------------------------------------

        /// <summary>Builds the exception for a failure at <paramref name="offset"/> while reading <paramref name="field"/>.</summary>
        public OnnxFormatException Error(string what, int offset, string? field)
        {
            // "TensorProto.dims" for a known field, "TensorProto field 99" for one being skipped.
            string where = field == null ? MessageName
                : field.StartsWith("field ", StringComparison.Ordinal) ? MessageName + " " + field
                : MessageName + "." + field;
            return new OnnxFormatException($"{what} at byte {offset} in {where}");
        }

        private void Expect(WireType expected, string field)
        {
            if (WireType != expected)
                throw Error($"wrong wire type {(int)WireType} ({Describe(WireType)}; expected {Describe(expected)})", _tagStart, field);
        }

        private static string Describe(WireType wireType)
        {
            switch (wireType)
            {
                case WireType.Varint: return "varint";
                case WireType.Fixed64: return "fixed64";
                case WireType.LengthDelimited: return "length-delimited";
                case WireType.Fixed32: return "fixed32";
                default: return "wire type " + ((int)wireType).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        /// <summary>Starts a packed run: checks the wire type and length and returns the run's end.</summary>
        private int BeginPacked(string field, out int length)
        {
            if (WireType != WireType.LengthDelimited)
                throw Error($"wrong wire type {(int)WireType} ({Describe(WireType)}) for a repeated scalar", _tagStart, field);
            length = ReadLength(field);
            return _pos + length;
        }

        /// <summary>Grows a list for a packed run of at most <paramref name="maxExtra"/> elements (bounded by real bytes).</summary>
        private static void EnsureExtraCapacity<T>(List<T> values, int maxExtra)
        {
            long wanted = (long)values.Count + maxExtra;
            if (wanted > values.Capacity && wanted <= int.MaxValue)
                values.Capacity = (int)wanted;
        }

        /// <summary>Reads a length prefix and checks that that many bytes remain in this message.</summary>
        private int ReadLength(string field)
        {
            int start = _pos;
            ulong length = ReadRawVarint("length", field);
            ulong remaining = (ulong)(_end - _pos);
            if (length > remaining)
                throw Error($"length {length} exceeds the {remaining} bytes left", start, field);
            return (int)length;
        }

        private void Advance(int count, string what, string field)
        {
            if (_end - _pos < count)
                throw Error($"truncated {what} ({count} bytes needed, {_end - _pos} left)", _pos, field);
            _pos += count;
        }

        private uint ReadRawFixed32(string field)
        {
            int start = _pos;
            Advance(4, "fixed32", field);
            return Bits.ReadUInt32LittleEndian(_buffer, start);
        }

        private ulong ReadRawFixed64(string field)
        {
            int start = _pos;
            Advance(8, "fixed64", field);
            return Bits.ReadUInt64LittleEndian(_buffer, start);
        }

        private ulong ReadRawVarint(string what, string? field) => ReadRawVarint(what, field, _end);

        /// <summary>Decodes a base-128 varint ending before <paramref name="limit"/>: at most 10 bytes, at most 64 bits.</summary>
        private ulong ReadRawVarint(string what, string? field, int limit)
        {
            int start = _pos;
            byte[] buffer = _buffer;
            int pos = _pos;
            ulong result = 0;
            for (int shift = 0; shift < 63; shift += 7)
            {
                if (pos >= limit)
                    throw Error($"truncated {what}", start, field);
                uint b = buffer[pos++];
                result |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    _pos = pos;
                    return result;
                }
            }
            // Tenth byte: only its lowest bit is still inside 64 bits.
            if (pos >= limit)
                throw Error($"truncated {what}", start, field);
            uint last = buffer[pos++];
            if (last >= 0x80)
                throw Error($"{what} longer than 10 bytes", start, field);
            if (last > 1)
                throw Error($"{what} overflows 64 bits", start, field);
            _pos = pos;
            return result | ((ulong)last << 63);
        }
    }

    /// <summary>Endianness-independent bit conversions that netstandard2.0 lacks.</summary>
    internal static class Bits
    {
        [StructLayout(LayoutKind.Explicit)]
        private struct SingleInt32
        {
            [FieldOffset(0)] public float Single;
            [FieldOffset(0)] public int Int32;
        }

        public static float Int32ToSingle(int bits)
        {
            var u = new SingleInt32 { Int32 = bits };
            return u.Single;
        }

        public static int SingleToInt32(float value)
        {
            var u = new SingleInt32 { Single = value };
            return u.Int32;
        }

        public static uint ReadUInt32LittleEndian(byte[] b, int i) =>
            b[i] | ((uint)b[i + 1] << 8) | ((uint)b[i + 2] << 16) | ((uint)b[i + 3] << 24);

        public static ulong ReadUInt64LittleEndian(byte[] b, int i) =>
            ReadUInt32LittleEndian(b, i) | ((ulong)ReadUInt32LittleEndian(b, i + 4) << 32);

        public static ushort ReadUInt16LittleEndian(byte[] b, int i) => (ushort)(b[i] | (b[i + 1] << 8));
    }
}
