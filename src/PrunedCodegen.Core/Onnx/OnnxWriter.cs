using System;
using System.Collections.Generic;

namespace PrunedCodegen.Onnx
{
    /// <summary>
    /// Serializes an <see cref="OnnxModel"/> to ONNX protobuf bytes that <see cref="OnnxReader"/> (and ONNX
    /// Runtime) read back.
    /// </summary>
    /// <remarks>
    /// <para>The output is deterministic: fields in field-number order, as protobuf's own serializers emit them,
    /// with the encodings the ONNX tools use (unpacked <c>dims</c> and attribute <c>ints</c>/<c>floats</c>, packed
    /// tensor data). Scalars at their default value (0, "") are omitted, except those whose presence carries
    /// meaning (the value of an attribute of that type; both members of an opset import).</para>
    /// <para>A tensor with <see cref="OnnxTensor.RawData"/> is written with raw_data only: its numeric typed
    /// lists are ignored, so a pass that replaces the data of a tensor needs only set RawData.</para>
    /// <para>The data model does not keep everything a file can hold: sub-graphs, sparse initializers, the
    /// element types of sequence/map/optional values. A model that refers to such content throws
    /// <see cref="NotSupportedException"/> rather than being written incomplete.</para>
    /// </remarks>
    public static class OnnxWriter
    {
        /// <summary>Serializes <paramref name="model"/> as a ModelProto.</summary>
        /// <exception cref="NotSupportedException">The model holds content the writer cannot reproduce.</exception>
        public static byte[] Write(OnnxModel model)
        {
            if (model == null)
                throw new ArgumentNullException(nameof(model));
            var w = new ProtoWriter(EstimateSize(model));
            if (model.IrVersion != 0) w.WriteInt64(1, model.IrVersion);
            WriteStringIfAny(w, 2, model.ProducerName);
            WriteStringIfAny(w, 3, model.ProducerVersion);
            WriteStringIfAny(w, 4, model.Domain);
            if (model.ModelVersion != 0) w.WriteInt64(5, model.ModelVersion);
            WriteStringIfAny(w, 6, model.DocString);
            if (model.Graph != null) w.WriteMessage(7, WriteGraph(model.Graph));
            foreach (OnnxOpsetImport opset in model.OpsetImports)
            {
                var o = new ProtoWriter(32);
                o.WriteString(1, opset.Domain ?? "");
                o.WriteInt64(2, opset.Version);
                w.WriteMessage(8, o);
            }
            foreach (KeyValuePair<string, string> entry in model.MetadataProps)
            {
                var e = new ProtoWriter(64);
                WriteStringIfAny(e, 1, entry.Key);
                WriteStringIfAny(e, 2, entry.Value);
                w.WriteMessage(14, e);
            }
            return w.ToArray();
        }

        /// <summary>Serializes one tensor as a TensorProto (the format of the backend tests' .pb files).</summary>
        public static byte[] WriteTensor(OnnxTensor tensor)
        {
            if (tensor == null)
                throw new ArgumentNullException(nameof(tensor));
            return WriteTensorMessage(tensor).ToArray();
        }

        private static ProtoWriter WriteGraph(OnnxGraph graph)
        {
            if (graph.HasSparseInitializers)
                throw new NotSupportedException($"Graph '{graph.Name}' has sparse initializers, which the ONNX data model does not keep; it cannot be written.");
            var w = new ProtoWriter(EstimateSize(graph));
            foreach (OnnxNode node in graph.Nodes)
                w.WriteMessage(1, WriteNode(node));
            WriteStringIfAny(w, 2, graph.Name);
            foreach (OnnxTensor t in graph.Initializers)
                w.WriteMessage(5, WriteTensorMessage(t));
            WriteStringIfAny(w, 10, graph.DocString);
            foreach (OnnxValueInfo vi in graph.Inputs)
                w.WriteMessage(11, WriteValueInfo(vi));
            foreach (OnnxValueInfo vi in graph.Outputs)
                w.WriteMessage(12, WriteValueInfo(vi));
            foreach (OnnxValueInfo vi in graph.ValueInfos)
                w.WriteMessage(13, WriteValueInfo(vi));
            return w;
        }

        private static ProtoWriter WriteNode(OnnxNode node)
        {
            var w = new ProtoWriter(128);
            foreach (string input in node.Inputs)
                w.WriteString(1, input ?? "");
            foreach (string output in node.Outputs)
                w.WriteString(2, output ?? "");
            WriteStringIfAny(w, 3, node.Name);
            WriteStringIfAny(w, 4, node.OpType);
            foreach (OnnxAttribute a in node.Attributes)
                w.WriteMessage(5, WriteAttribute(a, node));
            WriteStringIfAny(w, 6, node.DocString);
            WriteStringIfAny(w, 7, node.Domain);
            return w;
        }

