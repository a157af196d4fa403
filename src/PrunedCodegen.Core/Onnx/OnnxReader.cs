using System;
using System.Collections.Generic;

namespace PrunedCodegen.Onnx
{
    /// <summary>
    /// Reads an ONNX <c>ModelProto</c> (or a single <c>TensorProto</c>) from its protobuf bytes into the
    /// <see cref="OnnxModel"/> data model, without any protobuf library.
    /// </summary>
    /// <remarks>
    /// Any malformed input, however hostile, ends in an <see cref="OnnxFormatException"/> that says what was
    /// being read and at which byte: no other exception type escapes, no length from the file is allocated
    /// before it is checked against the bytes present, and nesting is bounded. Fields that the data model does
    /// not hold (sub-graphs of If/Loop attributes, functions, training info, sequence element types...) are
    /// skipped. Repeated scalars are accepted packed and unpacked. A message field that occurs twice is merged,
    /// and a scalar field that occurs twice keeps its last value, as protobuf specifies.
    /// </remarks>
    public static class OnnxReader
    {
        /// <summary>Reads a serialized <c>ModelProto</c> (the contents of a .onnx file).</summary>
        /// <exception cref="OnnxFormatException">The bytes are not a well-formed ONNX model.</exception>
        public static OnnxModel Read(byte[] bytes)
        {
            if (bytes == null)
                throw new ArgumentNullException(nameof(bytes));
            if (bytes.Length == 0)
                throw new OnnxFormatException("the file is empty");

            var r = new ProtoReader(bytes, "ModelProto");
            var model = new OnnxModel();
            bool sawModelField = false; // a ModelProto field was read completely
            int currentField = 0;       // the field being read, 0 while reading a tag
            try
            {
                while (r.ReadTag())
                {
                    currentField = r.FieldNumber;
                    switch (r.FieldNumber)
                    {
                        case 1: model.IrVersion = r.ReadInt64("ir_version"); break;
                        case 2: model.ProducerName = r.ReadString("producer_name"); break;
                        case 3: model.ProducerVersion = r.ReadString("producer_version"); break;
                        case 4: model.Domain = r.ReadString("domain"); break;
                        case 5: model.ModelVersion = r.ReadInt64("model_version"); break;
                        case 6: model.DocString = r.ReadString("doc_string"); break;
                        case 7:
                            model.Graph = ReadGraph(r.ReadMessage("graph", "GraphProto"), model.Graph ?? new OnnxGraph());
                            break;
                        case 8: model.OpsetImports.Add(ReadOpsetImport(r.ReadMessage("opset_import", "OperatorSetIdProto"))); break;
                        case 14: model.MetadataProps.Add(ReadStringStringEntry(r.ReadMessage("metadata_props", "StringStringEntryProto"))); break;
                        default: r.SkipField(); break;
                    }
                    sawModelField |= IsModelField(currentField);
                    currentField = 0;
                }
            }
            catch (OnnxFormatException e) when (!sawModelField && !IsModelField(currentField))
            {
                // Nothing recognisable before the failure: most likely not an ONNX (or any protobuf) file.
                throw new OnnxFormatException("not an ONNX model: " + e.Message);
            }

            if (model.Graph == null)
            {
                throw new OnnxFormatException(model.IrVersion == 0
                    ? "not an ONNX model: no ir_version (field 1) and no graph (field 7) in the ModelProto"
                    : "not an ONNX model: the ModelProto has no graph (field 7)");
            }
            return model;
        }

        private static bool IsModelField(int field) => (field >= 1 && field <= 8) || field == 14;

        /// <summary>
        /// Reads a serialized <c>TensorProto</c>, e.g. an <c>input_0.pb</c> of the ONNX backend tests.
        /// </summary>
        /// <exception cref="OnnxFormatException">The bytes are not a well-formed TensorProto.</exception>
        public static OnnxTensor ReadTensor(byte[] bytes)
        {
            if (bytes == null)
                throw new ArgumentNullException(nameof(bytes));
            if (bytes.Length == 0)
                throw new OnnxFormatException("the file is empty");
            return ReadTensor(new ProtoReader(bytes, "TensorProto"), new OnnxTensor());
        }

