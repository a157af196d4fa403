using System.Linq;
using PrunedCodegen.Tests.Infrastructure;

namespace PrunedCodegen.Cli.Tests.Infrastructure
{
    internal static class Ort
    {
        /// <summary>ONNX Runtime's outputs for a [rows, width] batch through a model with one input and one output.</summary>
        public static float[] Run(byte[] model, float[] input, int rows, int width) =>
            OrtOracle.Run(model, OracleInput.Float(input, rows, width)).Single().Data;

        /// <summary>The same for an input of any shape (e.g. [n, 1, 8, 8] for the digits CNN).</summary>
        public static float[] RunShaped(byte[] model, float[] input, params long[] dims) =>
            OrtOracle.Run(model, OracleInput.Float(input, dims)).Single().Data;

        public static double MaxAbsDifference(float[] a, float[] b) => a.Zip(b, (x, y) => (double)System.Math.Abs(x - y)).Max();
    }
}
