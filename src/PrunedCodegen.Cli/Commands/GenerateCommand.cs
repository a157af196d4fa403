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
            var command = new Command("generate",
                "Write the C# the PrunedCodegen source generator makes of a model. The shared SIMD kernels the model calls go\n" +
                "beside it in " + ModelCompiler.KernelsHintName + " (written once; several models share it). Both files need .NET 8+\n" +
                "and AllowUnsafeBlocks.\n\n" +
                "Examples:\n" +
                "  pcg generate pruned.onnx -o Generated/Digits.g.cs --class DigitsModel --namespace MyApp\n" +
                "  pcg generate pruned.onnx -o Digits.g.cs --kernel sparse --force")
            { model, output, className, ns, kernel, force };
            command.SetAction(parse => PcgApp.Guard(ui, () => Run(ui, parse.GetValue(model)!, parse.GetValue(output)!, parse.GetValue(className),
                parse.GetValue(ns)!, parse.GetValue(kernel)!, parse.GetValue(force))));
            return command;
        }

        private static int Run(ToolOutput ui, string input, string output, string? className, string ns, string kernelText, bool force)
        {
            var kernel = CompileOptions.ParseKernel(kernelText) ?? throw new UserErrorException(ExitCodes.Usage, $"--kernel '{kernelText}' is not one of auto, dense, block, sparse, unrolled, direct, skipzeros, gemm, sell");
            string kernelsPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output))!, ModelCompiler.KernelsHintName);
            OutputFile.Check(output, force, input);
            // The kernels file is shared by every generated model in the folder: an identical one is left alone.
            bool kernelsCurrent = File.Exists(kernelsPath) && File.ReadAllText(kernelsPath) == ModelCompiler.KernelsSource;
            if (!kernelsCurrent) OutputFile.Check(kernelsPath, force, input);
            byte[] bytes = Inputs.ReadModelBytes(input);
            Inputs.ParseModel(input, bytes);
            var options = new CompileOptions(className ?? PrunedCodegen.Emitting.Identifiers.Pascal(Path.GetFileNameWithoutExtension(input), "Model"), ns, Path.GetFileName(input)) { Kernel = kernel };
            var result = ModelCompiler.Compile(bytes, options);
            foreach (var d in result.Diagnostics.Where(d => d.Severity == PcgSeverity.Error))
                ui.Error.WriteLine($"{d.Id}: {d.Message}");
            if (!result.Succeeded)
            {
                bool optionsError = result.Diagnostics.Any(d => d.Id == DiagnosticIds.InvalidOptions);
                return optionsError ? ExitCodes.Usage : ExitCodes.UnsupportedModel;
            }
            OutputFile.WriteAllText(output, result.Source!, force, input);
            if (!kernelsCurrent)
                OutputFile.WriteAllText(kernelsPath, ModelCompiler.KernelsSource, force, input);
            foreach (var d in result.Diagnostics.Where(d => d.Severity == PcgSeverity.Info))
                ui.Writer.WriteLine($"{d.Id}: {d.Message}");
            ui.Writer.WriteLine($"wrote {output} ({options.Namespace}{(options.Namespace.Length > 0 ? "." : "")}{options.ClassName})" + (kernelsCurrent ? $"; {kernelsPath} is up to date" : $" and {kernelsPath}"));
            return ExitCodes.Success;
        }
    }
}