        private static OnnxOpsetImport ReadOpsetImport(ProtoReader r)
        {
            var opset = new OnnxOpsetImport();
            while (r.ReadTag())
            {
                switch (r.FieldNumber)
                {
                    case 1: opset.Domain = r.ReadString("domain"); break;
                    case 2: opset.Version = r.ReadInt64("version"); break;
                    default: r.SkipField(); break;
                }
            }
            return opset;
        }

        private static KeyValuePair<string, string> ReadStringStringEntry(ProtoReader r)
        {
            string key = "", value = "";
            while (r.ReadTag())
            {
                switch (r.FieldNumber)
                {
                    case 1: key = r.ReadString("key"); break;
                    case 2: value = r.ReadString("value"); break;
                    default: r.SkipField(); break;
                }
            }
            return new KeyValuePair<string, string>(key, value);
        }

        private static OnnxGraph ReadGraph(ProtoReader r, OnnxGraph graph)
        {
            while (r.ReadTag())
            {
                switch (r.FieldNumber)
                {
                    case 1: graph.Nodes.Add(ReadNode(r.ReadMessage("node", "NodeProto"))); break;
                    case 2: graph.Name = r.ReadString("name"); break;
                    case 5: graph.Initializers.Add(ReadTensor(r.ReadMessage("initializer", "TensorProto"), new OnnxTensor())); break;
                    case 10: graph.DocString = r.ReadString("doc_string"); break;
                    case 11: graph.Inputs.Add(ReadValueInfo(r.ReadMessage("input", "ValueInfoProto"))); break;
                    case 12: graph.Outputs.Add(ReadValueInfo(r.ReadMessage("output", "ValueInfoProto"))); break;
                    case 13: graph.ValueInfos.Add(ReadValueInfo(r.ReadMessage("value_info", "ValueInfoProto"))); break;
                    case 15:
                        r.SkipMessage("sparse_initializer");
                        graph.HasSparseInitializers = true;
                        break;
                    default: r.SkipField(); break;
                }
            }
            return graph;
        }

        private static OnnxNode ReadNode(ProtoReader r)
        {
            var node = new OnnxNode();
            while (r.ReadTag())
            {
                switch (r.FieldNumber)
                {
                    case 1: node.Inputs.Add(r.ReadString("input")); break;
                    case 2: node.Outputs.Add(r.ReadString("output")); break;
                    case 3: node.Name = r.ReadString("name"); break;
                    case 4: node.OpType = r.ReadString("op_type"); break;
                    case 5: node.Attributes.Add(ReadAttribute(r.ReadMessage("attribute", "AttributeProto"))); break;
                    case 6: node.DocString = r.ReadString("doc_string"); break;
                    case 7: node.Domain = r.ReadString("domain"); break;
                    default: r.SkipField(); break;
                }
            }
            return node;
        }

