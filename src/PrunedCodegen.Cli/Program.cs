using System;

namespace PrunedCodegen.Cli
{
    internal static class Program
    {
        private static int Main(string[] args) => PcgApp.Run(args, Console.Out, Console.Error);
    }
}
