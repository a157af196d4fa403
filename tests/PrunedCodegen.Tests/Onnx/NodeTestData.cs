using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PrunedCodegen.Tests.Infrastructure;

namespace PrunedCodegen.Tests.Onnx
{
    /// <summary>One row of <c>shared/onnx-node-tests/INDEX.tsv</c>.</summary>
    internal sealed class NodeTestCase
    {
        public string Name { get; init; } = "";
        public string Opset { get; init; } = "";
        public string IrVersion { get; init; } = "";
        public string Ops { get; init; } = "";
        public string Inputs { get; init; } = "";
        public string Outputs { get; init; } = "";
        public string DataSets { get; init; } = "";

        public string Folder => Path.Combine(TestPaths.OnnxNodeTestsDir, Name);

        public string ModelPath => Path.Combine(Folder, "model.onnx");

        /// <summary>The two cases whose .pb files hold a SequenceProto / OptionalProto, not a TensorProto.</summary>
        public bool HasNonTensorData => Name == "test_identity_sequence" || Name == "test_identity_opt";

        public override string ToString() => Name;
    }

    internal static class NodeTestData
    {
        private static readonly Lazy<IReadOnlyList<NodeTestCase>> Index = new Lazy<IReadOnlyList<NodeTestCase>>(LoadIndex);

        /// <summary>Every row of INDEX.tsv (tab separated, first line a header).</summary>
        public static IReadOnlyList<NodeTestCase> Cases => Index.Value;

        private static IReadOnlyList<NodeTestCase> LoadIndex()
        {
            string[] lines = File.ReadAllLines(Path.Combine(TestPaths.OnnxNodeTestsDir, "INDEX.tsv"));
            string[] header = lines[0].Split('\t');
            int Col(string name)
            {
                int i = Array.IndexOf(header, name);
                if (i < 0)
                    throw new InvalidOperationException($"INDEX.tsv has no column '{name}'");
                return i;
            }
            int test = Col("test"), opset = Col("opset"), ir = Col("ir_version"), ops = Col("ops"),
                inputs = Col("inputs"), outputs = Col("outputs"), dataSets = Col("data_sets");
            return lines.Skip(1).Where(l => l.Length > 0).Select(l =>
            {
                string[] c = l.Split('\t');
                return new NodeTestCase
                {
                    Name = c[test], Opset = c[opset], IrVersion = c[ir], Ops = c[ops],
                    Inputs = c[inputs], Outputs = c[outputs], DataSets = c[dataSets],
                };
            }).ToList();
        }
    }
}
