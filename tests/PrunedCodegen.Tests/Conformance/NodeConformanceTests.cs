using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using PrunedCodegen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PrunedCodegen.Tests.Conformance
{
    /// <summary>
    /// The ONNX backend node tests (shared/onnx-node-tests) through ModelCompiler, one test case per folder, plus a
    /// summary. A folder passes when its outputs match within atol 1e-4 + rtol 1e-4; an "unsupported" refusal
    /// (PCG0004/5/6/9) is accepted unless the folder only uses supported ops and float data, or has non-float values
    /// and the refusal is not PCG0005; a crash always fails, and so does a folder listed in Conformance/Baseline (it
    /// passed before) that no longer passes. Set PCG_WRITE_OP_TABLE=1 to rewrite docs/op-support.md and the baseline.
    /// </summary>
    public sealed class NodeConformanceTests
    {
        public const string WriteTableVariable = "PCG_WRITE_OP_TABLE";

        private readonly ITestOutputHelper _output;

        public NodeConformanceTests(ITestOutputHelper output) => _output = output;

        public static IEnumerable<object[]> Folders() => NodeTestCase.AllNames().Select(name => new object[] { name });

        [Theory]
        [MemberData(nameof(Folders))]
        public void Node(string folder)
        {
            NodeOutcome outcome = NodeConformance.Run(folder);
            _output.WriteLine($"{folder} [{outcome.OpsKey}]: {outcome.Kind}{(outcome.ExpectedToPass ? " (expected to pass)" : "")}");
            _output.WriteLine(outcome.Detail);

            if (ConformanceBaseline.Passed.TryGetValue(folder, out string? file))
            {
                Assert.True(outcome.Kind == NodeOutcomeKind.Passed,
                    $"{folder} passed before (Conformance/Baseline/{file}) and now ends {outcome.Kind}:{Environment.NewLine}{outcome.Detail}");
            }

            switch (outcome.Kind)
            {
                case NodeOutcomeKind.Passed:
                    break;
                case NodeOutcomeKind.Unsupported:
                    Assert.False(outcome.ExpectedToPass,
                        $"{folder} uses only supported ops and float data, but Compile refused it:{Environment.NewLine}{outcome.Detail}");
                    break;
                case NodeOutcomeKind.Crashed:
                    Assert.Fail($"{folder}: {outcome.Detail}");
                    break;
                default:
                    Assert.Fail($"{folder}: {outcome.Detail}");
                    break;
            }
        }

        [Fact]
        public void Summary()
        {
            var outcomes = NodeTestCase.AllNames().Select(NodeConformance.Run).ToList();
            string table = NodeConformance.FormatTable(outcomes);
            string line = NodeConformance.SummaryLine(outcomes);
            _output.WriteLine(table);
            _output.WriteLine(line);

            if (Environment.GetEnvironmentVariable(WriteTableVariable) == "1")
            {
                string path = Path.Combine(TestPaths.RepoRoot, "docs", "op-support.md");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, Document(table, line), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                _output.WriteLine("wrote " + path);
                ConformanceBaseline.Write(outcomes);
                _output.WriteLine("wrote the passing folders to " + ConformanceBaseline.Directory);
            }

            var crashed = outcomes.Where(o => o.Kind == NodeOutcomeKind.Crashed).ToList();
            var missing = outcomes.Where(o => o.ExpectedToPass && o.Kind != NodeOutcomeKind.Passed).ToList();
            var problems = new StringBuilder();
            if (crashed.Count > 0)
            {
                problems.AppendLine($"{crashed.Count} folder(s) crashed ModelCompiler.Compile: {string.Join(", ", crashed.Select(o => o.Folder))}");
            }
            if (missing.Count > 0)
            {
                problems.AppendLine($"{missing.Count} folder(s) with only supported ops and float data did not pass:");
                foreach (var o in missing) problems.AppendLine($"  {o.Folder} [{o.OpsKey}]: {o.Kind}: {FirstLine(o.Detail)}");
            }
            var regressions = outcomes.Where(o => o.Kind != NodeOutcomeKind.Passed && ConformanceBaseline.Passed.ContainsKey(o.Folder)).ToList();
            if (regressions.Count > 0)
            {
                problems.AppendLine($"{regressions.Count} folder(s) that passed before (Conformance/Baseline) no longer pass:");
                foreach (var o in regressions) problems.AppendLine($"  {o.Folder} [{o.OpsKey}]: {o.Kind}: {FirstLine(o.Detail)}");
            }
            var unrecorded = outcomes.Where(o => o.Kind == NodeOutcomeKind.Passed && !ConformanceBaseline.Passed.ContainsKey(o.Folder)).ToList();
            if (unrecorded.Count > 0)
            {
                problems.AppendLine($"{unrecorded.Count} folder(s) pass but are not in Conformance/Baseline (run with {WriteTableVariable}=1 to record them): " +
                    string.Join(", ", unrecorded.Select(o => o.Folder)));
            }
            var unknown = ConformanceBaseline.Passed.Keys.Where(f => !outcomes.Any(o => o.Folder == f)).ToList();
            if (unknown.Count > 0)
            {
                problems.AppendLine($"{unknown.Count} baseline folder(s) are missing from {NodeTestCase.Root} and {NodeTestCase.MoreRoot}: {string.Join(", ", unknown)}");
            }
            if (problems.Length > 0) Assert.Fail(line + Environment.NewLine + problems);
        }

        private static string FirstLine(string text)
        {
            int end = text.IndexOfAny(new[] { '\r', '\n' });
            return end < 0 ? text : text.Substring(0, end);
        }

        private static string Document(string table, string line) =>
            "# Operator support (ONNX backend node tests)\n\n" +
            "Generated by `NodeConformanceTests.Summary` from the ONNX backend node tests in `shared/onnx-node-tests` and\n" +
            "`shared/onnx-node-tests-more` " +
            "(run the tests with `PCG_WRITE_OP_TABLE=1` to refresh). Each row counts the test folders whose graph uses\n" +
            "exactly that op (or that set of ops, for function-expanded variants). *passed*: the generated C# matched the\n" +
            "expected outputs within atol 1e-4 + rtol 1e-4; *failed*: it did not, or failed to build or run; *unsupported*:\n" +
            "the generator declined the model with a diagnostic (unsupported op or data type, unknown shape, invalid node).\n" +
            "The folders that pass are also listed in `tests/PrunedCodegen.Tests/Conformance/Baseline/` (one file per row);\n" +
            "the test fails when one of them stops passing.\n\n" +
            table + "\n" + line + "\n";
    }
}
