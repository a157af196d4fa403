using System;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Tests.Infrastructure;

namespace PrunedCodegen.Tests.Conformance
{
    /// <summary>
    /// Every node-test model, as stored, through the real Roslyn generator in one driver run (the conformance theory calls
    /// ModelCompiler.Compile, which the generator wraps): the generator never throws, adds a class exactly for the models
    /// that ModelCompiler compiles, and reports each refusal as PCG errors located at the model file.
    /// </summary>
    public sealed class NodeGeneratorTests
    {
        [Fact]
        public void Every_folder_through_the_roslyn_generator()
        {
            var names = NodeTestCase.AllNames();
            var items = names.Select((n, i) => new GeneratorHarness.ModelItem(Path.Combine(NodeTestCase.FolderOf(n), "model.onnx"), "M" + i, "NodeTests")).ToList();
            var result = GeneratorHarness.Run(items);

            Assert.All(result.RunResult.Results, r => Assert.Null(r.Exception));
            var hints = result.Sources.Select(s => s.HintName).ToHashSet(StringComparer.Ordinal);
            var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.All(errors, d => Assert.StartsWith("PCG", d.Id, StringComparison.Ordinal));

            for (int i = 0; i < names.Count; i++)
            {
                var compiled = ModelCompiler.Compile(File.ReadAllBytes(items[i].Path), new CompileOptions("M" + i, "NodeTests", "model.onnx"));
                string path = items[i].Path;
                int generatorErrors = errors.Count(d => d.Location.GetLineSpan().Path == path);
                int compileErrors = compiled.Diagnostics.Count(d => d.Severity == PcgSeverity.Error);
                Assert.True(compiled.Succeeded == hints.Contains($"NodeTests.M{i}.g.cs"),
                    $"{names[i]}: ModelCompiler {(compiled.Succeeded ? "compiled" : "refused")} it, the generator did not agree");
                Assert.True(generatorErrors == compileErrors, $"{names[i]}: {compileErrors} error(s) from ModelCompiler, {generatorErrors} from the generator");
            }
        }
    }
}
