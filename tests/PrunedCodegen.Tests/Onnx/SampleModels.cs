using System;
using System.Collections.Generic;
using System.Text;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Tests.Onnx
{
    /// <summary>Hand-built models for the reader and writer tests.</summary>
    internal static class SampleModels
    {
        /// <summary>A model with every member of the data model set, including awkward values.</summary>
        public static OnnxModel EveryField()
        {
            var m = new OnnxModel
            {
                IrVersion = 9,
                ProducerName = "pcg-tests",
                ProducerVersion = "1.2.3",
                Domain = "org.example",
                ModelVersion = -42,
                DocString = "a model with every field; non-ASCII: Grüße 模型 🙂",
            };
            m.OpsetImports.Add(new OnnxOpsetImport { Domain = "", Version = 17 });
            m.OpsetImports.Add(new OnnxOpsetImport { Domain = "com.microsoft", Version = 1 });
            m.MetadataProps.Add(new KeyValuePair<string, string>("author", "tests"));
            m.MetadataProps.Add(new KeyValuePair<string, string>("empty", ""));

            var g = new OnnxGraph { Name = "main", DocString = "graph doc" };
            m.Graph = g;

            var gemm = new OnnxNode { Name = "gemm0", OpType = "Gemm", Domain = "", DocString = "node doc" };
            gemm.Inputs.AddRange(new[] { "x", "W", "" });
            gemm.Outputs.Add("h");
            gemm.Attributes.Add(new OnnxAttribute { Name = "alpha", Type = OnnxAttributeType.Float, F = 0f });
            gemm.Attributes.Add(new OnnxAttribute { Name = "beta", Type = OnnxAttributeType.Float, F = -0f });
            gemm.Attributes.Add(new OnnxAttribute { Name = "transB", Type = OnnxAttributeType.Int, I = 1 });
            gemm.Attributes.Add(new OnnxAttribute { Name = "neg", Type = OnnxAttributeType.Int, I = long.MinValue });
            gemm.Attributes.Add(new OnnxAttribute { Name = "zero_int", Type = OnnxAttributeType.Int, I = 0 });
            gemm.Attributes.Add(new OnnxAttribute { Name = "mode", Type = OnnxAttributeType.String, S = Encoding.UTF8.GetBytes("constant") });
            gemm.Attributes.Add(new OnnxAttribute { Name = "empty_s", Type = OnnxAttributeType.String, S = Array.Empty<byte>() });
            gemm.Attributes.Add(new OnnxAttribute { Name = "binary_s", Type = OnnxAttributeType.String, S = new byte[] { 0xFF, 0x00, 0xC3 } });
            var floats = new OnnxAttribute { Name = "fs", Type = OnnxAttributeType.Floats };
            floats.Floats.AddRange(new[] { 1.5f, -0f, float.NaN, float.PositiveInfinity, float.Epsilon, BitConverter.Int32BitsToSingle(0x7FC00001) });
            gemm.Attributes.Add(floats);
            var ints = new OnnxAttribute { Name = "is", Type = OnnxAttributeType.Ints };
            ints.Ints.AddRange(new[] { 0L, -1L, int.MinValue, long.MaxValue, long.MinValue, 300L });
            gemm.Attributes.Add(ints);
            var strings = new OnnxAttribute { Name = "ss", Type = OnnxAttributeType.Strings };
            strings.Strings.Add(Encoding.UTF8.GetBytes("a"));
            strings.Strings.Add(Array.Empty<byte>());
            strings.Strings.Add(new byte[] { 0x80 });
            gemm.Attributes.Add(strings);
            gemm.Attributes.Add(new OnnxAttribute { Name = "empty_ints", Type = OnnxAttributeType.Ints });
            gemm.Attributes.Add(new OnnxAttribute { Name = "ref", Type = OnnxAttributeType.Graph, RefAttrName = "body" });
            gemm.Attributes.Add(new OnnxAttribute { Name = "custom_type", Type = (OnnxAttributeType)99, I = 5 });
            g.Nodes.Add(gemm);

            var constant = new OnnxNode { OpType = "Constant" };
            constant.Outputs.Add("c");
            var value = new OnnxTensor { Name = "", DataType = OnnxDataType.Float, RawData = FloatBytes(1f, 2f, 3f) };
            value.Dims.Add(3);
            constant.Attributes.Add(new OnnxAttribute { Name = "value", Type = OnnxAttributeType.Tensor, T = value });
            g.Nodes.Add(constant);

            var custom = new OnnxNode { Name = "custom", OpType = "MyOp", Domain = "com.example" };
            custom.Inputs.Add("h");
            custom.Inputs.Add("c");
            custom.Outputs.Add("y");
            custom.Outputs.Add("");
            g.Nodes.Add(custom);

            g.Initializers.Add(Tensor("W", OnnxDataType.Float, new long[] { 2, 3 }, t => t.RawData = FloatBytes(1, -2, 3.25f, float.NaN, -0f, 6)));
            g.Initializers.Add(Tensor("float_data", OnnxDataType.Float, new long[] { 2 }, t => t.FloatData.AddRange(new[] { 0.5f, -1e-40f })));
            g.Initializers.Add(Tensor("int32_data", OnnxDataType.Int32, new long[] { 4 }, t => t.Int32Data.AddRange(new[] { -1, int.MinValue, int.MaxValue, 0 })));
            g.Initializers.Add(Tensor("int64_data", OnnxDataType.Int64, new long[] { 3 }, t => t.Int64Data.AddRange(new[] { long.MinValue, -7L, long.MaxValue })));
            g.Initializers.Add(Tensor("double_data", OnnxDataType.Double, new long[] { 2 }, t => t.DoubleData.AddRange(new[] { Math.PI, double.NegativeInfinity })));
            g.Initializers.Add(Tensor("uint64_data", OnnxDataType.UInt64, new long[] { 2 }, t => t.UInt64Data.AddRange(new[] { ulong.MaxValue, 1UL })));
            g.Initializers.Add(Tensor("string_data", OnnxDataType.String, new long[] { 2 }, t =>
            {
                t.StringData.Add(Encoding.UTF8.GetBytes("héllo"));
                t.StringData.Add(Array.Empty<byte>());
            }));
            g.Initializers.Add(Tensor("scalar", OnnxDataType.Int64, Array.Empty<long>(), t => t.RawData = BitConverter.GetBytes(5L)));
            g.Initializers.Add(Tensor("empty_raw", OnnxDataType.Float, new long[] { 0, 4 }, t => t.RawData = Array.Empty<byte>()));
            g.Initializers.Add(Tensor("external", OnnxDataType.Float, new long[] { 1024 }, t =>
            {
                t.IsExternal = true;
                t.DocString = "weights live elsewhere";
            }));
            g.Initializers.Add(Tensor("odd_dims", (OnnxDataType)23, new long[] { -1, 0, long.MaxValue }, t => { }));

            g.Inputs.Add(ValueInfo("x", "tensor", OnnxDataType.Float, Dims(D(null, "batch"), D(3, null), D(null, null)), "input doc"));
            g.Inputs.Add(ValueInfo("W", "tensor", OnnxDataType.Float, Dims(D(2, null), D(3, null)), ""));
            g.Inputs.Add(ValueInfo("unranked", "tensor", OnnxDataType.Int64, null, ""));
            g.Inputs.Add(ValueInfo("scalar_in", "tensor", OnnxDataType.Double, Dims(), ""));
            g.Inputs.Add(ValueInfo("sparse", "sparse_tensor", OnnxDataType.Float, Dims(D(10, null), D(0, null), D(-1, null)), ""));
            g.Inputs.Add(ValueInfo("untyped", "", OnnxDataType.Undefined, null, ""));
            g.Outputs.Add(ValueInfo("y", "tensor", OnnxDataType.Float, Dims(D(null, "batch"), D(null, "")), "output doc"));
            g.ValueInfos.Add(ValueInfo("h", "tensor", OnnxDataType.Float16, Dims(D(null, "batch"), D(2, null)), ""));
            return m;
        }

        public static byte[] FloatBytes(params float[] values)
        {
            var bytes = new byte[values.Length * 4];
            for (int i = 0; i < values.Length; i++)
                BitConverter.TryWriteBytes(bytes.AsSpan(4 * i), values[i]);
            return bytes;
        }

        public static OnnxTensor Tensor(string name, OnnxDataType type, long[] dims, Action<OnnxTensor> fill)
        {
            var t = new OnnxTensor { Name = name, DataType = type };
            t.Dims.AddRange(dims);
            fill(t);
            return t;
        }

        public static OnnxValueInfo ValueInfo(string name, string kind, OnnxDataType type, List<OnnxDim>? shape, string doc) =>
            new OnnxValueInfo { Name = name, TypeKind = kind, ElementType = type, Shape = shape, DocString = doc };

        public static List<OnnxDim> Dims(params OnnxDim[] dims) => new List<OnnxDim>(dims);

        public static OnnxDim D(long? value, string? param) => new OnnxDim { Value = value, Param = param };

        /// <summary>A model whose byte form is a few MB: one raw_data and one float_data initializer and many nodes.</summary>
        public static OnnxModel Large(int rawFloats, int typedFloats, int nodes)
        {
            var m = new OnnxModel { IrVersion = 8, ProducerName = "pcg-tests" };
            m.OpsetImports.Add(new OnnxOpsetImport { Domain = "", Version = 17 });
            var g = new OnnxGraph { Name = "large" };
            m.Graph = g;
            var rng = new Random(7);
            var raw = new float[rawFloats];
            for (int i = 0; i < raw.Length; i++)
                raw[i] = (float)rng.NextDouble() - 0.5f;
            g.Initializers.Add(Tensor("W_raw", OnnxDataType.Float, new long[] { rawFloats }, t => t.RawData = FloatBytes(raw)));
            g.Initializers.Add(Tensor("W_typed", OnnxDataType.Float, new long[] { typedFloats }, t =>
            {
                for (int i = 0; i < typedFloats; i++)
                    t.FloatData.Add(i * 0.25f);
            }));
            for (int i = 0; i < nodes; i++)
            {
                var n = new OnnxNode { Name = "n" + i, OpType = "Relu" };
                n.Inputs.Add(i == 0 ? "x" : "t" + (i - 1));
                n.Outputs.Add("t" + i);
                n.Attributes.Add(new OnnxAttribute { Name = "axis", Type = OnnxAttributeType.Int, I = i });
                g.Nodes.Add(n);
            }
            g.Inputs.Add(ValueInfo("x", "tensor", OnnxDataType.Float, Dims(D(null, "N"), D(rawFloats, null)), ""));
            g.Outputs.Add(ValueInfo("t" + (nodes - 1), "tensor", OnnxDataType.Float, Dims(D(null, "N"), D(rawFloats, null)), ""));
            return m;
        }
    }
}
