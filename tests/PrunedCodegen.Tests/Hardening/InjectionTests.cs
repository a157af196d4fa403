using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using PrunedCodegen.Tests.Models;
using Xunit.Abstractions;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Hardening
{
    /// <summary>
    /// Property tests: random hostile strings (fixed seed) in every text field an ONNX model carries. The generated
    /// source stays printable ASCII plus newlines (no control, line-separator, bidi or zero-width character from the
    /// model reaches it), parses without errors, declares nothing the model named, and a sample behaves exactly as the
    /// plain-named model. Diagnostics about hostile models are printable ASCII as well.
    /// </summary>
    public class InjectionTests
    {
        private const int Cases = 60;
        private const int CompiledCases = 4;

        private readonly ITestOutputHelper _output;

        public InjectionTests(ITestOutputHelper output) => _output = output;

        private static readonly string[] Fragments =
        {
            "\"", "\\", "'", "*/", "/*", "//", "#if false", "#endregion", "\n", "\r\n", "\r", "\u2028", "\u2029", "\u0085", "\u202E", "\u202A",
            "\u2066", "\u200B", "\uFEFF", "\0", "\t", "\u001B[31m", "class", "namespace", "static", "@this", "{0}", "}}", "<summary>", "&amp;",
            "]]>", "System.Environment.Exit(1);", "\uD800", "\uDFFF", "\U0001F600", "Ω", "İı", "x", "_", "-", " ", "0",
        };

        private static string Hostile(Random random)
        {
            var sb = new StringBuilder();
            for (int i = random.Next(1, 8); i > 0; i--) sb.Append(Fragments[random.Next(Fragments.Length)]);
            if (random.Next(10) == 0) sb.Append('y', 3000 + random.Next(3000)); // very long
            return sb.ToString();
        }

        /// <summary>The MLP with hostile text in every field: names of the graph, nodes, inputs, outputs, intermediates and
        /// initializers; doc strings of the model, graph, nodes, values and tensors; metadata; producer; model domain; an
        /// opset import of a hostile custom domain. <paramref name="h"/> gives a fresh string for each field.</summary>
        private static byte[] HostileModel(Func<string> h, out string inputName)
        {
            var m = Mlp(6, 5, 3, seed: 5, zeroFraction: 0.5).Model;
            var g = m.Graph!;
            inputName = h();
            var renames = new Dictionary<string, string> { ["x"] = inputName, ["y"] = h(), ["h"] = h(), ["hr"] = h(), ["W1"] = h(), ["b1"] = h(), ["W2"] = h(), ["b2"] = h() };
            // Distinct names stay distinct (two fields may draw the same string).
            int k = 0;
            foreach (var key in renames.Keys.ToList()) renames[key] = renames[key] + "#" + (k++).ToString(CultureInfo.InvariantCulture);
            foreach (var v in g.Inputs.Concat(g.Outputs).Concat(g.ValueInfos)) { v.Name = renames.GetValueOrDefault(v.Name, v.Name); v.DocString = h(); }
            foreach (var t in g.Initializers) { t.Name = renames[t.Name]; t.DocString = h(); }
            foreach (var n in g.Nodes)
            {
                for (int i = 0; i < n.Inputs.Count; i++) n.Inputs[i] = renames.GetValueOrDefault(n.Inputs[i], n.Inputs[i]);
                for (int i = 0; i < n.Outputs.Count; i++) n.Outputs[i] = renames.GetValueOrDefault(n.Outputs[i], n.Outputs[i]);
                n.Name = h();
                n.DocString = h();
            }
            inputName = renames["x"];
            g.Name = h();
            g.DocString = h();
            m.DocString = h();
            m.Domain = h();
            m.ProducerName = h();
            m.ProducerVersion = h();
            m.MetadataProps.Add(new KeyValuePair<string, string>(h(), h()));
            m.OpsetImports.Add(new OnnxOpsetImport { Domain = h(), Version = 1 });
            return OnnxWriter.Write(m);
        }

        private static void AssertPrintable(string text, string what)
        {
            for (int i = 0; i < text.Length; i++)
                Assert.True(text[i] == '\n' || (text[i] >= ' ' && text[i] <= '~'), $"{what}: raw U+{(int)text[i]:X4} at offset {i}");
        }

        [Fact]
        public void Hostile_text_in_every_field_cannot_reach_the_program()
        {
            var random = new Random(4242);
            var x = CompiledModel.RandomInput(6 * 5, 9);
            var expected = CompiledModel.Load(Mlp(6, 5, 3, seed: 5, zeroFraction: 0.5).Build()).PredictBatch(5, x)[0];
            for (int c = 0; c < Cases; c++)
            {
                byte[] onnx = HostileModel(() => Hostile(random), out string inputName);
                var result = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", Hostile(random) + ".onnx"));
                Assert.True(result.Succeeded, $"case {c}: " + string.Join("; ", result.Diagnostics));
                AssertPrintable(result.Source!, $"case {c} source");
                foreach (var d in result.Diagnostics) AssertPrintable(d.Message, $"case {c} diagnostic");

                var tree = CSharpSyntaxTree.ParseText(result.Source!, GeneratorHarness.ParseOptions);
                Assert.Empty(tree.GetDiagnostics());
                var root = tree.GetRoot();
                // Code is only what we emit: the single class, its constants, methods and weights, nothing named by the model.
                Assert.DoesNotContain("Environment", root.DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax>().Select(n => n.Identifier.Text));
                Assert.Single(root.DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax>());
                Assert.DoesNotContain(root.DescendantTrivia(), t => t.IsKind(SyntaxKind.IfDirectiveTrivia) || t.IsKind(SyntaxKind.DefineDirectiveTrivia) || t.IsKind(SyntaxKind.EndRegionDirectiveTrivia));

                if (c < CompiledCases)
                {
                    var model = CompiledModel.Load(onnx);
                    Assert.Equal(expected, model.PredictBatch(5, x)[0]);
                    // The name survives, escaped, in the metadata: as stored in the file (UTF-8 turns a lone surrogate into U+FFFD).
                    Assert.Equal(OnnxReader.Read(onnx).Graph!.Inputs[0].Name, model.InputNames[0]);
                }
            }
        }

        [Fact]
        public void Diagnostics_about_hostile_models_are_printable()
        {
            var random = new Random(99);
            var ids = new HashSet<string>();
            for (int c = 0; c < 40; c++)
            {
                string h = Hostile(random);
                byte[] onnx = (c % 4) switch
                {
                    0 => new ModelBuilder().Input(h, null, 3).Output("y", null, 3).Node(h, new[] { h }, new[] { "y" }, h).Build(),          // unknown op
                    1 => new ModelBuilder().Input("x", null, 3).Output(h, null, 3).Node("Relu", new[] { "x" }, new[] { "z" }, h).Build(),    // output not produced
                    2 => new ModelBuilder().Input("x", null, 3).Output("y", null, 3).Node("Relu", new[] { h }, new[] { "y" }, h).Build(),    // undefined input
                    _ => new ModelBuilder().Input("x", null, 3).Output("y", null, 3).Node("Relu", new[] { "x" }, new[] { "y" }, h, new OnnxAttribute { Name = h, Type = OnnxAttributeType.Int, I = 1 }).Build(),
                };
                var result = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", h + ".onnx"));
                var error = Assert.Single(result.Diagnostics, d => d.Severity == PcgSeverity.Error);
                Assert.NotEqual(DiagnosticIds.InternalError, error.Id);
                AssertPrintable(error.Message, $"case {c}");
                AssertPrintable(error.Title, $"case {c}");
                ids.Add(error.Id);
            }
            Assert.True(ids.Count >= 2, string.Join(",", ids));
        }

        [Fact]
        public void Generator_output_is_identical_under_fi_FI_ar_SA_and_tr_TR()
        {
            string path = GeneratorHarness.WriteTemp(System.IO.File.ReadAllBytes(CompiledModel.Fixture("activations", "mlp_activations.onnx")), "istanbul_model.onnx");
            var original = CultureInfo.CurrentCulture;
            var sources = new List<IReadOnlyList<(string, string)>>();
            try
            {
                foreach (var culture in new[] { "", "fi-FI", "ar-SA", "tr-TR" })
                {
                    CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(culture);
                    sources.Add(GeneratorHarness.Run(new GeneratorHarness.ModelItem(path, Kernel: "SPARSE", LayerKernels: "0=DENSE")).Sources);
                }
            }
            finally
            {
                CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = original;
            }
            Assert.Equal(2, sources[0].Count);
            foreach (var s in sources.Skip(1)) Assert.Equal(sources[0], s);
            Assert.Contains("class IstanbulModel", sources[0].Single(s => s.Item1.EndsWith("IstanbulModel.g.cs", StringComparison.Ordinal)).Item2);
        }
    }
}
