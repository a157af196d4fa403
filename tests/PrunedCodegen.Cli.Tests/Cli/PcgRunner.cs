using System.IO;

namespace PrunedCodegen.Cli.Tests.Cli
{
    /// <summary>Runs pcg in-process, as a user would from the shell, capturing what it prints.</summary>
    internal static class PcgRunner
    {
        public sealed record Result(int ExitCode, string Output, string Error);

        public static Result Run(params string[] args)
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int code = PcgApp.Run(args, output, error);
            return new Result(code, output.ToString(), error.ToString());
        }
    }
}
