using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Model
{
    /// <summary>How a layer's weight tensor stores its [outputs x inputs] matrix.</summary>
    public enum WeightLayout
    {
        /// <summary>[N, K]: Gemm with transB=1 (PyTorch's Linear), Conv [OutC, InC, kh, kw] flattened.</summary>
        OutputsByInputs,
        /// <summary>[K, N]: MatMul, Gemm with transB=0.</summary>
        InputsByOutputs,
    }

    /// <summary>
    /// One layer with constant weights (Gemm, MatMul or Conv with an initializer for its weights), seen as a matrix
    /// of <see cref="Outputs"/> rows (neurons, filters) by <see cref="Inputs"/> columns (fan-in).
    /// </summary>
    public sealed class PrunableLayer
    {
        internal PrunableLayer(int index, OnnxNode node, OnnxTensor weight, WeightLayout layout, int outputs, int inputs, OnnxTensor? bias)
        {
            Index = index; Node = node; Weight = weight; Layout = layout; Outputs = outputs; Inputs = inputs; Bias = bias;
        }

        /// <summary>Position among the model's prunable layers, in graph order.</summary>
        public int Index { get; }

        /// <summary>The node name, or the weight initializer's name when the node has none.</summary>
        public string Name => Node.Name.Length > 0 ? Node.Name : Weight.Name;

        public OnnxNode Node { get; }
        public OnnxTensor Weight { get; }
        public WeightLayout Layout { get; }
        public int Outputs { get; }
        public int Inputs { get; }

        /// <summary>Per-output bias: Gemm's C, Conv's B, or the constant of an Add that alone consumes a MatMul.</summary>
        public OnnxTensor? Bias { get; }

        public int WeightCount => Outputs * Inputs;

        /// <summary>Whether a user's name (from --exclude) means this layer: node name or weight initializer name.</summary>
        public bool IsNamed(string name) => string.Equals(Node.Name, name, StringComparison.Ordinal) || string.Equals(Weight.Name, name, StringComparison.Ordinal);

        /// <summary>The weights as a row-major [Outputs][Inputs] matrix, whatever the stored layout.</summary>
        public float[] ReadMatrix()
        {
            float[] stored = OnnxTensorData.ToFloats(Weight);
            if (Layout == WeightLayout.OutputsByInputs)
                return stored;
            var m = new float[stored.Length];
            for (int k = 0; k < Inputs; k++)
                for (int n = 0; n < Outputs; n++)
                    m[n * Inputs + k] = stored[k * Outputs + n];
            return m;
        }

        /// <summary>Stores a row-major [outputs][inputs] matrix back into the weight tensor (float32 raw data), in its layout.</summary>
        internal void WriteMatrix(float[] matrix, int outputs, int inputs)
        {
            float[] stored;
            if (Layout == WeightLayout.OutputsByInputs)
            {
                stored = matrix;
            }
            else
            {
                stored = new float[matrix.Length];
                for (int n = 0; n < outputs; n++)
                    for (int k = 0; k < inputs; k++)
                        stored[k * outputs + n] = matrix[n * inputs + k];
            }
            var dims = Weight.Dims.ToArray();
            if (Layout == WeightLayout.OutputsByInputs)
            {
                dims[0] = outputs;
                if (dims.Length == 2) dims[1] = inputs;
                else dims[1] = inputs / dims.Skip(2).Aggregate(1L, (a, d) => a * d);
            }
            else
            {
                dims[0] = inputs;
                dims[1] = outputs;
            }
            TensorWriting.SetFloats(Weight, stored, dims);
        }

        public override string ToString() => $"{Name} ({Node.OpType} {Outputs}x{Inputs})";
    }

    internal static class TensorWriting
    {
        /// <summary>Replaces a tensor's data with float32 raw data (the writer then ignores the typed lists).</summary>
        public static void SetFloats(OnnxTensor t, float[] values, IReadOnlyList<long> dims)
        {
            t.Dims.Clear();
            t.Dims.AddRange(dims);
            t.DataType = OnnxDataType.Float;
            t.FloatData.Clear();
            t.DoubleData.Clear();
            t.Int32Data.Clear();
            var raw = new byte[values.Length * 4];
            for (int i = 0; i < values.Length; i++)
                BitConverter.TryWriteBytes(raw.AsSpan(4 * i), values[i]);
            t.RawData = raw;
        }
    }
}
