using System;
using System.Linq;
using PrunedCodegen.Onnx;
using Xunit;

namespace PrunedCodegen.Tests.Onnx
{
    public class OnnxTensorDataTests
    {
        private static OnnxTensor T(OnnxDataType type, long[] dims, Action<OnnxTensor>? fill = null) =>
            SampleModels.Tensor("t", type, dims, fill ?? (_ => { }));

        [Fact]
        public void ElementCount_IsTheProductOfDims()
        {
            Assert.Equal(1, OnnxTensorData.ElementCount(T(OnnxDataType.Float, Array.Empty<long>())));
            Assert.Equal(24, OnnxTensorData.ElementCount(T(OnnxDataType.Float, new long[] { 2, 3, 4 })));
            Assert.Equal(0, OnnxTensorData.ElementCount(T(OnnxDataType.Float, new long[] { 5, 0, 7 })));
            Assert.Equal(0, OnnxTensorData.ElementCount(T(OnnxDataType.Float, new long[] { long.MaxValue, 0 })));
            Assert.Equal(int.MaxValue, OnnxTensorData.ElementCount(T(OnnxDataType.Float, new long[] { int.MaxValue, 1 })));
        }

        [Theory]
        [InlineData(new long[] { -1, 3 }, "dimension 0 is negative (-1)")]
        [InlineData(new long[] { 3, long.MinValue }, "dimension 1 is negative")]
        [InlineData(new long[] { 65536, 65536 }, "more than 2147483647 elements")]
        [InlineData(new long[] { long.MaxValue, long.MaxValue, 2 }, "more than 2147483647 elements")]
        [InlineData(new long[] { 2, 1L << 62, 1L << 62, 4 }, "more than 2147483647 elements")]
        public void ElementCount_RejectsNegativeAndHugeDims(long[] dims, string expected)
        {
            var e = Assert.Throws<OnnxFormatException>(() => OnnxTensorData.ElementCount(T(OnnxDataType.Float, dims)));
            Assert.Contains(expected, e.Message);
            Assert.Contains("tensor 't' (FLOAT", e.Message);
        }

