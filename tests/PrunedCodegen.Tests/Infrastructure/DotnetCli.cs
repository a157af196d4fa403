using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading.Tasks;

namespace PrunedCodegen.Tests.Infrastructure
{
    /// <summary>What a <c>dotnet</c> command did: its exit code and everything it printed (stdout, then stderr).</summary>
    public sealed record CliResult(string Command, int ExitCode, string Output, TimeSpan Elapsed)
    {
        public override string ToString() => $"$ {Command}   (exit {ExitCode}, {Elapsed.TotalSeconds:0.0} s)\n{Output}";
    }

    /// <summary>
    /// Runs the <c>dotnet</c> CLI as a user would from a shell, in a clean environment: none of the MSBuild variables
    /// of the test host leak in, and no build server (MSBuild node, compiler server) outlives the command, so nothing
    /// keeps the test's pipes open or serves stale analyzers to a later command.
    /// </summary>
    public sealed class DotnetCli
    {
        private readonly Dictionary<string, string> _environment = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <param name="nugetPackagesFolder">The global packages folder for every command: a fresh one isolates a test from the user's cache.</param>
        public DotnetCli(string? nugetPackagesFolder = null)
        {
            if (nugetPackagesFolder != null) _environment["NUGET_PACKAGES"] = nugetPackagesFolder;
            _environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            _environment["DOTNET_NOLOGO"] = "1";
            _environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
            _environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
            // No build servers: they would outlive the command and hold its output pipes open.
            _environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
            _environment["MSBUILDDISABLENODEREUSE"] = "1";
            _environment["UseSharedCompilation"] = "false";
        }

        public static string Executable =>
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

        public CliResult Run(string workingDirectory, TimeSpan timeout, params string[] arguments)
        {
            var start = new ProcessStartInfo(Executable)
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
            };
            foreach (var argument in arguments) start.ArgumentList.Add(argument);
            foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
            {
                string name = (string)variable.Key;
                // The test host runs under `dotnet test`, whose MSBuild and test-platform settings are not a user's.
                if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                    || name.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase))
                    start.Environment.Remove(name);
            }
            foreach (var (name, value) in _environment) start.Environment[name] = value;

            string command = "dotnet " + string.Join(" ", arguments);
            var stopwatch = Stopwatch.StartNew();
            using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + command);
            process.StandardInput.Close();
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit((int)timeout.TotalMilliseconds))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                throw new TimeoutException($"'{command}' in {workingDirectory} did not finish within {timeout.TotalSeconds:0} s:\n{stdout.Result}{stderr.Result}");
            }
            process.WaitForExit();
            return new CliResult(command, process.ExitCode, stdout.Result + stderr.Result, stopwatch.Elapsed);
        }
    }
}
