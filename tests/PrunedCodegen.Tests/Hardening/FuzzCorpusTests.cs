using System;
using System.IO;
using System.Linq;
using PrunedCodegen.Fuzz;
using PrunedCodegen.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PrunedCodegen.Tests.Hardening
{
    /// <summary>
    /// The committed fuzz corpus (tests/fuzz-corpus: a minimised set of the inputs AFL++ found interesting, plus every
    /// input that once broke a rule, under regressions/) replayed through the fuzz target on every test run: the short
    /// smoke run of the fuzzer that CI affords.
    /// </summary>
    public class FuzzCorpusTests
    {
        private readonly ITestOutputHelper _output;

        public FuzzCorpusTests(ITestOutputHelper output) => _output = output;

        public static string CorpusDir => Path.Combine(TestPaths.RepoRoot, "tests", "fuzz-corpus");

        [Fact]
        public void Every_committed_fuzz_input_ends_in_code_or_a_PCG_diagnostic()
        {
            var files = Directory.EnumerateFiles(CorpusDir, "*", SearchOption.AllDirectories)
                .Where(f => !f.EndsWith(".md", StringComparison.Ordinal)).OrderBy(f => f, StringComparer.Ordinal).ToList();
            Assert.True(files.Count >= 20, $"only {files.Count} files in {CorpusDir}");
            var outcomes = files.Select(f =>
            {
                try { return FuzzTarget.Run(File.ReadAllBytes(f)); }
                catch (Exception e) { throw new Xunit.Sdk.XunitException($"{Path.GetRelativePath(CorpusDir, f)}: {e}"); }
            }).GroupBy(o => o).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
            _output.WriteLine($"{files.Count} inputs: {string.Join(", ", outcomes)}");
        }
    }
}
