using System;
using System.Collections.Generic;
using System.Text;
using PrunedCodegen.Onnx;
using Xunit;

namespace PrunedCodegen.Tests.Onnx
{
    public class OnnxWriterRoundTripTests
    {
        [Fact]
        public void EveryField_SurvivesWriteThenRead()
        {
            OnnxModel original = SampleModels.EveryField();
            byte[] bytes = OnnxWriter.Write(original);
            OnnxModel read = OnnxReader.Read(bytes);
            Assert.Equal(OnnxDump.Model(original), OnnxDump.Model(read));
        }

        [Fact]
        public void EveryField_SpotChecks()
        {
            OnnxModel read = OnnxReader.Read(OnnxWriter.Write(SampleModels.EveryField()));
            OnnxGraph g = read.Graph!;
            Assert.Equal(-42, read.ModelVersion);
            Assert.Equal("a model with every field; non-ASCII: Grüße 模型 🙂", read.DocString);
            Assert.Equal(new[] { "x", "W", "" }, g.Nodes[0].Inputs);
            OnnxAttribute alpha = g.Nodes[0].Attributes[0];
            Assert.Equal(OnnxAttributeType.Float, alpha.Type);
            Assert.Equal(0f, alpha.F);
            Assert.Equal(long.MinValue, g.Nodes[0].Attributes[3].I);
            Assert.Equal(new[] { 1f, 2f, 3f }, OnnxTensorData.ToFloats(g.Nodes[1].Attributes[0].T!));
            Assert.Equal(new[] { -1, int.MinValue, int.MaxValue, 0 }, g.Initializers[2].Int32Data);
            Assert.Equal(new[] { ulong.MaxValue, 1UL }, g.Initializers[5].UInt64Data);
            Assert.NotNull(g.Initializers[8].RawData);
            Assert.Empty(g.Initializers[8].RawData!);
            Assert.True(g.Initializers[9].IsExternal);
            Assert.Equal(new[] { -1L, 0L, long.MaxValue }, g.Initializers[10].Dims);
            Assert.Null(g.Inputs[2].Shape);
            Assert.NotNull(g.Inputs[3].Shape);
            Assert.Empty(g.Inputs[3].Shape!);
            Assert.Equal("batch", g.Inputs[0].Shape![0].Param);
            Assert.Null(g.Inputs[0].Shape![0].Value);
            Assert.Equal(3, g.Inputs[0].Shape![1].Value);
            Assert.Null(g.Inputs[0].Shape![2].Value);
            Assert.Null(g.Inputs[0].Shape![2].Param);
            Assert.Equal("sparse_tensor", g.Inputs[4].TypeKind);
            Assert.Equal("", g.Inputs[5].TypeKind);
        }

        [Fact]
        public void Write_IsDeterministicAndIdempotent()
        {
            byte[] first = OnnxWriter.Write(SampleModels.EveryField());
            byte[] second = OnnxWriter.Write(SampleModels.EveryField());
            Assert.Equal(first, second);
            byte[] again = OnnxWriter.Write(OnnxReader.Read(first));
            Assert.Equal(first, again);
        }

        [Fact]
        public void Write_EmitsFieldsInNumberOrderWithOnnxEncodings()
        {
            var m = new OnnxModel { IrVersion = 7, ProducerName = "p" };
            m.Graph = new OnnxGraph();
            var t = new OnnxTensor { DataType = OnnxDataType.Float, Name = "w" };
            t.Dims.AddRange(new long[] { 2, -1 });
            t.FloatData.AddRange(new[] { 1f, 2f });
            m.Graph.Initializers.Add(t);
            m.OpsetImports.Add(new OnnxOpsetImport { Domain = "", Version = 13 });

            byte[] expectedTensor = new Pb()
                .Int(1, 2).Int(1, -1)                     // dims unpacked, as onnx writes them
                .Int(2, 1)
                .PackedFloats(4, new[] { 1f, 2f })        // float_data packed, as onnx writes it
                .Str(8, "w").ToArray();
            byte[] expected = new Pb()
                .Int(1, 7)
                .Str(2, "p")
                .Msg(7, gr => gr.Bytes(5, expectedTensor))
                .Msg(8, o => o.Str(1, "").Int(2, 13))     // the default domain written explicitly, as onnx does
                .ToArray();
            Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(OnnxWriter.Write(m)));
        }