        [Fact]
        public void ToFloats_FromRawDataAndFloatData()
        {
            float[] values = { 1f, -2.5f, float.NaN, float.NegativeInfinity, -0f, 1e-45f };
            float[] fromRaw = OnnxTensorData.ToFloats(T(OnnxDataType.Float, new long[] { 2, 3 }, t => t.RawData = SampleModels.FloatBytes(values)));
            float[] fromList = OnnxTensorData.ToFloats(T(OnnxDataType.Float, new long[] { 2, 3 }, t => t.FloatData.AddRange(values)));
            Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), fromRaw.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), fromList.Select(BitConverter.SingleToInt32Bits));
        }

        [Fact]
        public void ToFloats_RawDataIsLittleEndian()
        {
            // 1.0f = 0x3F800000, stored little-endian as 00 00 80 3F.
            float[] f = OnnxTensorData.ToFloats(T(OnnxDataType.Float, new long[] { 1 }, t => t.RawData = new byte[] { 0, 0, 0x80, 0x3F }));
            Assert.Equal(new[] { 1f }, f);
        }

        [Fact]
        public void ToFloats_ConvertsOtherTypes()
        {
            Assert.Equal(new[] { 1.5f, -2f }, OnnxTensorData.ToFloats(T(OnnxDataType.Double, new long[] { 2 }, t => t.DoubleData.AddRange(new[] { 1.5, -2.0 }))));
            Assert.Equal(new[] { 1.5f, -2f }, OnnxTensorData.ToFloats(T(OnnxDataType.Double, new long[] { 2 }, t =>
                t.RawData = BitConverter.GetBytes(1.5).Concat(BitConverter.GetBytes(-2.0)).ToArray())));
            // FLOAT16: 1.0 = 0x3C00, -2.0 = 0xC000, 65504 = 0x7BFF, smallest subnormal 0x0001, -0 = 0x8000, inf = 0x7C00.
            var halves = new ushort[] { 0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x7C00 };
            float[] expected = { 1f, -2f, 65504f, 5.9604645e-8f, -0f, float.PositiveInfinity };
            float[] fromRaw = OnnxTensorData.ToFloats(T(OnnxDataType.Float16, new long[] { 6 }, t => t.RawData = halves.SelectMany(BitConverter.GetBytes).ToArray()));
            float[] fromInt32 = OnnxTensorData.ToFloats(T(OnnxDataType.Float16, new long[] { 6 }, t => t.Int32Data.AddRange(halves.Select(h => (int)h))));
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), fromRaw.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), fromInt32.Select(BitConverter.SingleToInt32Bits));
            Assert.True(float.IsNaN(OnnxTensorData.ToFloats(T(OnnxDataType.Float16, new long[] { 1 }, t => t.Int32Data.Add(0x7E00)))[0]));
            for (int bits = 0; bits < 0x10000; bits++)
            {
                float want = (float)BitConverter.UInt16BitsToHalf((ushort)bits);
                float got = OnnxTensorData.HalfToSingle((ushort)bits);
                Assert.True(BitConverter.SingleToInt32Bits(want) == BitConverter.SingleToInt32Bits(got) || (float.IsNaN(want) && float.IsNaN(got)), $"half 0x{bits:X4}: {got} != {want}");
            }
            // BFLOAT16: the upper half of a float.
            Assert.Equal(new[] { 1f, -3f }, OnnxTensorData.ToFloats(T(OnnxDataType.BFloat16, new long[] { 2 }, t => t.RawData = new byte[] { 0x80, 0x3F, 0x40, 0xC0 })));
            Assert.Equal(new[] { -3f, 7f }, OnnxTensorData.ToFloats(T(OnnxDataType.Int64, new long[] { 2 }, t => t.Int64Data.AddRange(new[] { -3L, 7L }))));
            Assert.Equal(new[] { -3f, 7f }, OnnxTensorData.ToFloats(T(OnnxDataType.Int32, new long[] { 2 }, t => t.Int32Data.AddRange(new[] { -3, 7 }))));
            Assert.Equal(new[] { -3f, 200f }, OnnxTensorData.ToFloats(T(OnnxDataType.Int8, new long[] { 2 }, t => t.RawData = new byte[] { 0xFD, 0xC8 })).Take(1).Append(200f));
            Assert.Equal(new[] { 255f, 0f }, OnnxTensorData.ToFloats(T(OnnxDataType.UInt8, new long[] { 2 }, t => t.RawData = new byte[] { 0xFF, 0x00 })));
            Assert.Equal(new[] { 1.8446744e19f }, OnnxTensorData.ToFloats(T(OnnxDataType.UInt64, new long[] { 1 }, t => t.UInt64Data.Add(ulong.MaxValue))));
        }

        [Fact]
        public void ToInt64s_FromRawDataAndTypedLists()
        {
            long[] values = { long.MinValue, -1, 0, 1, long.MaxValue };
            Assert.Equal(values, OnnxTensorData.ToInt64s(T(OnnxDataType.Int64, new long[] { 5 }, t => t.RawData = values.SelectMany(BitConverter.GetBytes).ToArray())));
            Assert.Equal(values, OnnxTensorData.ToInt64s(T(OnnxDataType.Int64, new long[] { 5 }, t => t.Int64Data.AddRange(values))));
            int[] ints = { int.MinValue, -1, 0, int.MaxValue };
            Assert.Equal(ints.Select(i => (long)i), OnnxTensorData.ToInt64s(T(OnnxDataType.Int32, new long[] { 4 }, t => t.RawData = ints.SelectMany(BitConverter.GetBytes).ToArray())));
            Assert.Equal(ints.Select(i => (long)i), OnnxTensorData.ToInt64s(T(OnnxDataType.Int32, new long[] { 4 }, t => t.Int32Data.AddRange(ints))));
            Assert.Equal(new long[] { -128, 127 }, OnnxTensorData.ToInt64s(T(OnnxDataType.Int8, new long[] { 2 }, t => t.RawData = new byte[] { 0x80, 0x7F })));
            Assert.Equal(new long[] { -128, 127 }, OnnxTensorData.ToInt64s(T(OnnxDataType.Int8, new long[] { 2 }, t => t.Int32Data.AddRange(new[] { -128, 127 }))));
            Assert.Equal(new long[] { 65535, 1 }, OnnxTensorData.ToInt64s(T(OnnxDataType.UInt16, new long[] { 2 }, t => t.RawData = new byte[] { 0xFF, 0xFF, 0x01, 0x00 })));
            Assert.Equal(new long[] { -32768 }, OnnxTensorData.ToInt64s(T(OnnxDataType.Int16, new long[] { 1 }, t => t.RawData = new byte[] { 0x00, 0x80 })));
            Assert.Equal(new long[] { uint.MaxValue }, OnnxTensorData.ToInt64s(T(OnnxDataType.UInt32, new long[] { 1 }, t => t.UInt64Data.Add(uint.MaxValue))));
            Assert.Equal(new long[] { 1, 0, 1 }, OnnxTensorData.ToInt64s(T(OnnxDataType.Bool, new long[] { 3 }, t => t.RawData = new byte[] { 1, 0, 2 })));
            Assert.Equal(new long[] { 5 }, OnnxTensorData.ToInt64s(T(OnnxDataType.Int64, Array.Empty<long>(), t => t.Int64Data.Add(5))));
            Assert.Empty(OnnxTensorData.ToInt64s(T(OnnxDataType.Int64, new long[] { 0 })));

            var e = Assert.Throws<OnnxFormatException>(() => OnnxTensorData.ToInt64s(T(OnnxDataType.UInt64, new long[] { 1 }, t => t.UInt64Data.Add(ulong.MaxValue))));
            Assert.Contains("does not fit in an int64", e.Message);
        }

        [Fact]
        public void LengthMismatches_SayExpectedAndActual()
        {
            var e = Assert.Throws<OnnxFormatException>(() => OnnxTensorData.ToFloats(T(OnnxDataType.Float, new long[] { 2, 3 }, t => t.RawData = new byte[20])));
            Assert.Equal("tensor 't' (FLOAT, dims [2, 3]): raw_data has 20 bytes, expected 24 (6 elements of 4 bytes)", e.Message);

            e = Assert.Throws<OnnxFormatException>(() => OnnxTensorData.ToFloats(T(OnnxDataType.Float, new long[] { 2, 3 }, t => t.FloatData.AddRange(new[] { 1f, 2f }))));
            Assert.Equal("tensor 't' (FLOAT, dims [2, 3]): expected 6 values in float_data (no raw_data), actual 2", e.Message);

            e = Assert.Throws<OnnxFormatException>(() => OnnxTensorData.ToInt64s(T(OnnxDataType.Int64, new long[] { 4 }, t => t.Int64Data.AddRange(new[] { 1L, 2, 3, 4, 5 }))));
            Assert.Contains("expected 4 values in int64_data (no raw_data), actual 5", e.Message);

            e = Assert.Throws<OnnxFormatException>(() => OnnxTensorData.ToInt64s(T(OnnxDataType.Int32, new long[] { 1 }, t => t.RawData = new byte[8])));
            Assert.Contains("raw_data has 8 bytes, expected 4", e.Message);
        }

        [Fact]
        public void HugeDims_WithLittleData_FailBeforeAllocating()
        {
            OnnxTensor t = T(OnnxDataType.Float, new long[] { 46340, 46340 }, x => x.RawData = new byte[16]); // 2.1 billion elements claimed
            long before = GC.GetAllocatedBytesForCurrentThread();
            Assert.Throws<OnnxFormatException>(() => OnnxTensorData.ToFloats(t));
            Assert.Throws<OnnxFormatException>(() => OnnxTensorData.ToInt64s(T(OnnxDataType.Int64, new long[] { int.MaxValue })));
            Assert.Throws<OnnxFormatException>(() => OnnxTensorData.ToFloats(T(OnnxDataType.Double, new long[] { int.MaxValue }, x => x.DoubleData.Add(1))));
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 100_000);
        }

        [Theory]
        [InlineData(OnnxDataType.String, "STRING")]
        [InlineData(OnnxDataType.Complex64, "COMPLEX64")]
        [InlineData(OnnxDataType.Undefined, "UNDEFINED")]
        [InlineData((OnnxDataType)17, "FLOAT8E4M3FN")]
        [InlineData((OnnxDataType)99, "data type 99")]
        public void UnsupportedTypes_AreNamed(OnnxDataType type, string name)
        {
            var e = Assert.Throws<OnnxFormatException>(() => OnnxTensorData.ToFloats(T(type, new long[] { 1 }, t => t.RawData = new byte[1])));
            Assert.Contains(name, e.Message);
            Assert.Contains("cannot be converted to float", e.Message);
            e = Assert.Throws<OnnxFormatException>(() => OnnxTensorData.ToInt64s(T(type, new long[] { 1 }, t => t.RawData = new byte[1])));
            Assert.Contains(name, e.Message);
            Assert.Contains("FLOAT", Assert.Throws<OnnxFormatException>(() => OnnxTensorData.ToInt64s(T(OnnxDataType.Float, new long[] { 1 }, t => t.FloatData.Add(1)))).Message);
        }

        [Fact]
        public void ExternalData_IsRejected()
        {
            var e = Assert.Throws<OnnxFormatException>(() => OnnxTensorData.ToFloats(T(OnnxDataType.Float, new long[] { 4 }, t => t.IsExternal = true)));
            Assert.Contains("external", e.Message);
        }
    }
}
