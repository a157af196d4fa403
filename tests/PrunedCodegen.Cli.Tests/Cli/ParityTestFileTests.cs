using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Cli.Tests.Infrastructure;

namespace PrunedCodegen.Cli.Tests.Cli
{
    /// <summary>
    /// pcg generate --test: the written xunit file compiles with the generated model and xunit, its tests pass, a
    /// wrong expected value makes them fail, and its expected values are ONNX Runtime's (the reference it pins is right).
    /// </summary>
    public class ParityTestFileTests
    {
        private static (string Model, string Kernels, string Tests) Generate(string dir, params string[] extra)
        {
            string model = Path.Combine(dir, "DigitsModel.g.cs"), tests = Path.Combine(dir, "DigitsModelParityTests.cs");
            var r = PcgRunner.Run(new[] { "generate", Fixtures.PrunedModel, "-o", model, "--class", "DigitsModel", "--namespace", "Demo.App", "--test", tests }
                .Concat(extra).ToArray());
            Assert.True(r.ExitCode == 0, r.Error);
            Assert.Contains("parity tests in", r.Output);
            return (File.ReadAllText(model), File.ReadAllText(Path.Combine(dir, ModelCompiler.KernelsHintName)), File.ReadAllText(tests));
        }

        /// <summary>Compiles the three files as a user's test project would and runs every test method; returns the failures.</summary>
        private static string[] RunTests(string model, string kernels, string tests)
        {
            var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
                .Where(p => Path.GetFileName(p).StartsWith("System", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
                .Concat(new[] { typeof(Assert).Assembly.Location, typeof(FactAttribute).Assembly.Location, typeof(Xunit.Abstractions.ITestOutputHelper).Assembly.Location })
                .Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
            var parse = new CSharpParseOptions(LanguageVersion.CSharp12);
            var compilation = CSharpCompilation.Create("ParityCheck" + Guid.NewGuid().ToString("N"),
                new[] { model, kernels, tests }.Select((s, i) => CSharpSyntaxTree.ParseText(s, parse, path: $"F{i}.cs", encoding: Encoding.UTF8)), references,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, optimizationLevel: OptimizationLevel.Release));
            using var pe = new MemoryStream();
            var emit = compilation.Emit(pe);
            Assert.True(emit.Success, string.Join("\n", emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(5)));
            pe.Position = 0;
            var context = new AssemblyLoadContext("parity", isCollectible: true);
            try
            {
                var type = context.LoadFromStream(pe).GetType("Demo.App.ParityTests.DigitsModelParityTests", throwOnError: true)!;
                object instance = Activator.CreateInstance(type)!;
                var samples = ((System.Collections.IEnumerable)type.GetProperty("Samples")!.GetValue(null)!).Cast<object[]>().Select(a => (int)a[0]).ToArray();
                Assert.NotEmpty(samples);
                var failures = new System.Collections.Generic.List<string>();
                void Invoke(string name, params object[] args)
                {
                    try { type.GetMethod(name)!.Invoke(instance, args); }
                    catch (TargetInvocationException e) { failures.Add($"{name}({string.Join(",", args)}): {e.InnerException!.Message}"); }
                }
                foreach (int s in samples) Invoke("Predict_matches_the_reference", s);
                Invoke("PredictBatch_matches_the_reference");
                return failures.ToArray();
            }
            finally
            {
                context.Unload();
            }
        }

        private static float[] ExpectedValues(string tests)
        {
            string block = tests.Substring(tests.IndexOf("Expected =", StringComparison.Ordinal));
            block = block.Substring(0, block.IndexOf("};", StringComparison.Ordinal));
            return Regex.Matches(block, @"(-?[0-9][0-9.E+\-]*)f").Select(m => float.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }

        [Fact]
        public void The_parity_file_compiles_passes_and_pins_ONNX_Runtimes_outputs()
        {
            var (model, kernels, tests) = Generate(Fixtures.TempDir(), "--test-data", Fixtures.TestCsv, "--test-samples", "5");
            Assert.Empty(RunTests(model, kernels, tests));

            // The training engine's expected values are ONNX Runtime's, to the file's tolerance.
            var (pixels, _) = Fixtures.TestSet();
            float[] ort = Ort.Run(File.ReadAllBytes(Fixtures.PrunedModel), pixels.Take(5 * 64).ToArray(), 5, 64);
            float[] expected = ExpectedValues(tests);
            Assert.Equal(ort.Length, expected.Length);
            for (int i = 0; i < ort.Length; i++)
                Assert.True(Math.Abs(ort[i] - expected[i]) <= 1e-4 + 1e-3 * Math.Abs(ort[i]), $"output {i}: ORT {ort[i]}, file {expected[i]}");

            // A wrong expected value fails both tests (the file's tests can fail).
            int at = tests.IndexOf("Expected =", StringComparison.Ordinal);
            var m = Regex.Match(tests.Substring(at), @"(-?[0-9][0-9.E+\-]*)f");
            string broken = tests.Substring(0, at + m.Index) + "12345f" + tests.Substring(at + m.Index + m.Length);
            var failures = RunTests(model, kernels, broken);
            Assert.Equal(2, failures.Length);
            Assert.Contains(failures, f => f.StartsWith("Predict_matches_the_reference(0)", StringComparison.Ordinal) && f.Contains("expected 12345"));
        }

        [Fact]
        public void Without_data_the_samples_are_seeded_and_the_file_is_the_same_every_time()
        {
            var first = Generate(Fixtures.TempDir(), "--test-samples", "3");
            var second = Generate(Fixtures.TempDir(), "--test-samples", "3");
            Assert.Equal(first.Tests, second.Tests);
            Assert.Contains("seed 0", first.Tests);
            Assert.Empty(RunTests(first.Model, first.Kernels, first.Tests));
        }

        [Fact]
        public void Bad_test_requests_are_refused_before_anything_is_written()
        {
            string dir = Fixtures.TempDir();
            string model = Path.Combine(dir, "M.g.cs");
            Assert.Equal(ExitCodes.Usage, PcgRunner.Run("generate", Fixtures.PrunedModel, "-o", model, "--test-data", Fixtures.TestCsv).ExitCode);
            Assert.Equal(ExitCodes.Usage, PcgRunner.Run("generate", Fixtures.PrunedModel, "-o", model, "--test", model).ExitCode);
            Assert.Equal(ExitCodes.Usage, PcgRunner.Run("generate", Fixtures.PrunedModel, "-o", model, "--test", Path.Combine(dir, "T.cs"), "--test-samples", "0").ExitCode);
            string narrow = Path.Combine(dir, "narrow.csv");
            File.WriteAllText(narrow, "label,a,b\n1,2,3\n");
            Assert.Equal(ExitCodes.BadData, PcgRunner.Run("generate", Fixtures.PrunedModel, "-o", model, "--test", Path.Combine(dir, "T.cs"), "--test-data", narrow).ExitCode);
            Assert.Equal(new[] { narrow }, Directory.GetFiles(dir));
        }
    }
}