        private static ProtoWriter WriteAttribute(OnnxAttribute a, OnnxNode node)
        {
            switch (a.Type)
            {
                case OnnxAttributeType.Graph:
                case OnnxAttributeType.Graphs:
                case OnnxAttributeType.Tensors:
                case OnnxAttributeType.SparseTensor:
                case OnnxAttributeType.SparseTensors:
                case OnnxAttributeType.TypeProto:
                case OnnxAttributeType.TypeProtos:
                    if (a.RefAttrName.Length == 0)
                        throw new NotSupportedException($"Attribute '{a.Name}' of node '{node.Name}' ({node.OpType}) has type {a.Type}, whose value the ONNX data model does not keep; it cannot be written.");
                    break;
            }
            var w = new ProtoWriter(64);
            WriteStringIfAny(w, 1, a.Name);
            if (a.Type == OnnxAttributeType.Float || Bits.SingleToInt32(a.F) != 0) w.WriteFloat(2, a.F);
            if (a.Type == OnnxAttributeType.Int || a.I != 0) w.WriteInt64(3, a.I);
            if (a.Type == OnnxAttributeType.String || a.S.Length > 0) w.WriteBytes(4, a.S);
            if (a.T != null) w.WriteMessage(5, WriteTensorMessage(a.T));
            w.WriteUnpackedFloats(7, a.Floats);
            w.WriteUnpackedInt64s(8, a.Ints);
            foreach (byte[] s in a.Strings)
                w.WriteBytes(9, s);
            if (a.Type != OnnxAttributeType.Undefined) w.WriteInt32(20, (int)a.Type);
            WriteStringIfAny(w, 21, a.RefAttrName);
            return w;
        }

        private static ProtoWriter WriteTensorMessage(OnnxTensor t)
        {
            var w = new ProtoWriter(64 + (t.RawData?.Length ?? 0) + 4 * t.FloatData.Count);
            w.WriteUnpackedInt64s(1, t.Dims);
            if (t.DataType != OnnxDataType.Undefined) w.WriteInt32(2, (int)t.DataType);
            bool raw = t.RawData != null;
            if (!raw) w.WritePackedFloats(4, t.FloatData);
            if (!raw) w.WritePackedInt32s(5, t.Int32Data);
            foreach (byte[] s in t.StringData)
                w.WriteBytes(6, s);
            if (!raw) w.WritePackedInt64s(7, t.Int64Data);
            WriteStringIfAny(w, 8, t.Name);
            if (t.RawData != null) w.WriteBytes(9, t.RawData);
            if (!raw) w.WritePackedDoubles(10, t.DoubleData);
            if (!raw) w.WritePackedUInt64s(11, t.UInt64Data);
            WriteStringIfAny(w, 12, t.DocString);
            if (t.IsExternal) w.WriteInt32(14, 1);
            return w;
        }

        private static ProtoWriter WriteValueInfo(OnnxValueInfo vi)
        {
            var w = new ProtoWriter(64);
            WriteStringIfAny(w, 1, vi.Name);
            switch (vi.TypeKind ?? "")
            {
                case "":
                    break;
                case "tensor":
                case "sparse_tensor":
                {
                    var tensorType = new ProtoWriter(64);
                    if (vi.ElementType != OnnxDataType.Undefined) tensorType.WriteInt32(1, (int)vi.ElementType);
                    if (vi.Shape != null) tensorType.WriteMessage(2, WriteShape(vi.Shape));
                    var type = new ProtoWriter(tensorType.Length + 8);
                    type.WriteMessage(vi.TypeKind == "tensor" ? 1 : 8, tensorType);
                    w.WriteMessage(2, type);
                    break;
                }
                case "sequence":
                case "map":
                case "optional":
                    throw new NotSupportedException($"Value '{vi.Name}' has a {vi.TypeKind} type, whose element type the ONNX data model does not keep; it cannot be written.");
                default:
                    throw new NotSupportedException($"Value '{vi.Name}' has the unknown type kind '{vi.TypeKind}'.");
            }
            WriteStringIfAny(w, 3, vi.DocString);
            return w;
        }

        private static ProtoWriter WriteShape(List<OnnxDim> shape)
        {
            var w = new ProtoWriter(16 + 8 * shape.Count);
            foreach (OnnxDim dim in shape)
            {
                var d = new ProtoWriter(16);
                if (dim.Value.HasValue) d.WriteInt64(1, dim.Value.Value);
                else if (dim.Param != null) d.WriteString(2, dim.Param);
                w.WriteMessage(1, d);
            }
            return w;
        }

        private static void WriteStringIfAny(ProtoWriter w, int field, string? value)
        {
            if (!string.IsNullOrEmpty(value))
                w.WriteString(field, value!);
        }

        /// <summary>A rough size so that big initializers are not copied through many buffer doublings.</summary>
        private static int EstimateSize(OnnxModel model) => model.Graph == null ? 256 : EstimateSize(model.Graph) + 256;

        private static int EstimateSize(OnnxGraph graph)
        {
            long size = 256 + 64L * graph.Nodes.Count;
            foreach (OnnxTensor t in graph.Initializers)
                size += 64 + (t.RawData?.Length ?? 0) + 4L * t.FloatData.Count + 8L * (t.Int64Data.Count + t.DoubleData.Count) + 5L * t.Int32Data.Count;
            return (int)Math.Min(size, int.MaxValue / 2);
        }
    }
}
