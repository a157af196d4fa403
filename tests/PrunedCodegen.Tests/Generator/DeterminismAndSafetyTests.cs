using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using PrunedCodegen.Tests.Models;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Generator
{
    /// <summary>Generated code is byte-identical everywhere, and nothing from a model file can change a program.</summary>
    public class DeterminismAndSafetyTests
    {
        private static string Compile(byte[] onnx) =>
            ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx")).Source!;

        [Fact]
        public void Source_is_byte_identical_across_runs_and_cultures()
        {
            byte[] onnx = File.ReadAllBytes(CompiledModel.Fixture("activations", "mlp_activations.onnx"));
            // Odd float values too: -0, subnormals, NaN, infinities, huge and tiny magnitudes.
            var odd = new float[] { -0f, 1e-45f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 3.4028235e38f, -1.17549435e-38f, 0.1f };
            byte[] oddModel = new ModelBuilder().Input("x", null, 8).Output("y", null, 8)
                .Initializer("c", new long[] { 8 }, odd).Node("Add", new[] { "x", "c" }, new[] { "y" }).Build();

            string reference = Compile(onnx), oddReference = Compile(oddModel);
            var original = CultureInfo.CurrentCulture;
            try
            {
                foreach (var culture in new[] { "fi-FI", "ar-SA", "tr-TR", "de-DE", "fa-IR" })
                {
                    CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(culture);
                    Assert.Equal(reference, Compile(onnx));
                    Assert.Equal(oddReference, Compile(oddModel));
                }
            }
            finally
            {
                CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = original;
            }
            Assert.DoesNotContain("\u2212", reference);   // Finnish minus sign
            Assert.DoesNotContain("\r", reference);
            Assert.DoesNotContain(Path.GetTempPath(), reference);
            Assert.DoesNotContain(TestPaths.RepoRoot, reference);
        }

        [Fact]
        public void Float_literals_round_trip_exactly_including_special_values()
        {
            var odd = new float[] { -0f, 1e-45f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 3.4028235e38f, -1.17549435e-38f, 0.1f, 16777217f, 1f / 3f };
            var onnx = new ModelBuilder().Input("x", null, odd.Length).Output("y", null, odd.Length)
                .Initializer("c", new long[] { odd.Length }, odd).Node("Add", new[] { "x", "c" }, new[] { "y" }).Build();
            var y = CompiledModel.Load(onnx).Predict(new float[odd.Length])[0];
            // 0 + c == c bit for bit, except that 0 + -0 is +0 in IEEE arithmetic.
            for (int i = 0; i < odd.Length; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits(odd[i] == 0 ? 0f : odd[i]) , BitConverter.SingleToInt32Bits(float.IsNaN(y[i]) ? odd[i] : y[i]));
            Assert.True(float.IsNaN(y[2]));
        }

        [Fact]
        public void Generator_output_does_not_depend_on_the_order_of_AdditionalFiles()
        {
            var a = GeneratorHarness.WriteTemp(Mlp(8, 4, 2, seed: 1).Build(), "alpha.onnx");
            var b = GeneratorHarness.WriteTemp(Mlp(6, 3, 2, seed: 2).Build(), "beta.onnx");
            var forward = GeneratorHarness.Run(new GeneratorHarness.ModelItem(a), new GeneratorHarness.ModelItem(b));
            var backward = GeneratorHarness.Run(new GeneratorHarness.ModelItem(b), new GeneratorHarness.ModelItem(a));
            Assert.Equal(forward.Sources, backward.Sources);
            Assert.Equal(3, forward.Sources.Count);
        }

        public static TheoryData<string> HostileNames => new TheoryData<string>
        {
            "\"; System.Environment.Exit(1); //",
            "*/ System.Environment.Exit(2); /*",
            "line\nbreak\r\nSystem.Environment.Exit(3);",
            "sep\u2028System.Environment.Exit(4);\u2029",
            "bidi\u202Eevil\u202C",
            "#if false",
            "class",
            "{0}{{}}\\",
            "<summary>&amp;</summary>",
            new string('x', 5000),
            "",
        };

        [Theory]
        [MemberData(nameof(HostileNames))]
        public void Hostile_names_and_strings_cannot_change_the_program(string hostile)
        {
            byte[] plain = Mlp(6, 5, 3, seed: 5, zeroFraction: 0.5).Build();

            // The same model with the hostile text in every place a model can carry text.
            var builder = Mlp(6, 5, 3, seed: 5, zeroFraction: 0.5);
            var m = builder.Model;
            var g = m.Graph!;
            string input = hostile.Length == 0 ? "in" : hostile, output = hostile + "_out", hidden = hostile + "-h";
            Rename(g, "x", input);
            Rename(g, "y", output);
            Rename(g, "h", hidden);
            Rename(g, "W1", hostile + "W1");
            foreach (var node in g.Nodes) { node.Name = hostile; node.DocString = hostile; }
            g.Name = hostile;
            g.DocString = hostile;
            m.DocString = hostile;
            m.ProducerName = hostile;
            m.ProducerVersion = hostile;
            m.MetadataProps.Add(new System.Collections.Generic.KeyValuePair<string, string>(hostile, hostile));
            byte[] hostileModel = OnnxWriter.Write(m);

            var result = ModelCompiler.Compile(hostileModel, new CompileOptions("Model", "Tests", hostile + ".onnx"));
            Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
            // Every line is either code we wrote or a comment; no model text breaks out of a comment or literal.
            var tree = CSharpSyntaxTree.ParseText(result.Source!, GeneratorHarness.ParseOptions);
            Assert.Empty(tree.GetDiagnostics());
            Assert.DoesNotContain("Environment", tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax>().Select(n => n.Identifier.Text));
            Assert.DoesNotContain(result.Source!, c => c == '\u2028' || c == '\u2029' || c == '\u202E' || c == '\r');

            var x = CompiledModel.RandomInput(6 * 4, 9);
            var expected = CompiledModel.Load(plain).PredictBatch(4, x)[0];
            var actual = CompiledModel.Load(hostileModel).PredictBatch(4, x)[0];
            Assert.Equal(expected, actual);
            // The original names survive, escaped, in the metadata.
            Assert.Equal(input, CompiledModel.Load(hostileModel).InputNames[0]);
        }

        [Fact]
        public void Names_that_collide_after_sanitising_get_unique_identifiers()
        {
            var onnx = new ModelBuilder().Input("a-b", null, 3).Input("a_b", null, 3).Input("A B", null, 3)
                .Output("out", null, 3).Output("Out", null, 3)
                .Node("Add", new[] { "a-b", "a_b" }, new[] { "s" })
                .Node("Add", new[] { "s", "A B" }, new[] { "out" })
                .Node("Relu", new[] { "out" }, new[] { "Out" }).Build();
            var model = CompiledModel.Load(onnx);
            var y = model.PredictBatch(2, new float[] { 1, 2, 3, 4, 5, 6 }, new float[] { 1, 1, 1, 1, 1, 1 }, new float[] { -10, 0, 0, 0, 0, 0 });
            Assert.Equal(new float[] { -8, 3, 4, 5, 6, 7 }, y[0]);
            Assert.Equal(new float[] { 0, 3, 4, 5, 6, 7 }, y[1]);
        }

        [Theory]
        [InlineData("App.Kernels", "Model")]
        [InlineData("PrunedCodegen", "Kernels")]
        [InlineData("App.System", "Model")]
        public void Generated_code_is_not_captured_by_user_names(string ns, string className)
        {
            // The emitted code names the runtime kernels with global::, so a user namespace or class called
            // Kernels (or a model in namespace System) cannot change what it binds to.
            var onnx = Mlp(6, 5, 3, seed: 71, zeroFraction: 0.8).Build();
            var model = CompiledModel.Load(onnx, KernelChoice.Auto, className, ns);
            var reference = CompiledModel.Load(onnx);
            var x = CompiledModel.RandomInput(6 * 20, 72);
            Assert.Equal(reference.PredictBatch(20, x)[0], model.PredictBatch(20, x)[0]);
        }

        private static void Rename(OnnxGraph g, string from, string to)
        {
            foreach (var v in g.Inputs.Concat(g.Outputs).Concat(g.ValueInfos)) if (v.Name == from) v.Name = to;
            foreach (var t in g.Initializers) if (t.Name == from) t.Name = to;
            foreach (var n in g.Nodes)
            {
                for (int i = 0; i < n.Inputs.Count; i++) if (n.Inputs[i] == from) n.Inputs[i] = to;
                for (int i = 0; i < n.Outputs.Count; i++) if (n.Outputs[i] == from) n.Outputs[i] = to;
            }
        }
    }
}
