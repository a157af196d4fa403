using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using Xunit;

namespace PrunedCodegen.Tests.Onnx
{
    /// <summary>Hand-encoded bytes: the wire-format cases a protobuf parser must get right.</summary>
    public class OnnxReaderEncodingTests
    {
        private static OnnxModel ModelWithInitializer(Pb tensor) =>
            OnnxReader.Read(new Pb().Int(1, 8).Msg(7, g => g.Msg(5, tensor)).ToArray());

        private static OnnxTensor TensorFrom(Pb tensor) => ModelWithInitializer(tensor).Graph!.Initializers.Single();

        private static OnnxAttribute AttributeFrom(Pb attribute) =>
            OnnxReader.Read(new Pb().Int(1, 8).Msg(7, g => g.Msg(1, n => n.Str(4, "Op").Msg(5, attribute))).ToArray())
                .Graph!.Nodes.Single().Attributes.Single();

        [Fact]
        public void A_tensor_with_both_raw_data_and_float_data_is_refused()
        {
            // Was: used silently (raw_data won), where onnx.checker refuses the tensor.
            var tensor = new Pb().Int(1, 2).Int(2, 1).Float(4, 1f).Float(4, 2f).Str(8, "W").Bytes(9, new byte[8]);
            var e = Assert.Throws<OnnxFormatException>(() => ModelWithInitializer(tensor));
            Assert.Equal("tensor 'W' stores values in both raw_data and float_data; a tensor must hold its data in exactly one field (onnx.checker refuses it too)", e.Message);

            var ints = new Pb().Int(1, 2).Int(2, 7).Int(7, 1).Str(8, "shape").Bytes(9, new byte[16]);
            Assert.Contains("both raw_data and int64_data", Assert.Throws<OnnxFormatException>(() => ModelWithInitializer(ints)).Message);
        }

        [Theory]
        [InlineData(6, 5, "int32_data")]    // INT32, int32_data
        [InlineData(11, 10, "double_data")] // DOUBLE, double_data
        [InlineData(13, 11, "uint64_data")] // UINT64, uint64_data
        [InlineData(10, 5, "int32_data")]   // FLOAT16: its bits live in int32_data
        public void A_tensor_with_raw_data_and_another_typed_field_is_refused(int dataType, int field, string fieldName)
        {
            var tensor = new Pb().Int(1, 1).Int(2, dataType);
            tensor = field == 10 ? tensor.Double(field, 1.0) : tensor.Int(field, 1);
            tensor = tensor.Str(8, "T").Bytes(9, new byte[8]);
            var e = Assert.Throws<OnnxFormatException>(() => ModelWithInitializer(tensor));
            Assert.Equal($"tensor 'T' stores values in both raw_data and {fieldName}; a tensor must hold its data in exactly one field (onnx.checker refuses it too)", e.Message);
        }

        [Fact]
        public void A_tensor_with_raw_data_and_string_data_is_refused()
        {
            var tensor = new Pb().Int(1, 1).Int(2, 8).Str(6, "s").Str(8, "S").Bytes(9, new byte[1]);
            Assert.Contains("both raw_data and string_data", Assert.Throws<OnnxFormatException>(() => ModelWithInitializer(tensor)).Message);
        }

        [Fact]
        public void A_raw_data_tensor_refused_by_the_reader_is_PCG0003_naming_the_file_and_tensor()
        {
            // The writer keeps raw_data only, so the bad initializer is appended as a second graph chunk (protobuf merges them).
            byte[] valid = new ModelBuilder().Input("x", null, 2).Output("y", null, 2)
                .Initializer("W", new long[] { 2 }, new[] { 1f, 2f })
                .Node("Add", new[] { "x", "W" }, new[] { "y" }).Build();
            var bad = new Pb().Int(1, 2).Int(2, 1).Float(4, 1f).Float(4, 2f).Str(8, "B").Bytes(9, new byte[8]);
            byte[] onnx = valid.Concat(new Pb().Msg(7, g => g.Msg(5, bad)).ToArray()).ToArray();
            var result = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx"));
            var error = Assert.Single(result.Diagnostics);
            Assert.Equal(DiagnosticIds.MalformedModel, error.Id);
            Assert.Contains("model.onnx", error.Message);
            Assert.Contains("tensor 'B' stores values in both raw_data and float_data", error.Message);
        }