        private static OnnxAttribute ReadAttribute(ProtoReader r)
        {
            var a = new OnnxAttribute();
            // Which value fields were present, to infer the type when field 20 is absent (IR version 1 files).
            bool hasF = false, hasI = false, hasS = false, hasT = false, hasG = false, hasTensors = false,
                hasGraphs = false, hasSparseTensor = false, hasSparseTensors = false, hasTp = false, hasTps = false;
            while (r.ReadTag())
            {
                switch (r.FieldNumber)
                {
                    case 1: a.Name = r.ReadString("name"); break;
                    case 2: a.F = r.ReadFloat("f"); hasF = true; break;
                    case 3: a.I = r.ReadInt64("i"); hasI = true; break;
                    case 4: a.S = r.ReadBytes("s"); hasS = true; break;
                    case 5: a.T = ReadTensor(r.ReadMessage("t", "TensorProto"), a.T ?? new OnnxTensor()); hasT = true; break;
                    case 6: r.SkipMessage("g"); hasG = true; break;
                    case 7: r.ReadRepeatedFloat(a.Floats, "floats"); break;
                    case 8: r.ReadRepeatedInt64(a.Ints, "ints"); break;
                    case 9: a.Strings.Add(r.ReadBytes("strings")); break;
                    case 10: r.SkipMessage("tensors"); hasTensors = true; break;
                    case 11: r.SkipMessage("graphs"); hasGraphs = true; break;
                    case 14: r.SkipMessage("tp"); hasTp = true; break;
                    case 15: r.SkipMessage("type_protos"); hasTps = true; break;
                    case 20: a.Type = (OnnxAttributeType)r.ReadInt32("type"); break;
                    case 21: a.RefAttrName = r.ReadString("ref_attr_name"); break;
                    case 22: r.SkipMessage("sparse_tensor"); hasSparseTensor = true; break;
                    case 23: r.SkipMessage("sparse_tensors"); hasSparseTensors = true; break;
                    default: r.SkipField(); break; // doc_string (13) is not kept
                }
            }
            if (a.Type == OnnxAttributeType.Undefined)
            {
                if (a.Floats.Count > 0) a.Type = OnnxAttributeType.Floats;
                else if (a.Ints.Count > 0) a.Type = OnnxAttributeType.Ints;
                else if (a.Strings.Count > 0) a.Type = OnnxAttributeType.Strings;
                else if (hasTensors) a.Type = OnnxAttributeType.Tensors;
                else if (hasGraphs) a.Type = OnnxAttributeType.Graphs;
                else if (hasSparseTensors) a.Type = OnnxAttributeType.SparseTensors;
                else if (hasTps) a.Type = OnnxAttributeType.TypeProtos;
                else if (hasT) a.Type = OnnxAttributeType.Tensor;
                else if (hasG) a.Type = OnnxAttributeType.Graph;
                else if (hasSparseTensor) a.Type = OnnxAttributeType.SparseTensor;
                else if (hasTp) a.Type = OnnxAttributeType.TypeProto;
                else if (hasS) a.Type = OnnxAttributeType.String;
                else if (hasI) a.Type = OnnxAttributeType.Int;
                else if (hasF) a.Type = OnnxAttributeType.Float;
            }
            return a;
        }

        private static OnnxTensor ReadTensor(ProtoReader r, OnnxTensor t)
        {
            bool hasExternalData = false;
            int dataLocation = t.IsExternal ? 1 : 0;
            while (r.ReadTag())
            {
                switch (r.FieldNumber)
                {
                    case 1: r.ReadRepeatedInt64(t.Dims, "dims"); break;
                    case 2: t.DataType = (OnnxDataType)r.ReadInt32("data_type"); break;
                    case 3: r.SkipMessage("segment"); break;
                    case 4: r.ReadRepeatedFloat(t.FloatData, "float_data"); break;
                    case 5: r.ReadRepeatedInt32(t.Int32Data, "int32_data"); break;
                    case 6: t.StringData.Add(r.ReadBytes("string_data")); break;
                    case 7: r.ReadRepeatedInt64(t.Int64Data, "int64_data"); break;
                    case 8: t.Name = r.ReadString("name"); break;
                    case 9: t.RawData = r.ReadBytes("raw_data"); break;
                    case 10: r.ReadRepeatedDouble(t.DoubleData, "double_data"); break;
                    case 11: r.ReadRepeatedUInt64(t.UInt64Data, "uint64_data"); break;
                    case 12: t.DocString = r.ReadString("doc_string"); break;
                    case 13: r.SkipMessage("external_data"); hasExternalData = true; break;
                    case 14: dataLocation = r.ReadInt32("data_location"); break;
                    default: r.SkipField(); break;
                }
            }
            t.IsExternal = dataLocation == 1 || hasExternalData;
            if (t.RawData != null && TypedField(t) is string typed)
            {
                // onnx.checker refuses such a tensor (one and only one value field); which of the two another runtime
                // reads is unspecified, so using either would be a silent guess.
                throw new OnnxFormatException(
                    $"tensor '{Text.Quote(t.Name)}' stores values in both raw_data and {typed}; a tensor must hold its data in exactly one field (onnx.checker refuses it too)");
            }
            return t;
        }

