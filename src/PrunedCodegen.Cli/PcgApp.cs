using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using PrunedCodegen.Cli.Commands;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Evaluation;
using PrunedCodegen.Pruning;
using Spectre.Console;

namespace PrunedCodegen.Cli
{
    /// <summary>The pcg command line: verbs, parsing, and the mapping of failures to messages and exit codes.</summary>
    public static class PcgApp
    {
        /// <summary>Runs pcg with <paramref name="args"/>, writing to the given writers (the console, or a test's buffers).</summary>
        public static int Run(string[] args, TextWriter output, TextWriter error)
        {
            var ui = new ToolOutput(output, error);
            var root = new RootCommand("pcg: prune, fine-tune, evaluate, sweep and inspect ONNX models, and write the C# the PrunedCodegen generator makes of them.");
            root.Add(InspectCommand.Create(ui));
            root.Add(PruneCommand.Create(ui));
            root.Add(FinetuneCommand.Create(ui));
            root.Add(FactorizeCommand.Create(ui));
            root.Add(OptimizeCommand.Create(ui));
            root.Add(EvaluateCommand.Create(ui));
            root.Add(SweepCommand.Create(ui));
            root.Add(GenerateCommand.Create(ui));

            ParseResult parsed = root.Parse(args);
            var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
            if (parsed.Errors.Count > 0 && !args.Any(a => a is "-h" or "--help" or "-?"))
            {
                foreach (var e in parsed.Errors) error.WriteLine("error: " + e.Message);
                string verb = parsed.CommandResult.Command == root ? "" : parsed.CommandResult.Command.Name + " ";
                error.WriteLine($"Run 'pcg {verb}--help' for usage.");
                return ExitCodes.Usage;
            }
            return parsed.Invoke(config);
        }

        /// <summary>Runs one verb's body, turning user errors into a message and an exit code (no stack trace).</summary>
        internal static int Guard(ToolOutput ui, Func<int> body)
        {
            try
            {
                return body();
            }
            catch (UserErrorException e)
            {
                return ui.Fail(e.ExitCode, e.Message);
            }
            catch (PruningException e)
            {
                return ui.Fail(e.Error switch
                {
                    PruningError.UnknownLayer => ExitCodes.UnknownLayer,
                    PruningError.ImpossibleSparsity => ExitCodes.ImpossibleSparsity,
                    _ => ExitCodes.NothingToPrune,
                }, e.Message);
            }
            catch (DataFormatException e)
            {
                return ui.Fail(ExitCodes.BadData, e.Message);
            }
            catch (ModelCompileFailedException e)
            {
                return ui.Fail(ExitCodes.UnsupportedModel, "the model cannot be compiled: " + e.Message);
            }
            catch (Exception e)
            {
                return ui.Fail(ExitCodes.InternalError, $"internal error ({e.GetType().Name}: {e.Message}); please report it with the command and the model" +
                    (Environment.GetEnvironmentVariable("PCG_DEBUG") == "1" ? Environment.NewLine + e : ""));
            }
        }
    }

    /// <summary>Where a verb writes: tables and progress on the output, errors on the error writer.</summary>
    internal sealed class ToolOutput
    {
        public ToolOutput(TextWriter output, TextWriter error)
        {
            Writer = output;
            Error = error;
            bool isConsole = ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected;
            Console = isConsole
                ? AnsiConsole.Console
                : AnsiConsole.Create(new AnsiConsoleSettings
                {
                    Ansi = AnsiSupport.No,
                    ColorSystem = ColorSystemSupport.NoColors,
                    Interactive = InteractionSupport.No,
                    Out = new AnsiConsoleOutput(output),
                });
            if (!isConsole) Console.Profile.Width = 200;
        }

        public TextWriter Writer { get; }
        public TextWriter Error { get; }
        public IAnsiConsole Console { get; }

        public int Fail(int exitCode, string message)
        {
            Error.WriteLine("error: " + message);
            return exitCode;
        }
    }
}