        [Fact]
        public void A_tensor_with_raw_data_and_empty_typed_fields_reads()
        {
            var tensor = new Pb().Int(1, 2).Int(2, 1).Str(8, "W").Bytes(9, new byte[8]);
            Assert.Equal(8, TensorFrom(tensor).RawData!.Length);
        }

        [Fact]
        public void MinimalModel_Reads()
        {
            OnnxModel m = OnnxReader.Read(Pb.MinimalModel().ToArray());
            Assert.Equal(8, m.IrVersion);
            Assert.Equal("Relu", m.Graph!.Nodes.Single().OpType);
            Assert.Equal(17, m.OpsetImports.Single().Version);
        }

        [Fact]
        public void PackedAndUnpacked_RepeatedFields_DecodeTheSame()
        {
            long[] dims = { 3, 0, 300, long.MaxValue, -5 };
            float[] floats = { 1f, -2.5f, float.NaN, 0f };
            int[] int32s = { 0, -1, 127, 128, int.MinValue, int.MaxValue };
            long[] int64s = { long.MinValue, -1, 0, 1L << 40 };
            double[] doubles = { Math.E, -0.0, double.MaxValue };
            ulong[] uint64s = { ulong.MaxValue, 0, 1UL << 63 };

            var unpacked = new Pb().Int(2, 1);
            foreach (long d in dims) unpacked.Int(1, d);
            foreach (float f in floats) unpacked.Float(4, f);
            foreach (int i in int32s) unpacked.Int(5, i);
            foreach (long l in int64s) unpacked.Int(7, l);
            foreach (double d in doubles) unpacked.Double(10, d);
            foreach (ulong u in uint64s) unpacked.Tag(11, 0).Varint(u);

            var packed = new Pb().Int(2, 1)
                .PackedVarints(1, dims)
                .PackedFloats(4, floats)
                .PackedVarints(5, int32s.Select(i => (long)i))
                .PackedVarints(7, int64s)
                .PackedDoubles(10, doubles)
                .PackedVarints(11, uint64s.Select(u => unchecked((long)u)));

            // Mixed: a packed run followed by unpacked elements of the same field (parsers must concatenate).
            var mixed = new Pb().Int(2, 1)
                .PackedVarints(1, dims.Take(2)).Int(1, dims[2]).PackedVarints(1, dims.Skip(3))
                .Float(4, floats[0]).PackedFloats(4, floats.Skip(1))
                .PackedVarints(5, int32s.Take(3).Select(i => (long)i)).Int(5, int32s[3]).PackedVarints(5, int32s.Skip(4).Select(i => (long)i))
                .Int(7, int64s[0]).PackedVarints(7, int64s.Skip(1))
                .PackedDoubles(10, doubles.Take(1)).Double(10, doubles[1]).Double(10, doubles[2])
                .PackedVarints(11, new[] { unchecked((long)uint64s[0]) }).Tag(11, 0).Varint(uint64s[1]).Tag(11, 0).Varint(uint64s[2]);

            string a = OnnxDump.Tensor(TensorFrom(unpacked));
            Assert.Equal(a, OnnxDump.Tensor(TensorFrom(packed)));
            Assert.Equal(a, OnnxDump.Tensor(TensorFrom(mixed)));

            OnnxTensor t = TensorFrom(packed);
            Assert.Equal(dims, t.Dims);
            Assert.Equal(int32s, t.Int32Data);
            Assert.Equal(int64s, t.Int64Data);
            Assert.Equal(uint64s, t.UInt64Data);
            Assert.Equal(doubles, t.DoubleData);
            Assert.Equal(floats.Select(BitConverter.SingleToInt32Bits), t.FloatData.Select(BitConverter.SingleToInt32Bits));
        }

