using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace PrunedCodegen.Evaluation
{
    /// <summary>
    /// Reads NumPy .npy files (format versions 1-3, C order, little-endian or single-byte numeric types) as floats:
    /// samples are the first axis, the other axes are flattened.
    /// </summary>
    public static class NpyReader
    {
        private static readonly byte[] Magic = { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };

        public static Dataset LoadFeatures(string path)
        {
            var (values, shape) = Read(path);
            if (shape.Length == 0) throw new DataFormatException($"{path}: a scalar array holds no samples");
            int rows = (int)shape[0];
            int width = rows == 0 ? 0 : values.Length / rows;
            return new Dataset(values, rows, width, null);
        }

        public static int[] LoadLabels(string path)
        {
            var (values, shape) = Read(path);
            if (shape.Length != 1 && !(shape.Length == 2 && shape[1] == 1))
                throw new DataFormatException($"{path}: labels must be a 1-D array, got shape ({string.Join(", ", shape)})");
            return values.Select((v, i) => CsvDataset.ToLabel(v, $"{path}: element {i}")).ToArray();
        }

        public static (float[] Values, long[] Shape) Read(string path)
        {
            byte[] bytes = File.ReadAllBytes(path);
            if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
                throw new DataFormatException($"{path}: not a .npy file (no \\x93NUMPY magic)");
            int major = bytes[6];
            int headerLength, offset;
            if (major == 1) { headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)); offset = 10; }
            else if (major is 2 or 3 && bytes.Length >= 12) { headerLength = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8))); offset = 12; }
            else throw new DataFormatException($"{path}: unsupported .npy format version {major}");
            if (headerLength > bytes.Length - offset) throw new DataFormatException($"{path}: truncated header");
            string header = Encoding.UTF8.GetString(bytes, offset, headerLength);
            int dataStart = offset + headerLength;

            string descr = Field(header, "descr", path);
            if (Regex.IsMatch(header, @"'fortran_order'\s*:\s*True"))
                throw new DataFormatException($"{path}: Fortran-order arrays are not supported; save with numpy.ascontiguousarray");
            var shapeMatch = Regex.Match(header, @"'shape'\s*:\s*\(([^)]*)\)");
            if (!shapeMatch.Success) throw new DataFormatException($"{path}: the header has no shape");
            long[] shape = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long d) ? d : throw new DataFormatException($"{path}: bad shape '{shapeMatch.Groups[1].Value}'")).ToArray();
            long count = shape.Aggregate(1L, (a, d) => a * d);

            (int size, Func<ReadOnlySpan<byte>, float> read) = descr switch
            {
                "<f4" => (4, s => BinaryPrimitives.ReadSingleLittleEndian(s)),
                "<f8" => (8, s => (float)BinaryPrimitives.ReadDoubleLittleEndian(s)),
                "<f2" => (2, s => (float)BinaryPrimitives.ReadHalfLittleEndian(s)),
                "<i8" => (8, s => BinaryPrimitives.ReadInt64LittleEndian(s)),
                "<i4" => (4, s => BinaryPrimitives.ReadInt32LittleEndian(s)),
                "<i2" => (2, s => BinaryPrimitives.ReadInt16LittleEndian(s)),
                "|i1" => (1, s => (sbyte)s[0]),
                "|u1" => (1, s => s[0]),
                "|b1" => (1, s => s[0] != 0 ? 1f : 0f),
                _ => ((int, Func<ReadOnlySpan<byte>, float>))(0, null!),
            };
            if (size == 0) throw new DataFormatException($"{path}: unsupported dtype '{descr}' (use float32, float64, float16, or little-endian integers)");
            if (count * size != bytes.Length - dataStart)
                throw new DataFormatException($"{path}: shape ({string.Join(", ", shape)}) needs {count * size} bytes of data, the file has {bytes.Length - dataStart}");
            var values = new float[count];
            for (long i = 0; i < count; i++) values[i] = read(bytes.AsSpan(dataStart + (int)(i * size), size));
            return (values, shape);
        }

        private static string Field(string header, string name, string path)
        {
            var m = Regex.Match(header, "'" + name + @"'\s*:\s*'([^']*)'");
            if (!m.Success) throw new DataFormatException($"{path}: the header has no {name}");
            return m.Groups[1].Value;
        }
    }
}
