using System;
using System.Collections;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PrunedCodegen.Generator;
using PrunedCodegen.Tests.Infrastructure;
using Xunit.Abstractions;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Hardening
{
    /// <summary>
    /// What flows between the generator's steps is small, equatable data; a change to one item redoes only that item;
    /// an IDE session that keeps editing does not keep growing.
    /// </summary>
    public class GeneratorCachingTests
    {
        private readonly ITestOutputHelper _output;

        public GeneratorCachingTests(ITestOutputHelper output) => _output = output;

        private static readonly string[] Steps = { TrackingNames.ModelInputs, TrackingNames.Generated, TrackingNames.TargetSupported };

        internal static IncrementalStepRunReason[] Reasons(GeneratorDriverRunResult run, string step) =>
            run.Results.Single().TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

        private static (string A, string B) TwoModels()
        {
            string a = GeneratorHarness.WriteTemp(Mlp(8, 6, 3, seed: 1, zeroFraction: 0.8).Build(), "alpha.onnx");
            string b = GeneratorHarness.WriteTemp(Mlp(6, 4, 2, seed: 2, zeroFraction: 0.5).Build(), "beta.onnx");
            return (a, b);
        }

        [Fact]
        public void Step_outputs_hold_no_compilation_symbol_syntax_or_bytes_and_only_equatable_collections()
        {
            var (a, b) = TwoModels();
            string broken = GeneratorHarness.WriteTemp(new byte[] { 1, 2, 3 }, "broken.onnx");
            var run = GeneratorHarness.Run(new GeneratorHarness.ModelItem(a), new GeneratorHarness.ModelItem(b), new GeneratorHarness.ModelItem(broken)).RunResult;
            int values = 0;
            foreach (var step in Steps)
                foreach (var output in run.Results.Single().TrackedSteps[step].SelectMany(s => s.Outputs))
                {
                    values++;
                    var type = output.Value.GetType();
                    Assert.True(IsPlainValue(type) || ImplementsEquatable(type), $"{step} outputs a {type.Name}, which has no value equality: the step can never be Cached");
                    AssertPureData(output.Value, step, equatableOwner: false, depth: 0);
                }
            Assert.True(values >= 7, $"only {values} step outputs walked");
        }

        private static bool IsPlainValue(Type type) => type.IsPrimitive || type.IsEnum || type == typeof(string);

        private static bool ImplementsEquatable(Type type) => type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEquatable<>) && i.GetGenericArguments()[0] == type);

        private static void AssertPureData(object? value, string path, bool equatableOwner, int depth)
        {
            if (value == null) return;
            Assert.True(depth < 8, $"{path}: nested too deep to be plain data");
            Assert.False(value is Compilation || value is ISymbol || value is SyntaxNode || value is SemanticModel || value is SyntaxTree || value is AdditionalText,
                $"{path} holds a {value.GetType().Name}: it would keep the compilation alive and defeat caching");
            Assert.False(value is byte[], $"{path} holds a byte[] ({(value as byte[])?.Length} bytes): model bytes must not live in the pipeline's cache");
            var type = value.GetType();
            if (IsPlainValue(type)) return;
            if (value is IEnumerable items)
            {
                // A collection compares by reference unless the type that holds it compares it element by element.
                Assert.True(equatableOwner, $"{path} is a {type.Name} not wrapped in an equatable type");
                int i = 0;
                foreach (var item in items) AssertPureData(item, $"{path}[{i++}]", equatableOwner: false, depth + 1);
                return;
            }
            bool equatable = ImplementsEquatable(type);
            foreach (var property in type.GetProperties().Where(p => p.GetIndexParameters().Length == 0))
                AssertPureData(property.GetValue(value), path + "." + property.Name, equatable, depth + 1);
        }

        [Fact]
        public void Changing_one_items_metadata_regenerates_only_that_model()
        {
            var (a, b) = TwoModels();
            var first = GeneratorHarness.Run(new GeneratorHarness.ModelItem(a), new GeneratorHarness.ModelItem(b));
            string alpha = first.Source("TestApp.Alpha.g.cs");
            var second = GeneratorHarness.Run(new[] { new GeneratorHarness.ModelItem(a), new GeneratorHarness.ModelItem(b, Kernel: "sparse") },
                compilation: first.Output, driver: first.Driver);
            var generated = second.RunResult.Results.Single().TrackedSteps[TrackingNames.Generated].SelectMany(s => s.Outputs).ToList();
            Assert.Equal(2, generated.Count);
            var reasons = generated.Select(o => (((dynamic)o.Value).HintName as string, o.Reason)).ToDictionary(p => p.Item1!, p => p.Reason);
            Assert.True(reasons["TestApp.Alpha.g.cs"] is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, reasons["TestApp.Alpha.g.cs"].ToString());
            Assert.Equal(IncrementalStepRunReason.Modified, reasons["TestApp.Beta.g.cs"]);
            Assert.Equal(alpha, second.Source("TestApp.Alpha.g.cs"));
            Assert.Contains("sparse rows", second.Source("TestApp.Beta.g.cs"));
        }

        [Fact]
        public void Adding_an_unrelated_additional_file_regenerates_nothing()
        {
            // As the IDE does it: the driver keeps the AdditionalText objects it has and gets one more (a text file that
            // is not a PrunedModel). Only that file's entry is new; the models' steps are Cached and nothing is compiled.
            var (a, b) = TwoModels();
            var first = GeneratorHarness.Run(new GeneratorHarness.ModelItem(a), new GeneratorHarness.ModelItem(b));
            string notes = GeneratorHarness.WriteTemp(new byte[] { (byte)'h', (byte)'i' }, "notes.txt");
            var driver = first.Driver.AddAdditionalTexts(System.Collections.Immutable.ImmutableArray.Create<AdditionalText>(new UnreadableText(notes)))
                .RunGenerators(first.Output, CancellationToken.None);
            var run = driver.GetRunResult();
            _output.WriteLine("ModelInputs: " + string.Join(",", Reasons(run, TrackingNames.ModelInputs)) + "; Generated: " + string.Join(",", Reasons(run, TrackingNames.Generated)));
            Assert.All(Reasons(run, TrackingNames.ModelInputs), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
            Assert.Equal(2, Reasons(run, TrackingNames.Generated).Length);
            Assert.All(Reasons(run, TrackingNames.Generated), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
            Assert.Equal(first.Sources.Select(s => s.Source), run.Results.Single().GeneratedSources.Select(s => s.SourceText.ToString()));
        }

        /// <summary>An additional file whose text must not be read (the generator has no business with a non-model file).</summary>
        private sealed class UnreadableText : AdditionalText
        {
            public UnreadableText(string path) => Path = path;

            public override string Path { get; }

            public override Microsoft.CodeAnalysis.Text.SourceText? GetText(CancellationToken cancellationToken = default) =>
                throw new InvalidOperationException("the generator read an additional file that is not a model");
        }
    }
}
