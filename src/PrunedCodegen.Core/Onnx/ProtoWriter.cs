using System;
using System.Collections.Generic;
using System.Text;

namespace PrunedCodegen.Onnx
{
    /// <summary>
    /// An append-only encoder of the protobuf wire format into a growable byte buffer. Embedded messages are
    /// written into their own <see cref="ProtoWriter"/> and then appended with <see cref="WriteMessage"/>.
    /// The output depends only on the calls made, so it is deterministic.
    /// </summary>
    internal sealed class ProtoWriter
    {
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

        private byte[] _buffer;
        private int _length;

        public ProtoWriter(int initialCapacity = 256)
        {
            _buffer = new byte[Math.Max(16, initialCapacity)];
        }

        /// <summary>Number of bytes written so far.</summary>
        public int Length => _length;

        /// <summary>A copy of the bytes written.</summary>
        public byte[] ToArray()
        {
            var result = new byte[_length];
            Buffer.BlockCopy(_buffer, 0, result, 0, _length);
            return result;
        }

        // ---- fields -----------------------------------------------------------------------------------------

        public void WriteTag(int field, WireType wireType) => WriteVarint(((ulong)(uint)field << 3) | (uint)wireType);

        /// <summary>An int64 (or uint64 bits) varint field.</summary>
        public void WriteInt64(int field, long value)
        {
            WriteTag(field, WireType.Varint);
            WriteVarint(unchecked((ulong)value));
        }

        /// <summary>An int32 or enum field: negative values are sign-extended to 10 bytes, as protobuf requires.</summary>
        public void WriteInt32(int field, int value) => WriteInt64(field, value);

        public void WriteFloat(int field, float value)
        {
            WriteTag(field, WireType.Fixed32);
            WriteFixed32(unchecked((uint)Bits.SingleToInt32(value)));
        }

        public void WriteString(int field, string value)
        {
            WriteTag(field, WireType.LengthDelimited);
            int byteCount = Utf8.GetByteCount(value);
            WriteVarint((ulong)byteCount);
            Ensure(byteCount);
            _length += Utf8.GetBytes(value, 0, value.Length, _buffer, _length);
        }

        public void WriteBytes(int field, byte[] value) => WriteBytes(field, value, 0, value.Length);

        public void WriteBytes(int field, byte[] value, int offset, int count)
        {
            WriteTag(field, WireType.LengthDelimited);
            WriteVarint((ulong)count);
            Ensure(count);
            Buffer.BlockCopy(value, offset, _buffer, _length, count);
            _length += count;
        }

        /// <summary>An embedded message whose fields were written into <paramref name="message"/>.</summary>
        public void WriteMessage(int field, ProtoWriter message) => WriteBytes(field, message._buffer, 0, message._length);

        // ---- repeated fields --------------------------------------------------------------------------------

        /// <summary>Repeated int64, one tag per element (proto2's default, used by ONNX for dims and ints).</summary>
        public void WriteUnpackedInt64s(int field, List<long> values)
        {
            foreach (long v in values)
                WriteInt64(field, v);
        }

        /// <summary>Repeated float, one fixed32 tag per element (used by ONNX for AttributeProto.floats).</summary>
        public void WriteUnpackedFloats(int field, List<float> values)
        {
            foreach (float v in values)
                WriteFloat(field, v);
        }

        public void WritePackedFloats(int field, List<float> values)
        {
            if (values.Count == 0)
                return;
            WriteTag(field, WireType.LengthDelimited);
            int byteCount = checked(values.Count * 4);
            WriteVarint((ulong)byteCount);
            Ensure(byteCount);
            foreach (float v in values)
                WriteFixed32Raw(unchecked((uint)Bits.SingleToInt32(v)));
        }

        public void WritePackedDoubles(int field, List<double> values)
        {
            if (values.Count == 0)
                return;
            WriteTag(field, WireType.LengthDelimited);
            int byteCount = checked(values.Count * 8);
            WriteVarint((ulong)byteCount);
            Ensure(byteCount);
            foreach (double v in values)
            {
                ulong bits = unchecked((ulong)BitConverter.DoubleToInt64Bits(v));
                WriteFixed32Raw((uint)bits);
                WriteFixed32Raw((uint)(bits >> 32));
            }
        }

        public void WritePackedInt32s(int field, List<int> values)
        {
            if (values.Count == 0)
                return;
            WriteTag(field, WireType.LengthDelimited);
            int byteCount = 0;
            foreach (int v in values)
                byteCount += VarintSize(unchecked((ulong)(long)v));
            WriteVarint((ulong)byteCount);
            foreach (int v in values)
                WriteVarint(unchecked((ulong)(long)v));
        }

        public void WritePackedInt64s(int field, List<long> values)
        {
            if (values.Count == 0)
                return;
            WriteTag(field, WireType.LengthDelimited);
            int byteCount = 0;
            foreach (long v in values)
                byteCount += VarintSize(unchecked((ulong)v));
            WriteVarint((ulong)byteCount);
            foreach (long v in values)
                WriteVarint(unchecked((ulong)v));
        }

        public void WritePackedUInt64s(int field, List<ulong> values)
        {
            if (values.Count == 0)
                return;
            WriteTag(field, WireType.LengthDelimited);
            int byteCount = 0;
            foreach (ulong v in values)
                byteCount += VarintSize(v);
            WriteVarint((ulong)byteCount);
            foreach (ulong v in values)
                WriteVarint(v);
        }

        // ---- primitives -------------------------------------------------------------------------------------

        public void WriteVarint(ulong value)
        {
            Ensure(10);
            byte[] b = _buffer;
            int i = _length;
            while (value >= 0x80)
            {
                b[i++] = (byte)(value | 0x80);
                value >>= 7;
            }
            b[i++] = (byte)value;
            _length = i;
        }

        private void WriteFixed32(uint value)
        {
            Ensure(4);
            WriteFixed32Raw(value);
        }

        /// <summary>Little-endian, whatever the host's byte order. The caller has ensured the space.</summary>
        private void WriteFixed32Raw(uint value)
        {
            byte[] b = _buffer;
            int i = _length;
            b[i] = (byte)value;
            b[i + 1] = (byte)(value >> 8);
            b[i + 2] = (byte)(value >> 16);
            b[i + 3] = (byte)(value >> 24);
            _length = i + 4;
        }

        private static int VarintSize(ulong value)
        {
            int size = 1;
            while (value >= 0x80)
            {
                value >>= 7;
                size++;
            }
            return size;
        }

        private void Ensure(int extra)
        {
            long needed = (long)_length + extra;
            if (needed <= _buffer.Length)
                return;
            if (needed > int.MaxValue - 64)
                throw new InvalidOperationException("A protobuf message cannot exceed 2 GB.");
            long capacity = Math.Max(needed, Math.Min((long)_buffer.Length * 2, int.MaxValue - 64));
            var grown = new byte[capacity];
            Buffer.BlockCopy(_buffer, 0, grown, 0, _length);
            _buffer = grown;
        }
    }
}
