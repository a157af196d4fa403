using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace PrunedCodegen.Onnx
{
    /// <summary>
    /// Decodes the values of an <see cref="OnnxTensor"/>, from raw_data (little-endian, whatever the host's byte
    /// order) or from the typed repeated field that ONNX uses for its element type.
    /// </summary>
    /// <remarks>
    /// The number of values present is always checked against the dims before anything is allocated, so a
    /// tensor whose dims claim billions of elements costs nothing unless the file really holds them. Every
    /// failure is an <see cref="OnnxFormatException"/> naming the tensor, its type and its dims.
    /// </remarks>
    public static class OnnxTensorData
    {
        /// <summary>
        /// The number of elements the dims describe (1 for a scalar, whose dims are empty).
        /// </summary>
        /// <exception cref="OnnxFormatException">A dim is negative, or the product exceeds <see cref="int.MaxValue"/>.</exception>
        public static long ElementCount(OnnxTensor t)
        {
            if (t == null)
                throw new ArgumentNullException(nameof(t));
            bool anyZero = false;
            for (int i = 0; i < t.Dims.Count; i++)
            {
                if (t.Dims[i] < 0)
                    throw new OnnxFormatException($"{Describe(t)}: dimension {i} is negative ({t.Dims[i].ToString(CultureInfo.InvariantCulture)})");
                anyZero |= t.Dims[i] == 0;
            }
            if (anyZero)
                return 0;
            long count = 1;
            foreach (long d in t.Dims)
            {
                if (count > int.MaxValue / d)
                    throw new OnnxFormatException($"{Describe(t)}: the dims describe more than {int.MaxValue.ToString(CultureInfo.InvariantCulture)} elements, the most supported");
                count *= d;
            }
            return count;
        }

        /// <summary>
        /// The values as floats. Supported element types: FLOAT, DOUBLE, FLOAT16, BFLOAT16 and the integer types
        /// (INT8-INT64, UINT8-UINT64), converted with C#'s numeric conversions.
        /// </summary>
        /// <exception cref="OnnxFormatException">The data does not match the dims, the data is external, or the type is unsupported.</exception>
        public static float[] ToFloats(OnnxTensor t)
        {
            int n = CheckedCount(t);
            switch (t.DataType)
            {
                case OnnxDataType.Float:
                    if (t.RawData != null)
                    {
                        byte[] raw = CheckRaw(t, n, 4);
                        var result = new float[n];
                        if (BitConverter.IsLittleEndian)
                        {
                            Buffer.BlockCopy(raw, 0, result, 0, raw.Length);
                        }
                        else
                        {
                            for (int i = 0; i < n; i++)
                                result[i] = Bits.Int32ToSingle(unchecked((int)Bits.ReadUInt32LittleEndian(raw, 4 * i)));
                        }
                        return result;
                    }
                    CheckTyped(t, n, t.FloatData.Count, "float_data");
                    return t.FloatData.ToArray();
                case OnnxDataType.Double:
                    if (t.RawData != null)
                    {
                        byte[] raw = CheckRaw(t, n, 8);
                        var result = new float[n];
                        for (int i = 0; i < n; i++)
                            result[i] = (float)BitConverter.Int64BitsToDouble(unchecked((long)Bits.ReadUInt64LittleEndian(raw, 8 * i)));
                        return result;
                    }
                    CheckTyped(t, n, t.DoubleData.Count, "double_data");
                    return Convert(t.DoubleData, v => (float)v);
                case OnnxDataType.Float16:
                    if (t.RawData != null)
                    {
                        byte[] raw = CheckRaw(t, n, 2);
                        var result = new float[n];
                        for (int i = 0; i < n; i++)
                            result[i] = HalfToSingle(Bits.ReadUInt16LittleEndian(raw, 2 * i));
                        return result;
                    }
                    CheckTyped(t, n, t.Int32Data.Count, "int32_data");
                    return Convert(t.Int32Data, v => HalfToSingle(unchecked((ushort)v)));
                case OnnxDataType.BFloat16:
                    if (t.RawData != null)
                    {
                        byte[] raw = CheckRaw(t, n, 2);
                        var result = new float[n];
                        for (int i = 0; i < n; i++)
                            result[i] = Bits.Int32ToSingle(Bits.ReadUInt16LittleEndian(raw, 2 * i) << 16);
                        return result;
                    }
                    CheckTyped(t, n, t.Int32Data.Count, "int32_data");
                    return Convert(t.Int32Data, v => Bits.Int32ToSingle(unchecked((ushort)v) << 16));
                case OnnxDataType.Int8:
                case OnnxDataType.UInt8:
                case OnnxDataType.Int16:
                case OnnxDataType.UInt16:
                case OnnxDataType.Int32:
                case OnnxDataType.Int64:
                case OnnxDataType.UInt32:
                    return Convert(DecodeIntegers(t, n), v => (float)v);
                case OnnxDataType.UInt64:
                    if (t.RawData != null)
                    {
                        byte[] raw = CheckRaw(t, n, 8);
                        var result = new float[n];
                        for (int i = 0; i < n; i++)
                            result[i] = Bits.ReadUInt64LittleEndian(raw, 8 * i);
                        return result;
                    }
                    CheckTyped(t, n, t.UInt64Data.Count, "uint64_data");
                    return Convert(t.UInt64Data, v => (float)v);
                default:
                    throw Unsupported(t, "float");
            }
        }

        /// <summary>
        /// The values as 64-bit integers. Supported element types: INT8, INT16, INT32, INT64, UINT8, UINT16,
        /// UINT32, UINT64 (values above <see cref="long.MaxValue"/> are an error) and BOOL (0 or 1).
        /// </summary>
        /// <exception cref="OnnxFormatException">The data does not match the dims, the data is external, or the type is unsupported.</exception>
        public static long[] ToInt64s(OnnxTensor t)
        {
            int n = CheckedCount(t);
            return DecodeIntegers(t, n);
        }

        /// <summary>The ONNX name of a data type, e.g. "FLOAT" or "FLOAT8E4M3FN".</summary>
        public static string TypeName(OnnxDataType type)
        {
            switch ((int)type)
            {
                case 0: return "UNDEFINED";
                case 1: return "FLOAT";
                case 2: return "UINT8";
                case 3: return "INT8";
                case 4: return "UINT16";
                case 5: return "INT16";
                case 6: return "INT32";
                case 7: return "INT64";
                case 8: return "STRING";
                case 9: return "BOOL";
                case 10: return "FLOAT16";
                case 11: return "DOUBLE";
                case 12: return "UINT32";
                case 13: return "UINT64";
                case 14: return "COMPLEX64";
                case 15: return "COMPLEX128";
                case 16: return "BFLOAT16";
                case 17: return "FLOAT8E4M3FN";
                case 18: return "FLOAT8E4M3FNUZ";
                case 19: return "FLOAT8E5M2";
                case 20: return "FLOAT8E5M2FNUZ";
                case 21: return "UINT4";
                case 22: return "INT4";
                case 23: return "FLOAT4E2M1";
                case 24: return "FLOAT8E8M0";
                case 25: return "UINT2";
                case 26: return "INT2";
                default: return "data type " + ((int)type).ToString(CultureInfo.InvariantCulture);
            }
        }

        private static long[] DecodeIntegers(OnnxTensor t, int n)
        {
            byte[]? raw = t.RawData;
            long[] result;
            switch (t.DataType)
            {
                case OnnxDataType.Int8:
                    if (raw != null) { raw = CheckRaw(t, n, 1); result = new long[n]; for (int i = 0; i < n; i++) result[i] = unchecked((sbyte)raw[i]); return result; }
                    CheckTyped(t, n, t.Int32Data.Count, "int32_data");
                    return ConvertToInt64(t.Int32Data, v => unchecked((sbyte)v));
                case OnnxDataType.UInt8:
                    if (raw != null) { raw = CheckRaw(t, n, 1); result = new long[n]; for (int i = 0; i < n; i++) result[i] = raw[i]; return result; }
                    CheckTyped(t, n, t.Int32Data.Count, "int32_data");
                    return ConvertToInt64(t.Int32Data, v => unchecked((byte)v));
                case OnnxDataType.Bool:
                    if (raw != null) { raw = CheckRaw(t, n, 1); result = new long[n]; for (int i = 0; i < n; i++) result[i] = raw[i] != 0 ? 1 : 0; return result; }
                    CheckTyped(t, n, t.Int32Data.Count, "int32_data");
                    return ConvertToInt64(t.Int32Data, v => v != 0 ? 1 : 0);
                case OnnxDataType.Int16:
                    if (raw != null) { raw = CheckRaw(t, n, 2); result = new long[n]; for (int i = 0; i < n; i++) result[i] = unchecked((short)Bits.ReadUInt16LittleEndian(raw, 2 * i)); return result; }
                    CheckTyped(t, n, t.Int32Data.Count, "int32_data");
                    return ConvertToInt64(t.Int32Data, v => unchecked((short)v));
                case OnnxDataType.UInt16:
                    if (raw != null) { raw = CheckRaw(t, n, 2); result = new long[n]; for (int i = 0; i < n; i++) result[i] = Bits.ReadUInt16LittleEndian(raw, 2 * i); return result; }
                    CheckTyped(t, n, t.Int32Data.Count, "int32_data");
                    return ConvertToInt64(t.Int32Data, v => unchecked((ushort)v));
                case OnnxDataType.Int32:
                    if (raw != null) { raw = CheckRaw(t, n, 4); result = new long[n]; for (int i = 0; i < n; i++) result[i] = unchecked((int)Bits.ReadUInt32LittleEndian(raw, 4 * i)); return result; }
                    CheckTyped(t, n, t.Int32Data.Count, "int32_data");
                    return ConvertToInt64(t.Int32Data, v => v);
                case OnnxDataType.UInt32:
                    if (raw != null) { raw = CheckRaw(t, n, 4); result = new long[n]; for (int i = 0; i < n; i++) result[i] = Bits.ReadUInt32LittleEndian(raw, 4 * i); return result; }
                    CheckTyped(t, n, t.UInt64Data.Count, "uint64_data");
                    result = new long[n];
                    for (int i = 0; i < n; i++) result[i] = unchecked((uint)t.UInt64Data[i]);
                    return result;
                case OnnxDataType.Int64:
                    if (raw != null) { raw = CheckRaw(t, n, 8); result = new long[n]; for (int i = 0; i < n; i++) result[i] = unchecked((long)Bits.ReadUInt64LittleEndian(raw, 8 * i)); return result; }
                    CheckTyped(t, n, t.Int64Data.Count, "int64_data");
                    return t.Int64Data.ToArray();
                case OnnxDataType.UInt64:
                {
                    if (raw != null) raw = CheckRaw(t, n, 8);
                    else CheckTyped(t, n, t.UInt64Data.Count, "uint64_data");
                    result = new long[n];
                    for (int i = 0; i < n; i++)
                    {
                        ulong v = raw != null ? Bits.ReadUInt64LittleEndian(raw, 8 * i) : t.UInt64Data[i];
                        if (v > long.MaxValue)
                            throw new OnnxFormatException($"{Describe(t)}: element {i.ToString(CultureInfo.InvariantCulture)} ({v.ToString(CultureInfo.InvariantCulture)}) does not fit in an int64");
                        result[i] = (long)v;
                    }
                    return result;
                }
                default:
                    throw Unsupported(t, "int64");
            }
        }

        private static int CheckedCount(OnnxTensor t)
        {
            if (t == null)
                throw new ArgumentNullException(nameof(t));
            int n = (int)ElementCount(t);
            if (t.IsExternal)
                throw new OnnxFormatException($"{Describe(t)}: the data is stored in an external file, which is not supported");
            return n;
        }

        private static byte[] CheckRaw(OnnxTensor t, int count, int elementSize)
        {
            byte[] raw = t.RawData!;
            long expected = (long)count * elementSize;
            if (raw.Length != expected)
            {
                throw new OnnxFormatException(
                    $"{Describe(t)}: raw_data has {raw.Length.ToString(CultureInfo.InvariantCulture)} bytes, expected {expected.ToString(CultureInfo.InvariantCulture)} ({count.ToString(CultureInfo.InvariantCulture)} elements of {elementSize.ToString(CultureInfo.InvariantCulture)} bytes)");
            }
            return raw;
        }

        private static void CheckTyped(OnnxTensor t, int count, int actual, string field)
        {
            if (actual != count)
            {
                throw new OnnxFormatException(
                    $"{Describe(t)}: expected {count.ToString(CultureInfo.InvariantCulture)} values in {field} (no raw_data), actual {actual.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        private static OnnxFormatException Unsupported(OnnxTensor t, string target) =>
            new OnnxFormatException($"{Describe(t)}: element type {TypeName(t.DataType)} cannot be converted to {target}");

        private static float[] Convert<T>(List<T> values, Func<T, float> convert)
        {
            var result = new float[values.Count];
            for (int i = 0; i < result.Length; i++)
                result[i] = convert(values[i]);
            return result;
        }

        private static float[] Convert(long[] values, Func<long, float> convert)
        {
            var result = new float[values.Length];
            for (int i = 0; i < result.Length; i++)
                result[i] = convert(values[i]);
            return result;
        }

        private static long[] ConvertToInt64(List<int> values, Func<int, long> convert)
        {
            var result = new long[values.Count];
            for (int i = 0; i < result.Length; i++)
                result[i] = convert(values[i]);
            return result;
        }

        /// <summary>IEEE 754 binary16 to binary32 (exact: every half value is a float).</summary>
        internal static float HalfToSingle(ushort h)
        {
            int sign = (h >> 15) & 1;
            int exponent = (h >> 10) & 0x1F;
            int mantissa = h & 0x3FF;
            if (exponent == 0)
            {
                // Zero or subnormal: mantissa * 2^-24, exact in float.
                float magnitude = mantissa * (1f / 16777216f);
                return sign != 0 ? -magnitude : magnitude;
            }
            int bits = exponent == 0x1F
                ? (sign << 31) | (0xFF << 23) | (mantissa << 13)                 // infinity or NaN
                : (sign << 31) | ((exponent - 15 + 127) << 23) | (mantissa << 13);
            return Bits.Int32ToSingle(bits);
        }

        private static string Describe(OnnxTensor t)
        {
            var sb = new StringBuilder();
            sb.Append("tensor '").Append(t.Name).Append("' (").Append(TypeName(t.DataType)).Append(", dims [");
            for (int i = 0; i < t.Dims.Count; i++)
            {
                if (i > 0) sb.Append(", ");
                if (i == 16 && t.Dims.Count > 17)
                {
                    sb.Append("... ").Append((t.Dims.Count - 16).ToString(CultureInfo.InvariantCulture)).Append(" more");
                    break;
                }
                sb.Append(t.Dims[i].ToString(CultureInfo.InvariantCulture));
            }
            return sb.Append("])").ToString();
        }
    }
}
