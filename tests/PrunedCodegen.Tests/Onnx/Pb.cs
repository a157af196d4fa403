using System;
using System.Collections.Generic;
using System.Text;

namespace PrunedCodegen.Tests.Onnx
{
    /// <summary>
    /// A tiny protobuf encoder for hand-written test bytes, independent of the library's ProtoWriter, so that
    /// tests can produce encodings the writer never emits (packed vs unpacked, unknown fields, bad lengths).
    /// </summary>
    internal sealed class Pb
    {
        private readonly List<byte> _bytes = new List<byte>();

        public int Length => _bytes.Count;

        public byte[] ToArray() => _bytes.ToArray();

        public Pb Raw(params byte[] bytes)
        {
            _bytes.AddRange(bytes);
            return this;
        }

        public Pb Varint(ulong value)
        {
            while (value >= 0x80)
            {
                _bytes.Add((byte)(value | 0x80));
                value >>= 7;
            }
            _bytes.Add((byte)value);
            return this;
        }

        public Pb Tag(int field, int wireType) => Varint(((ulong)field << 3) | (uint)wireType);

        /// <summary>A varint field; negative values sign-extended to 64 bits (10 bytes), as for int32/int64.</summary>
        public Pb Int(int field, long value) => Tag(field, 0).Varint(unchecked((ulong)value));

        public Pb Fixed32(int field, uint bits) => Tag(field, 5).Fixed32Raw(bits);

        public Pb Float(int field, float value) => Fixed32(field, unchecked((uint)BitConverter.SingleToInt32Bits(value)));

        public Pb Fixed64(int field, ulong bits) => Tag(field, 1).Fixed64Raw(bits);

        public Pb Double(int field, double value) => Fixed64(field, unchecked((ulong)BitConverter.DoubleToInt64Bits(value)));

        public Pb Bytes(int field, byte[] value) => Tag(field, 2).Varint((ulong)value.Length).Raw(value);

        public Pb Str(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Pb Msg(int field, Pb message) => Bytes(field, message.ToArray());

        public Pb Msg(int field, Action<Pb> build)
        {
            var inner = new Pb();
            build(inner);
            return Msg(field, inner);
        }

        public Pb Fixed32Raw(uint bits)
        {
            _bytes.Add((byte)bits);
            _bytes.Add((byte)(bits >> 8));
            _bytes.Add((byte)(bits >> 16));
            _bytes.Add((byte)(bits >> 24));
            return this;
        }

        public Pb Fixed64Raw(ulong bits) => Fixed32Raw((uint)bits).Fixed32Raw((uint)(bits >> 32));

        public Pb PackedVarints(int field, IEnumerable<long> values)
        {
            var inner = new Pb();
            foreach (long v in values)
                inner.Varint(unchecked((ulong)v));
            return Msg(field, inner);
        }

        public Pb PackedFloats(int field, IEnumerable<float> values)
        {
            var inner = new Pb();
            foreach (float v in values)
                inner.Fixed32Raw(unchecked((uint)BitConverter.SingleToInt32Bits(v)));
            return Msg(field, inner);
        }

        public Pb PackedDoubles(int field, IEnumerable<double> values)
        {
            var inner = new Pb();
            foreach (double v in values)
                inner.Fixed64Raw(unchecked((ulong)BitConverter.DoubleToInt64Bits(v)));
            return Msg(field, inner);
        }

        /// <summary>A minimal valid ModelProto body: ir_version 8 and a graph with one Relu node.</summary>
        public static Pb MinimalModel() => new Pb()
            .Int(1, 8)
            .Msg(7, g => g.Msg(1, n => n.Str(1, "x").Str(2, "y").Str(4, "Relu")).Str(2, "g"))
            .Msg(8, o => o.Str(1, "").Int(2, 17));
    }
}
