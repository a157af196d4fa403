using System.Collections.Generic;

namespace PrunedCodegen.Onnx
{
    // A faithful, Roslyn-free subset of the ONNX protobuf messages (onnx.proto3), holding exactly the
    // fields the code generator reads. Field numbers are noted on each member so the reader and the writer
    // can be checked against the schema.

    /// <summary>ModelProto.</summary>
    public sealed class OnnxModel
    {
        public long IrVersion { get; set; }                                            // 1
        public List<OnnxOpsetImport> OpsetImports { get; } = new List<OnnxOpsetImport>(); // 8
        public string ProducerName { get; set; } = "";                                 // 2
        public string ProducerVersion { get; set; } = "";                              // 3
        public string Domain { get; set; } = "";                                       // 4
        public long ModelVersion { get; set; }                                         // 5
        public string DocString { get; set; } = "";                                    // 6
        public OnnxGraph? Graph { get; set; }                                          // 7
        public List<KeyValuePair<string, string>> MetadataProps { get; } = new List<KeyValuePair<string, string>>(); // 14 (StringStringEntryProto)
    }

    /// <summary>OperatorSetIdProto.</summary>
    public sealed class OnnxOpsetImport
    {
        public string Domain { get; set; } = "";   // 1 ("" and "ai.onnx" both mean the default domain)
        public long Version { get; set; }          // 2
    }

    /// <summary>GraphProto.</summary>
    public sealed class OnnxGraph
    {
        public List<OnnxNode> Nodes { get; } = new List<OnnxNode>();                 // 1
        public string Name { get; set; } = "";                                       // 2
        public List<OnnxTensor> Initializers { get; } = new List<OnnxTensor>();      // 5
        public string DocString { get; set; } = "";                                  // 10
        public List<OnnxValueInfo> Inputs { get; } = new List<OnnxValueInfo>();      // 11
        public List<OnnxValueInfo> Outputs { get; } = new List<OnnxValueInfo>();     // 12
        public List<OnnxValueInfo> ValueInfos { get; } = new List<OnnxValueInfo>();  // 13
        /// <summary>True when field 15 (sparse_initializer) was present: not supported yet.</summary>
        public bool HasSparseInitializers { get; set; }
    }

    /// <summary>NodeProto.</summary>
    public sealed class OnnxNode
    {
        public List<string> Inputs { get; } = new List<string>();                      // 1 ("" = omitted optional input)
        public List<string> Outputs { get; } = new List<string>();                     // 2
        public string Name { get; set; } = "";                                         // 3
        public string OpType { get; set; } = "";                                       // 4
        public string Domain { get; set; } = "";                                       // 7
        public List<OnnxAttribute> Attributes { get; } = new List<OnnxAttribute>();    // 5
        public string DocString { get; set; } = "";                                    // 6
    }

    /// <summary>AttributeProto.AttributeType values.</summary>
    public enum OnnxAttributeType
    {
        Undefined = 0, Float = 1, Int = 2, String = 3, Tensor = 4, Graph = 5,
        Floats = 6, Ints = 7, Strings = 8, Tensors = 9, Graphs = 10,
        SparseTensor = 11, SparseTensors = 12, TypeProto = 13, TypeProtos = 14,
    }

    /// <summary>AttributeProto.</summary>
    public sealed class OnnxAttribute
    {
        public string Name { get; set; } = "";                         // 1
        public OnnxAttributeType Type { get; set; }                    // 20 (when absent, inferred from which field is set)
        public float F { get; set; }                                   // 2
        public long I { get; set; }                                    // 3
        public byte[] S { get; set; } = System.Array.Empty<byte>();    // 4 (bytes; usually UTF-8)
        public OnnxTensor? T { get; set; }                             // 5
        public List<float> Floats { get; } = new List<float>();        // 7 (packed or not)
        public List<long> Ints { get; } = new List<long>();            // 8 (packed or not)
        public List<byte[]> Strings { get; } = new List<byte[]>();     // 9
        public string RefAttrName { get; set; } = "";                  // 21 (function attribute reference: unsupported)
    }

    /// <summary>TensorProto.DataType values.</summary>
    public enum OnnxDataType
    {
        Undefined = 0, Float = 1, UInt8 = 2, Int8 = 3, UInt16 = 4, Int16 = 5, Int32 = 6, Int64 = 7,
        String = 8, Bool = 9, Float16 = 10, Double = 11, UInt32 = 12, UInt64 = 13, Complex64 = 14,
        Complex128 = 15, BFloat16 = 16,
    }

    /// <summary>TensorProto. Exactly one of the data members is filled by the reader.</summary>
    public sealed class OnnxTensor
    {
        public List<long> Dims { get; } = new List<long>();                 // 1 (packed or not)
        public OnnxDataType DataType { get; set; }                          // 2
        public string Name { get; set; } = "";                              // 8
        public string DocString { get; set; } = "";                         // 12
        /// <summary>raw_data (9): little-endian bytes, as stored. Null when absent.</summary>
        public byte[]? RawData { get; set; }
        public List<float> FloatData { get; } = new List<float>();          // 4 (packed or not)
        public List<int> Int32Data { get; } = new List<int>();              // 5 (packed or not)
        public List<long> Int64Data { get; } = new List<long>();            // 7 (packed or not)
        public List<double> DoubleData { get; } = new List<double>();       // 10 (packed or not)
        public List<ulong> UInt64Data { get; } = new List<ulong>();         // 11 (packed or not)
        public List<byte[]> StringData { get; } = new List<byte[]>();       // 6
        /// <summary>data_location (14) == EXTERNAL (1), or external_data (13) present.</summary>
        public bool IsExternal { get; set; }
    }

    /// <summary>ValueInfoProto with its TypeProto.Tensor flattened in.</summary>
    public sealed class OnnxValueInfo
    {
        public string Name { get; set; } = "";                 // 1
        public string DocString { get; set; } = "";            // 3
        /// <summary>Which TypeProto member was set: "tensor", "sequence", "map", "optional", "sparse_tensor" or "" (none).</summary>
        public string TypeKind { get; set; } = "";
        public OnnxDataType ElementType { get; set; }          // TypeProto.Tensor.elem_type (1)
        /// <summary>Null when the shape (TypeProto.Tensor.shape, 2) is absent, i.e. the rank is unknown.</summary>
        public List<OnnxDim>? Shape { get; set; }
    }

    /// <summary>TensorShapeProto.Dimension: a value (1), a symbolic parameter (2), or neither (unknown).</summary>
    public sealed class OnnxDim
    {
        public long? Value { get; set; }
        public string? Param { get; set; }
    }
}
