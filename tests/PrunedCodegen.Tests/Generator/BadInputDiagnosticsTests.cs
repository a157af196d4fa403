using System;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using PrunedCodegen.Diagnostics;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Generator
{
    /// <summary>Every kind of bad model ends in its own PCG diagnostic naming the file; nothing escapes the generator.</summary>
    public class BadInputDiagnosticsTests
    {
        private static Diagnostic SingleError(GeneratorHarness.Result result, string id, string fileName = "model.onnx")
        {
            var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            var error = Assert.Single(errors);
            Assert.Equal(id, error.Id);
            Assert.Contains(fileName, error.GetMessage());
            Assert.EndsWith(fileName, error.Location.GetLineSpan().Path);
            // Nothing but diagnostics: no half-generated class, no kernels.
            Assert.Empty(result.Sources);
            return error;
        }

        private static Diagnostic Generate(byte[] bytes, string id) =>
            SingleError(GeneratorHarness.Run(new GeneratorHarness.ModelItem(GeneratorHarness.WriteTemp(bytes))), id);

        [Fact]
        public void Missing_file_is_PCG0001()
        {
            string path = Path.Combine(Path.GetTempPath(), "pcg-tests", Guid.NewGuid().ToString("N"), "model.onnx");
            var error = SingleError(GeneratorHarness.Run(new GeneratorHarness.ModelItem(path)), DiagnosticIds.FileNotFound);
            Assert.Contains("not found", error.GetMessage());
        }

        [Fact]
        public void Empty_file_is_PCG0002() => Generate(Array.Empty<byte>(), DiagnosticIds.EmptyFile);

        [Fact]
        public void Truncated_model_is_PCG0003()
        {
            var bytes = Mlp(8, 4, 2, seed: 1).Build();
            var error = Generate(bytes.Take(bytes.Length / 2).ToArray(), DiagnosticIds.MalformedModel);
            Assert.Contains("not a valid ONNX model", error.GetMessage());
        }

        [Fact]
        public void Random_bytes_are_PCG0003()
        {
            var random = new Random(7);
            for (int i = 0; i < 20; i++)
            {
                var bytes = new byte[random.Next(1, 4096)];
                random.NextBytes(bytes);
                Generate(bytes, DiagnosticIds.MalformedModel);
            }
        }

        [Fact]
        public void Text_file_and_png_are_PCG0003()
        {
            Generate(System.Text.Encoding.UTF8.GetBytes("name,value\nx,1\n"), DiagnosticIds.MalformedModel);
            Generate(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52 }, DiagnosticIds.MalformedModel);
        }

        [Fact]
        public void Unsupported_op_names_op_node_and_opset()
        {
            var bytes = new ModelBuilder(opset: 13).Input("x", null, 4).Output("y", null, 4)
                .Node("Cos", new[] { "x" }, new[] { "y" }, "my_cos").Build();
            var error = Generate(bytes, DiagnosticIds.UnsupportedOp);
            Assert.Contains("'Cos'", error.GetMessage());
            Assert.Contains("my_cos", error.GetMessage());
            Assert.Contains("opset 13", error.GetMessage());
        }

        [Fact]
        public void Custom_domain_is_unsupported_op()
        {
            var model = new ModelBuilder().Input("x", null, 4).Output("y", null, 4).Node("Relu", new[] { "x" }, new[] { "y" });
            model.Model.Graph!.Nodes[0].Domain = "com.example";
            Assert.Contains("com.example", Generate(OnnxWriter.Write(model.Model), DiagnosticIds.UnsupportedOp).GetMessage());
        }

        [Fact]
        public void Int64_input_is_unsupported_data_type()
        {
            var bytes = new ModelBuilder().Input("x", OnnxDataType.Int64, null, 4).Output("y", null, 4)
                .Node("Relu", new[] { "x" }, new[] { "y" }).Build();
            Assert.Contains("Int64", Generate(bytes, DiagnosticIds.UnsupportedDataType).GetMessage());
        }

        [Fact]
        public void Float16_weights_are_unsupported_data_type()
        {
            var w = new OnnxTensor { Name = "W", DataType = OnnxDataType.Float16, RawData = new byte[16] };
            w.Dims.AddRange(new long[] { 2, 4 });
            var bytes = new ModelBuilder().Input("x", null, 4).Output("y", null, 2).Initializer(w)
                .Node("Gemm", new[] { "x", "W" }, new[] { "y" }, "", Int("transB", 1)).Build();
            Assert.Contains("Float16", Generate(bytes, DiagnosticIds.UnsupportedDataType).GetMessage());
        }

        [Fact]
        public void Symbolic_inner_dim_is_unknown_shape()
        {
            var model = new ModelBuilder().Input("x", null, 4).Output("y", null, 4).Node("Relu", new[] { "x" }, new[] { "y" });
            model.Model.Graph!.Inputs[0].Shape![1] = new OnnxDim { Param = "features" };
            Assert.Contains("features", Generate(OnnxWriter.Write(model.Model), DiagnosticIds.UnknownShape).GetMessage());
        }

        [Fact]
        public void Input_without_shape_is_unknown_shape()
        {
            var model = new ModelBuilder().Input("x", null, 4).Output("y", null, 4).Node("Relu", new[] { "x" }, new[] { "y" });
            model.Model.Graph!.Inputs[0].Shape = null;
            Generate(OnnxWriter.Write(model.Model), DiagnosticIds.UnknownShape);
        }

        [Fact]
        public void Runtime_reshape_target_is_unknown_shape()
        {
            var bytes = new ModelBuilder().Input("x", null, 4).Input("s", OnnxDataType.Float, 2).Output("y", null, 4)
                .Node("Reshape", new[] { "x", "s" }, new[] { "y" }).Build();
            Generate(bytes, DiagnosticIds.UnknownShape);
        }

        [Fact]
        public void External_data_is_PCG0007()
        {
            var w = new OnnxTensor { Name = "W", DataType = OnnxDataType.Float, IsExternal = true };
            w.Dims.AddRange(new long[] { 2, 4 });
            var bytes = new ModelBuilder().Input("x", null, 4).Output("y", null, 2).Initializer(w)
                .Node("Gemm", new[] { "x", "W" }, new[] { "y" }, "", Int("transB", 1)).Build();
            Assert.Contains("external", Generate(bytes, DiagnosticIds.ExternalData).GetMessage());
        }

        [Fact]
        public void Negative_dims_are_PCG0008()
        {
            var w = new OnnxTensor { Name = "W", DataType = OnnxDataType.Float };
            w.Dims.AddRange(new long[] { -2, 4 });
            var bytes = new ModelBuilder().Input("x", null, 4).Output("y", null, 2).Initializer(w)
                .Node("Gemm", new[] { "x", "W" }, new[] { "y" }, "", Int("transB", 1)).Build();
            Generate(bytes, DiagnosticIds.TensorTooLarge);
        }

        [Fact]
        public void Absurd_declared_dims_never_allocate()
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            var w = new OnnxTensor { Name = "W", DataType = OnnxDataType.Float, RawData = new byte[8] };
            w.Dims.AddRange(new long[] { 2_000_000_000, 2_000_000_000 });
            var bytes = new ModelBuilder().Input("x", null, 4).Output("y", null, 2).Initializer(w)
                .Node("Gemm", new[] { "x", "W" }, new[] { "y" }, "", Int("transB", 1)).Build();
            Generate(bytes, DiagnosticIds.TensorTooLarge);

            var model = new ModelBuilder().Input("x", 2_000_000_000L, 4).Output("y", 2_000_000_000L, 4).Node("Relu", new[] { "x" }, new[] { "y" });
            Generate(model.Build(), DiagnosticIds.TensorTooLarge);
            Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 200_000_000, "a declared 2 GB dim must not be allocated");
        }

        [Fact]
        public void Data_shorter_than_dims_is_malformed()
        {
            var bytes = new ModelBuilder().Input("x", null, 4).Output("y", null, 2)
                .Initializer("W", new long[] { 2, 4 }, new float[] { 1, 2, 3 })
                .Node("Gemm", new[] { "x", "W" }, new[] { "y" }, "", Int("transB", 1)).Build();
            Generate(bytes, DiagnosticIds.MalformedModel);
        }

        [Fact]
        public void Invalid_class_name_is_PCG0010()
        {
            var path = GeneratorHarness.WriteTemp(Mlp(8, 4, 2, seed: 1).Build());
            var error = SingleError(GeneratorHarness.Run(new GeneratorHarness.ModelItem(path, ClassName: "class")), DiagnosticIds.InvalidOptions);
            Assert.Contains("ClassName", error.GetMessage());
            SingleError(GeneratorHarness.Run(new GeneratorHarness.ModelItem(path, ClassName: "Ok", Namespace: "a..b")), DiagnosticIds.InvalidOptions);
        }

        [Fact]
        public void Two_models_with_one_class_name_report_PCG0010_and_keep_the_first()
        {
            var a = GeneratorHarness.WriteTemp(Mlp(8, 4, 2, seed: 1).Build(), "a.onnx");
            var b = GeneratorHarness.WriteTemp(Mlp(8, 4, 2, seed: 2).Build(), "b.onnx");
            var result = GeneratorHarness.Run(new GeneratorHarness.ModelItem(a, "Same"), new GeneratorHarness.ModelItem(b, "Same"));
            var error = Assert.Single(result.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
            Assert.Equal(DiagnosticIds.InvalidOptions, error.Id);
            Assert.Equal(2, result.Sources.Count);   // one model + kernels
            Assert.Empty(result.CompileErrors);
        }

        [Fact]
        public void Broken_model_does_not_stop_the_other_models()
        {
            var good = GeneratorHarness.WriteTemp(Mlp(8, 4, 2, seed: 1).Build(), "good.onnx");
            var bad = GeneratorHarness.WriteTemp(new byte[] { 1, 2, 3 }, "bad.onnx");
            var result = GeneratorHarness.Run(new GeneratorHarness.ModelItem(good), new GeneratorHarness.ModelItem(bad));
            var error = Assert.Single(result.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
            Assert.Contains("bad.onnx", error.GetMessage());
            Assert.Contains(result.Sources, s => s.HintName == "TestApp.Good.g.cs");
            Assert.Empty(result.CompileErrors);
        }

        [Fact]
        public void Files_not_marked_as_models_are_ignored()
        {
            var path = GeneratorHarness.WriteTemp(new byte[] { 1, 2, 3 }, "notes.txt");
            var result = GeneratorHarness.Run(new GeneratorHarness.ModelItem(path, IsModel: false));
            Assert.Empty(result.Diagnostics);
            Assert.Empty(result.Sources);
        }

        [Fact]
        public void Defaults_are_file_name_in_PascalCase_and_root_namespace()
        {
            var path = GeneratorHarness.WriteTemp(Mlp(8, 4, 2, seed: 1).Build(), "my-tiny_model.v2.onnx");
            var result = GeneratorHarness.Run(new[] { new GeneratorHarness.ModelItem(path) }, rootNamespace: "Edge.App");
            // Only the planner's summary, as an info diagnostic on the model file.
            var info = Assert.Single(result.Diagnostics);
            Assert.Equal(DiagnosticSeverity.Info, info.Severity);
            Assert.Equal("PCG1000", info.Id);
            Assert.Contains("my-tiny_model.v2.onnx -> Edge.App.MyTinyModelV2: 2 ops, ~", info.GetMessage());
            Assert.Contains("ns per sample estimated; layers with weights [0: 8->", info.GetMessage());
            Assert.Contains("namespace Edge.App", result.Source("Edge.App.MyTinyModelV2.g.cs"));
            Assert.Contains("public static partial class MyTinyModelV2", result.Source("Edge.App.MyTinyModelV2.g.cs"));
            Assert.Empty(result.CompileErrors);
        }
    }
}