        [Fact]
        public void PackedAndUnpacked_AttributeLists_DecodeTheSame()
        {
            OnnxAttribute unpacked = AttributeFrom(new Pb().Str(1, "a").Int(8, -3).Int(8, 4).Float(7, 0.5f).Float(7, -1f));
            OnnxAttribute packed = AttributeFrom(new Pb().Str(1, "a").PackedVarints(8, new long[] { -3, 4 }).PackedFloats(7, new[] { 0.5f, -1f }));
            Assert.Equal(new long[] { -3, 4 }, unpacked.Ints);
            Assert.Equal(new[] { 0.5f, -1f }, unpacked.Floats);
            Assert.Equal(unpacked.Ints, packed.Ints);
            Assert.Equal(unpacked.Floats, packed.Floats);
        }

        [Fact]
        public void NegativeInt32_SignExtendedTenByteVarint()
        {
            // -2 as protobuf writes an int32: FE FF FF FF FF FF FF FF FF 01 (10 bytes).
            var tensor = new Pb().Int(2, 6).Tag(5, 0).Raw(0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01);
            Assert.Equal(new[] { -2 }, TensorFrom(tensor).Int32Data);

            // Some writers truncate to 5 bytes (the 32-bit two's complement): still -2 after taking the low 32 bits.
            var fiveBytes = new Pb().Int(2, 6).Tag(5, 0).Raw(0xFE, 0xFF, 0xFF, 0xFF, 0x0F);
            Assert.Equal(new[] { -2 }, TensorFrom(fiveBytes).Int32Data);

            // Packed negative int32s, and the data_type enum written as a negative int32.
            var packed = new Pb().Int(2, -7).PackedVarints(5, new long[] { -1, int.MinValue, 5 });
            OnnxTensor t = TensorFrom(packed);
            Assert.Equal(new[] { -1, int.MinValue, 5 }, t.Int32Data);
            Assert.Equal((OnnxDataType)(-7), t.DataType);
        }

        [Fact]
        public void UnknownFields_OfEveryWireType_AreSkipped_AtEveryLevel()
        {
            Pb Unknowns(Pb p) => p
                .Int(900, -1)                                   // varint (10 bytes)
                .Fixed64(901, 0x0123456789ABCDEF)               // fixed64
                .Bytes(902, new byte[] { 1, 2, 3, 0xFF })       // length-delimited
                .Fixed32(903, 0xDEADBEEF)                       // fixed32
                .Bytes(536870911, Array.Empty<byte>());          // largest field number

            byte[] bytes = Unknowns(new Pb())
                .Int(1, 8)
                .Msg(7, g => Unknowns(g)
                    .Msg(1, n => Unknowns(n).Str(4, "Relu").Str(1, "x")
                        .Msg(5, a => Unknowns(a).Str(1, "alpha").Float(2, 0.5f)))
                    .Msg(5, t => Unknowns(t).Int(1, 2).Int(2, 1).Msg(3, s => s.Int(1, 0).Int(2, 2)).Raw().PackedFloats(4, new[] { 1f, 2f }))
                    .Msg(11, v => Unknowns(v).Str(1, "x")
                        .Msg(2, tp => Unknowns(tp).Str(6, "denotation")
                            .Msg(1, tt => Unknowns(tt).Int(1, 1)
                                .Msg(2, s => Unknowns(s).Msg(1, d => Unknowns(d).Int(1, 4).Str(3, "DATA_BATCH")))))))
                .Msg(8, o => Unknowns(o).Int(2, 13))
                .Msg(14, e => Unknowns(e).Str(1, "k").Str(2, "v"))
                .Msg(20, _ => { })                               // training_info
                .Msg(25, f => f.Str(1, "local_function"))        // functions
                .ToArray();

            OnnxModel m = OnnxReader.Read(bytes);
            OnnxGraph g2 = m.Graph!;
            Assert.Equal("Relu", g2.Nodes.Single().OpType);
            Assert.Equal(0.5f, g2.Nodes.Single().Attributes.Single().F);
            Assert.Equal(OnnxAttributeType.Float, g2.Nodes.Single().Attributes.Single().Type);
            Assert.Equal(new[] { 1f, 2f }, g2.Initializers.Single().FloatData);
            Assert.Equal(4, g2.Inputs.Single().Shape!.Single().Value);
            Assert.Equal(13, m.OpsetImports.Single().Version);
            Assert.Equal(new KeyValuePair<string, string>("k", "v"), m.MetadataProps.Single());
        }

