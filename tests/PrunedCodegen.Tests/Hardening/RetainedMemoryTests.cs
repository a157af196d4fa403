using System;
using System.IO;
using Microsoft.CodeAnalysis;
using PrunedCodegen.Generator;
using PrunedCodegen.Tests.Infrastructure;
using Xunit.Abstractions;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Hardening
{
    /// <summary>
    /// Tests that measure the whole process's heap (GC.GetTotalMemory): they run alone, after the parallel tests, since
    /// any test running beside them would count as their growth (8.3 MB once in a full run, 3 KB alone).
    /// </summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class ProcessMemoryCollection
    {
        public const string Name = "Process memory (runs alone)";
    }

    /// <summary>An IDE session that keeps editing does not keep growing (see <see cref="GeneratorCachingTests"/>).</summary>
    [Collection(ProcessMemoryCollection.Name)]
    public class RetainedMemoryTests
    {
        private readonly ITestOutputHelper _output;

        public RetainedMemoryTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public void A_session_of_edits_does_not_grow_the_retained_memory()
        {
            // One driver kept across many runs, as the IDE keeps it; the model changes on every run (so it is read and
            // compiled each time) and a C# file is edited. What stays reachable must not grow with the number of runs.
            string path = GeneratorHarness.WriteTemp(Mlp(64, 128, 10, seed: 5, zeroFraction: 0.5).Build(), "session.onnx");
            var result = GeneratorHarness.Run(new GeneratorHarness.ModelItem(path));
            var driver = result.Driver;
            long Retained()
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                return GC.GetTotalMemory(forceFullCollection: true);
            }
            long afterWarmUp = 0;
            for (int run = 1; run <= 30; run++)
            {
                File.WriteAllBytes(path, Mlp(64, 128, 10, seed: 5 + run, zeroFraction: 0.5).Build());
                var compilation = GeneratorHarness.NewCompilation($"namespace TestApp {{ internal static class Program {{ const int Edit = {run}; }} }}");
                result = GeneratorHarness.Run(new[] { new GeneratorHarness.ModelItem(path) }, compilation: compilation, driver: driver);
                driver = result.Driver;
                Assert.Contains(IncrementalStepRunReason.Modified, GeneratorCachingTests.Reasons(result.RunResult, TrackingNames.Generated));
                if (run == 10) afterWarmUp = Retained();
            }
            long growth = Retained() - afterWarmUp;
            _output.WriteLine($"retained after 10 runs: {afterWarmUp / 1024} KB; growth over the next 20 runs: {growth / 1024} KB");
            GC.KeepAlive(driver);
            Assert.True(growth < 8 * 1024 * 1024, $"retained memory grew by {growth} bytes over 20 runs");
        }
    }
}
