using System;
using System.Collections;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PrunedCodegen.Generator;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Generator
{
    /// <summary>The generator does no work for edits that do not touch a model, and always redoes it when one changes.</summary>
    public class IncrementalTests
    {
        private static (GeneratorHarness.Result First, string Path) FirstRun()
        {
            var path = GeneratorHarness.WriteTemp(Mlp(8, 6, 3, seed: 1, zeroFraction: 0.8).Build(), "tiny.onnx");
            var first = GeneratorHarness.Run(new GeneratorHarness.ModelItem(path));
            Assert.DoesNotContain(first.Diagnostics, d => d.Severity != DiagnosticSeverity.Info);
            return (first, path);
        }

        private static IncrementalStepRunReason[] Reasons(GeneratorDriverRunResult run, string step) =>
            run.Results.Single().TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

        [Fact]
        public void Editing_unrelated_code_reuses_every_cached_step()
        {
            var (first, _) = FirstRun();
            var edited = first.Output.RemoveAllSyntaxTrees().AddSyntaxTrees(
                GeneratorHarness.NewCompilation().SyntaxTrees.Concat(new[] { CSharpSyntaxTree.ParseText("namespace TestApp { class Other { int X => 1; } }", GeneratorHarness.ParseOptions) }));
            var driver = first.Driver.RunGenerators(edited, CancellationToken.None);
            var run = driver.GetRunResult();
            Assert.All(Reasons(run, TrackingNames.ModelInputs), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
            Assert.All(Reasons(run, TrackingNames.Generated), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
            Assert.All(run.Results.Single().TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
                o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        }

        [Fact]
        public void Rereading_an_unchanged_model_does_not_regenerate()
        {
            var (first, path) = FirstRun();
            // New AdditionalText objects for the same file, as the IDE creates them: the bytes are read again,
            // the fingerprint is equal, so code generation is skipped.
            var second = GeneratorHarness.Run(new[] { new GeneratorHarness.ModelItem(path) }, compilation: first.Output, driver: first.Driver);
            Assert.All(Reasons(second.RunResult, TrackingNames.ModelInputs), r => Assert.True(r is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached, r.ToString()));
            Assert.All(Reasons(second.RunResult, TrackingNames.Generated), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        }

        [Fact]
        public void Changing_the_model_file_regenerates()
        {
            var (first, path) = FirstRun();
            string before = first.Sources.Single(s => s.HintName == "TestApp.Tiny.g.cs").Source;
            File.WriteAllBytes(path, Mlp(8, 6, 3, seed: 2, zeroFraction: 0.8).Build());
            var second = GeneratorHarness.Run(new[] { new GeneratorHarness.ModelItem(path) }, compilation: GeneratorHarness.NewCompilation(), driver: first.Driver);
            Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second.RunResult, TrackingNames.ModelInputs));
            Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second.RunResult, TrackingNames.Generated));
            Assert.NotEqual(before, second.Sources.Single(s => s.HintName == "TestApp.Tiny.g.cs").Source);
        }

        [Fact]
        public void The_target_framework_check_reads_the_compilation_without_invalidating_models()
        {
            var (first, _) = FirstRun();
            Assert.Equal(true, first.RunResult.Results.Single().TrackedSteps[TrackingNames.TargetSupported].Single().Outputs.Single().Value);

            // An edit: a new Compilation, the same answer, so the step is Unchanged and nothing downstream reruns.
            var edited = first.Output.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace TestApp { class Edit { } }", GeneratorHarness.ParseOptions));
            var run = first.Driver.RunGenerators(edited, CancellationToken.None).GetRunResult();
            Assert.All(Reasons(run, TrackingNames.TargetSupported), r => Assert.Equal(IncrementalStepRunReason.Unchanged, r));
            Assert.All(Reasons(run, TrackingNames.Generated), r => Assert.Equal(IncrementalStepRunReason.Cached, r));

            // A framework without Vector512 (here: no references at all): the answer changes, the model is not compiled
            // again, and the output becomes PCG0011 instead of source.
            var bare = CSharpCompilation.Create("TestApp", first.Output.SyntaxTrees.Take(1), Array.Empty<MetadataReference>(), (CSharpCompilationOptions)first.Output.Options);
            var driver = first.Driver.RunGeneratorsAndUpdateCompilation(bare, out _, out var diagnostics, CancellationToken.None);
            run = driver.GetRunResult();
            Assert.All(Reasons(run, TrackingNames.TargetSupported), r => Assert.Equal(IncrementalStepRunReason.Modified, r));
            Assert.All(Reasons(run, TrackingNames.Generated), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
            Assert.Equal(PrunedCodegen.Diagnostics.DiagnosticIds.UnsupportedTargetFramework, Assert.Single(diagnostics, d => d.Severity == DiagnosticSeverity.Error).Id);
            Assert.Empty(run.Results.Single().GeneratedSources);
        }

        [Fact]
        public void Pipeline_models_hold_no_compilation_symbols_or_syntax()
        {
            var (first, _) = FirstRun();
            var steps = first.RunResult.Results.Single().TrackedSteps;
            foreach (var name in new[] { TrackingNames.ModelInputs, TrackingNames.Generated })
                foreach (var step in steps[name])
                    foreach (var (value, _) in step.Outputs)
                        AssertPureData(value, name, depth: 0);
        }

        private static void AssertPureData(object? value, string path, int depth)
        {
            if (value == null || depth > 6) return;
            Assert.False(value is Compilation || value is ISymbol || value is SyntaxNode || value is SemanticModel || value is SyntaxTree,
                $"{path} holds a {value.GetType().Name}: it would keep the compilation alive and defeat caching");
            var type = value.GetType();
            if (type.IsPrimitive || value is string || value is byte[] || type.IsEnum) return;
            if (value is IEnumerable items)
            {
                int i = 0;
                foreach (var item in items) AssertPureData(item, $"{path}[{i++}]", depth + 1);
                return;
            }
            foreach (var property in type.GetProperties().Where(p => p.GetIndexParameters().Length == 0))
                AssertPureData(property.GetValue(value), path + "." + property.Name, depth + 1);
        }
    }
}