        [Theory]
        [InlineData(3, "group")]
        [InlineData(4, "group")]
        [InlineData(6, "invalid wire type 6")]
        [InlineData(7, "invalid wire type 7")]
        public void GroupsAndUndefinedWireTypes_AreRejected(int wireType, string expected)
        {
            byte[] bytes = new Pb().Int(1, 8).Msg(7, g => g.Msg(1, n => n.Str(4, "Relu").Tag(50, wireType).Raw(0, 0, 0, 0))).ToArray();
            var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Read(bytes));
            Assert.Contains(expected, e.Message);
            Assert.Contains("NodeProto", e.Message);
            Assert.EndsWith("at byte 12 in NodeProto", e.Message); // 08 08 3A len 0A len 22 04 "Relu": the tag starts at byte 12
        }

        [Fact]
        public void ErrorMessages_NameFieldAndOffset()
        {
            // Truncated varint inside TensorProto.dims: the dims varint starts at byte 8.
            byte[] bytes = new Pb().Int(1, 8).Msg(7, g => g.Msg(5, t => t.Tag(1, 0).Raw(0x80, 0x80))).ToArray();
            var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Read(bytes));
            Assert.Equal("truncated varint at byte 7 in TensorProto.dims", e.Message);

            // A length that runs past the end of its parent.
            bytes = new Pb().Int(1, 8).Msg(7, g => g.Tag(2, 2).Varint(100).Raw((byte)'a')).ToArray();
            e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Read(bytes));
            Assert.Equal("length 100 exceeds the 1 bytes left at byte 5 in GraphProto.name", e.Message);

            // A wire type that does not fit the field.
            bytes = new Pb().Int(1, 8).Msg(7, g => g.Int(2, 5)).ToArray();
            e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Read(bytes));
            Assert.Contains("wrong wire type 0", e.Message);
            Assert.Contains("GraphProto.name", e.Message);

            // A packed fixed32 run whose length is not a multiple of 4.
            bytes = new Pb().Int(1, 8).Msg(7, g => g.Msg(5, t => t.Bytes(4, new byte[] { 0, 0, 0, 0, 0 }))).ToArray();
            e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Read(bytes));
            Assert.Contains("not a multiple of 4", e.Message);
            Assert.Contains("TensorProto.float_data", e.Message);
        }

        [Fact]
        public void Varints_LongerThanTenBytesOrWiderThan64Bits_AreRejected()
        {
            var eleven = new Pb().Tag(1, 0).Raw(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01).ToArray();
            var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Read(eleven));
            Assert.Contains("longer than 10 bytes", e.Message);
            Assert.Contains("at byte 1 ", e.Message);

            var overflow = new Pb().Tag(1, 0).Raw(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02).ToArray();
            Assert.Contains("overflows 64 bits", Assert.Throws<OnnxFormatException>(() => OnnxReader.Read(overflow)).Message);

            // The widest legal varint: 2^64-1 in 10 bytes.
            var max = new Pb().Tag(1, 0).Raw(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01)
                .Msg(7, g => g.Str(2, "g")).ToArray();
            Assert.Equal(-1, OnnxReader.Read(max).IrVersion);

            // Non-minimal (padded) varints are legal.
            var padded = new Pb().Tag(1, 0).Raw(0x88, 0x80, 0x80, 0x00).Msg(7, g => g.Str(2, "g")).ToArray();
            Assert.Equal(8, OnnxReader.Read(padded).IrVersion);
        }

        [Theory]
        [InlineData(0x7FFFFFFFUL)]
        [InlineData(0xFFFFFFFFUL)]
        [InlineData(0x7FFFFFFFFFFFFFFFUL)]
        [InlineData(ulong.MaxValue)]
        public void HostileLengths_FailWithoutAllocating(ulong length)
        {
            // raw_data claiming a huge length with 3 bytes behind it.
            byte[] bytes = new Pb().Int(1, 8).Msg(7, g => g.Msg(5, t => t.Tag(9, 2).Varint(length).Raw(1, 2, 3))).ToArray();
            long before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Read(bytes));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Contains("exceeds", e.Message);
            Assert.Contains("TensorProto.raw_data", e.Message);
            Assert.True(allocated < 100_000, $"allocated {allocated} bytes");
        }

        [Fact]
        public void HostileLengths_InPackedRuns_FailWithoutAllocating()
        {
            byte[] bytes = new Pb().Int(1, 8).Msg(7, g => g.Msg(5, t => t.Tag(4, 2).Varint(int.MaxValue - 3))).ToArray();
            long before = GC.GetAllocatedBytesForCurrentThread();
            Assert.Throws<OnnxFormatException>(() => OnnxReader.Read(bytes));
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 100_000);
        }

        [Fact]
        public void NestingDepth_IsLimited()
        {
            // 70 nested length-delimited messages, read recursively through ProtoReader.
            var inner = new Pb().Int(1, 1);
            for (int i = 0; i < 70; i++)
                inner = new Pb().Msg(1, inner);
            byte[] bytes = inner.ToArray();

            int deepest = 0;
            void Walk(ProtoReader r)
            {
                deepest = Math.Max(deepest, r.Depth);
                while (r.ReadTag())
                {
                    if (r.WireType == WireType.LengthDelimited)
                        Walk(r.ReadMessage("child", "Nested"));
                    else
                        r.SkipField();
                }
            }

            var e = Assert.Throws<OnnxFormatException>(() => Walk(new ProtoReader(bytes, "Nested")));
            Assert.Contains("nested deeper than 64", e.Message);
            Assert.Equal(ProtoReader.MaxDepth, deepest);
        }

        [Fact]
        public void DeeplyNestedTypeProtos_DoNotRecurse()
        {
            // sequence(sequence(...(tensor))) 2,000 levels deep: skipped, not walked.
            var type = new Pb().Msg(1, tt => tt.Int(1, 1));
            for (int i = 0; i < 2000; i++)
                type = new Pb().Msg(4, new Pb().Msg(1, type));
            byte[] bytes = new Pb().Int(1, 8).Msg(7, g => g.Msg(11, v => v.Str(1, "s").Msg(2, type))).ToArray();
            Assert.Equal("sequence", OnnxReader.Read(bytes).Graph!.Inputs.Single().TypeKind);
        }

        [Fact]
        public void InvalidUtf8_IsReplacedNotThrown()
        {
            byte[] bytes = new Pb().Int(1, 8).Msg(7, g => g.Bytes(2, new byte[] { (byte)'a', 0xC3, 0x28, 0xFF, (byte)'b' })).ToArray();
            string name = OnnxReader.Read(bytes).Graph!.Name;
            Assert.StartsWith("a", name);
            Assert.EndsWith("b", name);
            Assert.Contains('\uFFFD', name);
        }

        [Fact]
        public void EmptyFile_IsRejected()
        {
            Assert.Equal("the file is empty", Assert.Throws<OnnxFormatException>(() => OnnxReader.Read(Array.Empty<byte>())).Message);
            Assert.Equal("the file is empty", Assert.Throws<OnnxFormatException>(() => OnnxReader.ReadTensor(Array.Empty<byte>())).Message);
        }

        [Fact]
        public void NoGraph_IsNotAnOnnxModel()
        {
            var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Read(new Pb().Int(1, 8).Str(2, "producer").ToArray()));
            Assert.StartsWith("not an ONNX model", e.Message);
            Assert.Contains("no graph", e.Message);

            e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Read(new Pb().Int(3000, 1).ToArray()));
            Assert.StartsWith("not an ONNX model", e.Message);
            Assert.Contains("no ir_version", e.Message);
        }

        [Fact]
        public void TextAndOtherFiles_AreNotOnnxModels()
        {
            foreach (string text in new[] { "hello world\n", "{\"a\": 1}", "<xml/>", "\u0089PNG\r\n\u001a\n", "PK\u0003\u0004" })
            {
                var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Read(Encoding.Latin1.GetBytes(text)));
                Assert.StartsWith("not an ONNX model", e.Message);
            }
        }

        [Fact]
        public void AttributeType_IsInferredWhenAbsent()
        {
            Assert.Equal(OnnxAttributeType.Float, AttributeFrom(new Pb().Str(1, "a").Float(2, 0f)).Type);
            Assert.Equal(OnnxAttributeType.Int, AttributeFrom(new Pb().Str(1, "a").Int(3, 0)).Type);
            Assert.Equal(OnnxAttributeType.String, AttributeFrom(new Pb().Str(1, "a").Bytes(4, Array.Empty<byte>())).Type);
            Assert.Equal(OnnxAttributeType.Tensor, AttributeFrom(new Pb().Str(1, "a").Msg(5, t => t.Int(2, 1))).Type);
            Assert.Equal(OnnxAttributeType.Graph, AttributeFrom(new Pb().Str(1, "a").Msg(6, g => g.Str(2, "body").Msg(1, n => n.Str(4, "Add")))).Type);
            Assert.Equal(OnnxAttributeType.Floats, AttributeFrom(new Pb().Str(1, "a").Float(7, 1f)).Type);
            Assert.Equal(OnnxAttributeType.Ints, AttributeFrom(new Pb().Str(1, "a").Int(8, 1)).Type);
            Assert.Equal(OnnxAttributeType.Strings, AttributeFrom(new Pb().Str(1, "a").Str(9, "x")).Type);
            Assert.Equal(OnnxAttributeType.Tensors, AttributeFrom(new Pb().Str(1, "a").Msg(10, t => t.Int(2, 1))).Type);
            Assert.Equal(OnnxAttributeType.Graphs, AttributeFrom(new Pb().Str(1, "a").Msg(11, g => g.Str(2, "b"))).Type);
            Assert.Equal(OnnxAttributeType.Undefined, AttributeFrom(new Pb().Str(1, "a")).Type);

            // An explicit type wins, and a subgraph is skipped but typed.
            OnnxAttribute g2 = AttributeFrom(new Pb().Str(1, "then_branch").Msg(6, g => g.Str(2, "b")).Int(20, 5).Str(13, "doc").Str(21, "outer"));
            Assert.Equal(OnnxAttributeType.Graph, g2.Type);
            Assert.Equal("outer", g2.RefAttrName);
            Assert.Equal(OnnxAttributeType.Ints, AttributeFrom(new Pb().Str(1, "a").Int(20, 7)).Type);
        }

        [Fact]
        public void Tensor_ExternalDataAndDataLocation()
        {
            Assert.True(TensorFrom(new Pb().Int(2, 1).Int(14, 1)).IsExternal);
            Assert.False(TensorFrom(new Pb().Int(2, 1).Int(14, 0)).IsExternal);
            Assert.True(TensorFrom(new Pb().Int(2, 1).Msg(13, e => e.Str(1, "location").Str(2, "w.bin"))).IsExternal);
            Assert.False(TensorFrom(new Pb().Int(2, 1)).IsExternal);
        }

        [Fact]
        public void SparseInitializer_IsFlagged()
        {
            OnnxModel m = OnnxReader.Read(new Pb().Int(1, 8).Msg(7, g => g.Msg(15, s => s.Msg(1, v => v.Int(2, 1)).Int(3, 4))).ToArray());
            Assert.True(m.Graph!.HasSparseInitializers);
            Assert.False(OnnxReader.Read(Pb.MinimalModel().ToArray()).Graph!.HasSparseInitializers);
        }

        [Fact]
        public void TypeProto_Kinds()
        {
            OnnxValueInfo Input(Action<Pb> type) =>
                OnnxReader.Read(new Pb().Int(1, 8).Msg(7, g => g.Msg(11, v => v.Str(1, "v").Msg(2, type))).ToArray()).Graph!.Inputs.Single();

            Assert.Equal("tensor", Input(t => t.Msg(1, tt => tt.Int(1, 1))).TypeKind);
            Assert.Equal("sequence", Input(t => t.Msg(4, s => s.Msg(1, e => e.Msg(1, tt => tt.Int(1, 1))))).TypeKind);
            Assert.Equal("map", Input(t => t.Msg(5, mp => mp.Int(1, 7))).TypeKind);
            Assert.Equal("optional", Input(t => t.Msg(9, o => o.Msg(1, e => e.Msg(1, tt => tt.Int(1, 1))))).TypeKind);
            OnnxValueInfo sparse = Input(t => t.Msg(8, st => st.Int(1, 1).Msg(2, s => s.Msg(1, d => d.Int(1, 5)))));
            Assert.Equal("sparse_tensor", sparse.TypeKind);
            Assert.Equal(OnnxDataType.Float, sparse.ElementType);
            Assert.Equal(5, sparse.Shape!.Single().Value);
            Assert.Equal("", Input(t => { }).TypeKind);

            // oneof: a later member of another kind replaces the earlier one.
            OnnxValueInfo replaced = Input(t => t.Msg(1, tt => tt.Int(1, 1).Msg(2, s => { })).Msg(4, s => { }));
            Assert.Equal("sequence", replaced.TypeKind);
            Assert.Null(replaced.Shape);
            Assert.Equal(OnnxDataType.Undefined, replaced.ElementType);

            // Dimension oneof: the last of dim_value / dim_param wins.
            OnnxDim dim = Input(t => t.Msg(1, tt => tt.Msg(2, s => s.Msg(1, d => d.Int(1, 3).Str(2, "N"))))).Shape!.Single();
            Assert.Equal("N", dim.Param);
            Assert.Null(dim.Value);
        }

        [Fact]
        public void RepeatedMessageFields_Merge()
        {
            // Two graph fields are merged (protobuf semantics), scalar fields keep their last value.
            byte[] bytes = new Pb()
                .Int(1, 7).Int(1, 8)
                .Msg(7, g => g.Str(2, "first").Msg(1, n => n.Str(4, "Relu")))
                .Msg(7, g => g.Str(2, "second").Msg(1, n => n.Str(4, "Tanh")))
                .ToArray();
            OnnxModel m = OnnxReader.Read(bytes);
            Assert.Equal(8, m.IrVersion);
            Assert.Equal("second", m.Graph!.Name);
            Assert.Equal(new[] { "Relu", "Tanh" }, m.Graph.Nodes.Select(n => n.OpType));
        }

        [Fact]
        public void ReadTensor_ReadsATensorProto()
        {
            byte[] bytes = new Pb().Int(1, 2).Int(1, 2).Int(2, 1).Str(8, "x").Bytes(9, SampleModels.FloatBytes(1, 2, 3, 4)).ToArray();
            OnnxTensor t = OnnxReader.ReadTensor(bytes);
            Assert.Equal("x", t.Name);
            Assert.Equal(new long[] { 2, 2 }, t.Dims);
            Assert.Equal(new[] { 1f, 2f, 3f, 4f }, OnnxTensorData.ToFloats(t));

            var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.ReadTensor(new byte[] { 0x0A, 0x05, 0x01 }));
            Assert.Contains("TensorProto.dims", e.Message);
        }
    }
}
