using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Diagnostics;

namespace PrunedCodegen.Cli.Commands
{
    /// <summary>pcg generate: the C# the source generator would add to a build, as files to commit or use without MSBuild.</summary>
    internal static class GenerateCommand
    {
        public static Command Create(ToolOutput ui)
        {
            var model = new Argument<string>("model") { Description = "The ONNX model." };
            var output = new Option<string>("--output", "-o") { Description = "The C# file to write, e.g. Model.g.cs.", Required = true };
            var className = new Option<string?>("--class") { Description = "Class name; default: the model file name in PascalCase." };
            var ns = new Option<string>("--namespace") { Description = "Namespace of the class; default: none.", DefaultValueFactory = _ => "" };
            var kernel = new Option<string>("--kernel") { Description = "auto (the cost model picks per layer), dense, block or sparse.", DefaultValueFactory = _ => "auto" };
            var force = new Option<bool>("--force") { Description = "Replace the outputs if they exist." };
            var skipLocalsInit = new Option<bool>("--skip-locals-init") { Description = "Put [SkipLocalsInit] on the generated classes (stack buffers not zeroed per call), as the source generator does when the project sets AllowUnsafeBlocks; the project must allow unsafe code (CS0227 otherwise)." };
            var test = new Option<string?>("--test") { Description = "Also write an xunit test file (e.g. ModelParityTests.cs) pinning Predict and PredictBatch to outputs computed by the training engine's own forward pass." };
            var testData = new Option<string?>("--test-data") { Description = "Samples for --test (.csv or .npy; a 'label' column is dropped); default: inputs drawn uniformly from [0, 1) with seed 0." };
            var testSamples = new Option<int>("--test-samples") { Description = "How many samples --test pins.", DefaultValueFactory = _ => 8 };
            var command = new Command("generate",
                "Write the C# the PrunedCodegen source generator makes of a model. The shared SIMD kernels the model calls go\n" +
                "beside it in " + ModelCompiler.KernelsHintName + " (written once; several models share it). Both files need .NET 8+\n" +
                "(and AllowUnsafeBlocks with --skip-locals-init).\n\n" +
                "Examples:\n" +
                "  pcg generate pruned.onnx -o Generated/Digits.g.cs --class DigitsModel --namespace MyApp\n" +
                "  pcg generate pruned.onnx -o Digits.g.cs --kernel sparse --force\n" +
                "  pcg generate pruned.onnx -o Digits.g.cs --class DigitsModel --test Tests/DigitsModelParityTests.cs --test-data test.csv")
            { model, output, className, ns, kernel, force, skipLocalsInit, test, testData, testSamples };
            command.SetAction(parse => PcgApp.Guard(ui, () =>
            {
                int samples = parse.GetValue(testSamples);
                if (samples < 1 || samples > 1000) throw new UserErrorException(ExitCodes.Usage, $"--test-samples {samples}: give 1 to 1000");
                string? testPath = parse.GetValue(test), dataPath = parse.GetValue(testData);
                if (testPath == null && dataPath != null) throw new UserErrorException(ExitCodes.Usage, "--test-data is only read with --test");
                return Run(ui, parse.GetValue(model)!, parse.GetValue(output)!, parse.GetValue(className), parse.GetValue(ns)!, parse.GetValue(kernel)!,
                    parse.GetValue(force), parse.GetValue(skipLocalsInit), testPath, dataPath, samples);
            }));
            return command;
        }

        private static int Run(ToolOutput ui, string input, string output, string? className, string ns, string kernelText, bool force, bool skipLocalsInit,
            string? testPath, string? testDataPath, int testSamples)
        {
            var kernel = CompileOptions.ParseKernel(kernelText) ?? throw new UserErrorException(ExitCodes.Usage, $"--kernel '{kernelText}' is not one of auto, dense, block, sparse, unrolled, direct, skipzeros, gemm, sell");
            string kernelsPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output))!, ModelCompiler.KernelsHintName);
            OutputFile.Check(output, force, input);
            if (testPath != null)
            {
                if (Path.GetFullPath(testPath) == Path.GetFullPath(output))
                    throw new UserErrorException(ExitCodes.Usage, "--test names the same file as --output");
                OutputFile.Check(testPath, force, new[] { input, testDataPath }.OfType<string>().ToArray());
            }
            // The kernels file is shared by every generated model in the folder: an identical one is left alone.
            bool kernelsCurrent = File.Exists(kernelsPath) && File.ReadAllText(kernelsPath) == ModelCompiler.KernelsSourceFor(skipLocalsInit);
            if (!kernelsCurrent) OutputFile.Check(kernelsPath, force, input);
            byte[] bytes = Inputs.ReadModelBytes(input);
            var parsed = Inputs.ParseModel(input, bytes);
            var options = new CompileOptions(className ?? PrunedCodegen.Emitting.Identifiers.Pascal(Path.GetFileNameWithoutExtension(input), "Model"), ns, Path.GetFileName(input)) { Kernel = kernel, SkipLocalsInit = skipLocalsInit };
            var result = ModelCompiler.Compile(bytes, options);
            // Errors and warnings (PCG0022 slow build, PCG0023 newer opset) go to stderr, as the compiler would show them.
            foreach (var d in result.Diagnostics.Where(d => d.Severity is PcgSeverity.Error or PcgSeverity.Warning))
                ui.Error.WriteLine(d.Severity == PcgSeverity.Warning ? $"warning {d.Id}: {d.Message}" : $"{d.Id}: {d.Message}");
            if (!result.Succeeded)
            {
                bool optionsError = result.Diagnostics.Any(d => d.Id == DiagnosticIds.InvalidOptions);
                return optionsError ? ExitCodes.Usage : ExitCodes.UnsupportedModel;
            }
            // The test file is made before anything is written, so that a model the reference cannot run leaves nothing behind.
            string? testSource = testPath == null ? null : ParityTestWriter.Write(parsed, bytes, Path.GetFileName(input), options.Namespace, options.ClassName,
                testDataPath == null ? null : Inputs.ReadData(testDataPath, null, null), testSamples, seed: 0);
            OutputFile.WriteAllText(output, result.Source!, force, input);
            if (testSource != null)
                OutputFile.WriteAllText(testPath!, testSource, force, new[] { input, testDataPath }.OfType<string>().ToArray());
            if (!kernelsCurrent)
                OutputFile.WriteAllText(kernelsPath, ModelCompiler.KernelsSourceFor(skipLocalsInit), force, input);
            foreach (var d in result.Diagnostics.Where(d => d.Severity == PcgSeverity.Info))
                ui.Writer.WriteLine($"{d.Id}: {d.Message}");
            ui.Writer.WriteLine($"wrote {output} ({options.Namespace}{(options.Namespace.Length > 0 ? "." : "")}{options.ClassName})" + (kernelsCurrent ? $"; {kernelsPath} is up to date" : $" and {kernelsPath}")
                + (testPath != null ? $"; parity tests in {testPath} ({options.ClassName}ParityTests, needs xunit)" : ""));
            return ExitCodes.Success;
        }
    }
}
