using System.Linq;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Passes
{
    /// <summary>
    /// Folds an inference BatchNormalization with constant parameters into the Conv or dense (Gemm/MatMul) layer
    /// that feeds it: per channel c, W[c] *= m[c] and b[c] = b[c] * m[c] + shift[c], where
    /// m = scale / sqrt(var + eps) and shift = B - mean * m. The normalisation then costs nothing at run time;
    /// a BatchNorm that cannot be folded stays as a per-channel affine layer.
    /// </summary>
    internal static class FoldBatchNorm
    {
        public static void Run(IrGraph graph)
        {
            var uses = graph.CountUses();
            for (int j = 0; j < graph.Ops.Count; j++)
            {
                if (graph.Ops[j] is not BatchNormOp bn || bn.Multiplier == null) continue;
                var source = bn.Input;
                if (source.AliasOf != null || graph.Outputs.Any(o => o.Root == source) || !uses.TryGetValue(source, out int n) || n != 1) continue;
                int i = graph.Ops.FindIndex(op => op.Output == source);
                if (i < 0) continue;
                IrOp? folded = graph.Ops[i] switch
                {
                    ConvOp conv when conv.HasConstantWeights && conv.Activation.Kind == ActivationKind.None => FoldIntoConv(conv, bn),
                    DenseOp dense when dense.Activation.Kind == ActivationKind.None && bn.Inner == 1 && dense.N == bn.Channels => FoldIntoDense(dense, bn),
                    _ => null,
                };
                if (folded == null) continue;
                graph.Ops[i] = folded;
                graph.Ops.RemoveAt(j);
                j--;
                uses = graph.CountUses();
            }
        }

        private static ConvOp FoldIntoConv(ConvOp conv, BatchNormOp bn)
        {
            int filters = conv.Geometry.OutChannels, length = conv.FilterLength;
            var weights = conv.Weights!.ToArray();
            var bias = new float[filters];
            for (int m = 0; m < filters; m++)
            {
                float k = bn.Multiplier![m];
                for (int t = 0; t < length; t++) weights[m * length + t] *= k;
                bias[m] = (conv.Bias?[m] ?? 0f) * k + bn.Shift![m];
            }
            var folded = conv.Copy(conv.Input, bn.Output, conv.Geometry, conv.Group, weights, bias);
            folded.SourceNodes = conv.SourceNodes + " + " + bn.SourceNodes + " (folded)";
            return folded;
        }

        private static DenseOp FoldIntoDense(DenseOp dense, BatchNormOp bn)
        {
            var weights = dense.Weights.ToArray();
            var bias = new float[dense.N];
            for (int r = 0; r < dense.N; r++)
            {
                float k = bn.Multiplier![r];
                for (int c = 0; c < dense.K; c++) weights[r * dense.K + c] *= k;
                bias[r] = (dense.Bias?[r] ?? 0f) * k + bn.Shift![r];
            }
            return new DenseOp(dense.Input, bn.Output, dense.Rows, dense.K, dense.N, weights, dense.SourceNodes + " + " + bn.SourceNodes + " (folded)")
            {
                Bias = bias,
                RemovedInputs = dense.RemovedInputs,
                RemovedOutputs = dense.RemovedOutputs,
            };
        }
    }
}