        [Fact]
        public void Write_RawDataWinsOverTypedLists()
        {
            var t = new OnnxTensor { Name = "w", DataType = OnnxDataType.Float, RawData = SampleModels.FloatBytes(7f) };
            t.Dims.Add(1);
            t.FloatData.Add(1f);   // stale: a pass replaced the data by setting RawData
            t.Int32Data.Add(3);
            OnnxTensor read = OnnxReader.ReadTensor(OnnxWriter.WriteTensor(t));
            Assert.Empty(read.FloatData);
            Assert.Empty(read.Int32Data);
            Assert.Equal(new[] { 7f }, OnnxTensorData.ToFloats(read));
        }

        [Fact]
        public void Write_NegativeInt32IsTenByteVarint()
        {
            var t = new OnnxTensor { DataType = OnnxDataType.Int32 };
            t.Int32Data.Add(-1);
            byte[] bytes = OnnxWriter.WriteTensor(t);
            // data_type (10 06), int32_data packed: tag 2A, length 10, then FF x9 01.
            Assert.Equal("10062A0AFFFFFFFFFFFFFFFFFF01", Convert.ToHexString(bytes));
        }

        [Fact]
        public void Write_RefusesContentTheModelDoesNotKeep()
        {
            OnnxModel sparse = SampleModels.EveryField();
            sparse.Graph!.HasSparseInitializers = true;
            Assert.Contains("sparse initializers", Assert.Throws<NotSupportedException>(() => OnnxWriter.Write(sparse)).Message);

            OnnxModel subgraph = SampleModels.EveryField();
            subgraph.Graph!.Nodes[0].Attributes.Add(new OnnxAttribute { Name = "then_branch", Type = OnnxAttributeType.Graph });
            Assert.Contains("then_branch", Assert.Throws<NotSupportedException>(() => OnnxWriter.Write(subgraph)).Message);

            foreach (string kind in new[] { "sequence", "map", "optional", "bogus" })
            {
                OnnxModel m = SampleModels.EveryField();
                m.Graph!.Inputs.Add(new OnnxValueInfo { Name = "v", TypeKind = kind });
                Assert.Throws<NotSupportedException>(() => OnnxWriter.Write(m));
            }
        }

        [Fact]
        public void WriteTensor_RoundTripsThroughReadTensor()
        {
            OnnxTensor t = SampleModels.Tensor("t", OnnxDataType.Double, new long[] { 3 }, x => x.DoubleData.AddRange(new[] { 1.0, -0.0, double.NaN }));
            t.DocString = "doc";
            OnnxTensor read = OnnxReader.ReadTensor(OnnxWriter.WriteTensor(t));
            Assert.Equal(OnnxDump.Tensor(t), OnnxDump.Tensor(read));
        }

        [Fact]
        public void Write_LargeModelRoundTrips()
        {
            OnnxModel m = SampleModels.Large(rawFloats: 100_000, typedFloats: 10_000, nodes: 100);
            byte[] bytes = OnnxWriter.Write(m);
            OnnxModel read = OnnxReader.Read(bytes);
            Assert.Equal(OnnxDump.Model(m), OnnxDump.Model(read));
        }

        [Fact]
        public void Write_EmptyStringsAndNullGraphAreOmitted()
        {
            Assert.Empty(OnnxWriter.Write(new OnnxModel()));
            Assert.Equal("0801", Convert.ToHexString(OnnxWriter.Write(new OnnxModel { IrVersion = 1 })));
        }

        [Fact]
        public void Write_InvalidUtf16IsReplacedNotThrown()
        {
            var m = new OnnxModel { IrVersion = 8, Graph = new OnnxGraph { Name = "bad\uD800surrogate" } };
            OnnxModel read = OnnxReader.Read(OnnxWriter.Write(m));
            Assert.Equal("bad\uFFFDsurrogate", read.Graph!.Name);
        }
    }
}
