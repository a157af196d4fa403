using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using SharpFuzz;

namespace PrunedCodegen.Fuzz
{
    /// <summary>
    /// No arguments: the AFL++ target (SharpFuzz persistent mode; run by tools/fuzz/run.sh). With
    /// <c>replay FILE|DIR...</c>: runs every file through <see cref="FuzzTarget"/> without a fuzzer, prints the
    /// outcomes, and exits 1 if any input breaks a rule (to triage a crash, or minimise a corpus).
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            if (args.Length > 0 && args[0] == "replay")
                return Replay(args.Skip(1));
            // PCG_FUZZ_SELFTEST=1 makes every model that compiles a "crash", to check that findings reach the fuzzer.
            bool selfTest = Environment.GetEnvironmentVariable("PCG_FUZZ_SELFTEST") == "1";
            Fuzzer.Run(stream =>
            {
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                if (FuzzTarget.Run(buffer.ToArray()) == "ok" && selfTest)
                    throw new FuzzFinding("self-test: a model compiled");
            });
            return 0;
        }

        private static int Replay(IEnumerable<string> paths)
        {
            var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : new[] { p })
                .OrderBy(f => f, StringComparer.Ordinal).ToList();
            var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
            int findings = 0;
            var clock = Stopwatch.StartNew();
            foreach (var file in files)
            {
                string outcome;
                try
                {
                    outcome = FuzzTarget.Run(File.ReadAllBytes(file));
                }
                catch (Exception e)
                {
                    outcome = "FINDING";
                    findings++;
                    Console.WriteLine($"{file}: {e.GetType().Name}: {e.Message}");
                }
                outcomes[outcome] = outcomes.TryGetValue(outcome, out int n) ? n + 1 : 1;
            }
            Console.WriteLine($"{files.Count} inputs in {clock.Elapsed.TotalSeconds:0.0} s: " + string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}")));
            return findings == 0 ? 0 : 1;
        }
    }
}