        /// <summary>The first typed data field that holds values, or null when none does.</summary>
        private static string? TypedField(OnnxTensor t) =>
            t.FloatData.Count > 0 ? "float_data"
            : t.Int32Data.Count > 0 ? "int32_data"
            : t.Int64Data.Count > 0 ? "int64_data"
            : t.DoubleData.Count > 0 ? "double_data"
            : t.UInt64Data.Count > 0 ? "uint64_data"
            : t.StringData.Count > 0 ? "string_data"
            : null;

        private static OnnxValueInfo ReadValueInfo(ProtoReader r)
        {
            var vi = new OnnxValueInfo();
            while (r.ReadTag())
            {
                switch (r.FieldNumber)
                {
                    case 1: vi.Name = r.ReadString("name"); break;
                    case 2: ReadType(r.ReadMessage("type", "TypeProto"), vi); break;
                    case 3: vi.DocString = r.ReadString("doc_string"); break;
                    default: r.SkipField(); break;
                }
            }
            return vi;
        }

        /// <summary>TypeProto: a oneof, so a later member replaces an earlier one of another kind.</summary>
        private static void ReadType(ProtoReader r, OnnxValueInfo vi)
        {
            while (r.ReadTag())
            {
                switch (r.FieldNumber)
                {
                    case 1:
                        SetKind(vi, "tensor");
                        ReadTensorType(r.ReadMessage("tensor_type", "TypeProto.Tensor"), vi);
                        break;
                    case 4: SetKind(vi, "sequence"); r.SkipMessage("sequence_type"); break;
                    case 5: SetKind(vi, "map"); r.SkipMessage("map_type"); break;
                    case 7: SetKind(vi, ""); r.SkipMessage("opaque_type"); break;
                    case 8:
                        SetKind(vi, "sparse_tensor");
                        ReadTensorType(r.ReadMessage("sparse_tensor_type", "TypeProto.SparseTensor"), vi);
                        break;
                    case 9: SetKind(vi, "optional"); r.SkipMessage("optional_type"); break;
                    default: r.SkipField(); break; // denotation (6)
                }
            }
        }

        private static void SetKind(OnnxValueInfo vi, string kind)
        {
            if (vi.TypeKind == kind)
                return; // the same oneof member again: merge
            vi.TypeKind = kind;
            vi.ElementType = OnnxDataType.Undefined;
            vi.Shape = null;
        }

        /// <summary>TypeProto.Tensor and TypeProto.SparseTensor share their layout: elem_type 1, shape 2.</summary>
        private static void ReadTensorType(ProtoReader r, OnnxValueInfo vi)
        {
            while (r.ReadTag())
            {
                switch (r.FieldNumber)
                {
                    case 1: vi.ElementType = (OnnxDataType)r.ReadInt32("elem_type"); break;
                    case 2:
                        vi.Shape ??= new List<OnnxDim>();
                        ReadShape(r.ReadMessage("shape", "TensorShapeProto"), vi.Shape);
                        break;
                    default: r.SkipField(); break;
                }
            }
        }

        private static void ReadShape(ProtoReader r, List<OnnxDim> dims)
        {
            while (r.ReadTag())
            {
                if (r.FieldNumber == 1)
                    dims.Add(ReadDimension(r.ReadMessage("dim", "TensorShapeProto.Dimension")));
                else
                    r.SkipField();
            }
        }

        private static OnnxDim ReadDimension(ProtoReader r)
        {
            var dim = new OnnxDim();
            while (r.ReadTag())
            {
                switch (r.FieldNumber)
                {
                    case 1: dim.Value = r.ReadInt64("dim_value"); dim.Param = null; break;
                    case 2: dim.Param = r.ReadString("dim_param"); dim.Value = null; break;
                    default: r.SkipField(); break; // denotation (3)
                }
            }
            return dim;
        }
    }
}
