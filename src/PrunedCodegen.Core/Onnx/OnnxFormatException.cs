using System;

namespace PrunedCodegen.Onnx
{
    /// <summary>The bytes are not a well-formed ONNX ModelProto. The message says where and why.</summary>
    public sealed class OnnxFormatException : Exception
    {
        public OnnxFormatException(string message) : base(message) { }
    }
}
