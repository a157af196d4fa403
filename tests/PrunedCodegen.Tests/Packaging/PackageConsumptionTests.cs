using System;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;
using PrunedCodegen.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PrunedCodegen.Tests.Packaging
{
    /// <summary>
    /// The NuGet package as a new user meets it: packed into a local folder, added with <c>dotnet add package</c> to fresh
    /// projects made by <c>dotnet new</c> in a temporary folder outside the repository, built with warnings as errors,
    /// run, and checked against PyTorch's logits. Filter with <c>--filter Category=Package</c> (or <c>Category!=Package</c>).
    /// </summary>
    [Trait("Category", "Package")]
    public sealed class PackageConsumptionTests : IClassFixture<PackageConsumptionTests.LocalFeed>
    {
        private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);
        private const float Atol = 1e-4f, Rtol = 1e-4f;

        private readonly LocalFeed _feed;
        private readonly ITestOutputHelper _output;

        public PackageConsumptionTests(LocalFeed feed, ITestOutputHelper output)
        {
            _feed = feed;
            _output = output;
        }

        /// <summary>The package, packed once per run with a version of its own into a folder that serves as the feed.</summary>
        public sealed class LocalFeed : IDisposable
        {
#if DEBUG
            public const string Configuration = "Debug";
#else
            public const string Configuration = "Release";
#endif

            public LocalFeed()
            {
                Root = Path.Combine(Path.GetTempPath(), "pcg-package-tests", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N").Substring(0, 8));
                if (Root.StartsWith(TestPaths.RepoRoot, StringComparison.Ordinal))
                    throw new InvalidOperationException($"the temp folder {Root} lies inside the repository: the test projects would pick up its Directory.Build files");
                Folder = Path.Combine(Root, "feed");
                Directory.CreateDirectory(Folder);
                // A version no cache can hold, and a global packages folder of our own (both, to be sure). The random part
                // starts with a letter: all-digit hex with a leading zero ("080585") is an invalid SemVer identifier.
                Version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + ".r" + Guid.NewGuid().ToString("N").Substring(0, 6);
                Cli = new DotnetCli(Path.Combine(Root, "nuget-packages"));

                // The generator and core that this test run was built with (the test project references both), packed as is.
                string project = Path.Combine(TestPaths.RepoRoot, "generator", "PrunedCodegen.Generator", "PrunedCodegen.Generator.csproj");
                PackResult = Cli.Run(TestPaths.RepoRoot, CommandTimeout, "pack", project, "-c", Configuration, "--no-build", "-o", Folder,
                    "-p:PackageVersion=" + Version, "-p:NuspecOutputPath=" + Path.Combine(Root, "nuspec") + Path.DirectorySeparatorChar);
                Package = Path.Combine(Folder, $"PrunedCodegen.{Version}.nupkg");
            }

            public string Root { get; }
            public string Folder { get; }
            public string Version { get; }
            public string Package { get; }
            public DotnetCli Cli { get; }
            public CliResult PackResult { get; }

            public void Dispose()
            {
                if (Environment.GetEnvironmentVariable("PCG_KEEP_PACKAGE_TESTS") == "1") return;
                try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }

        private string NewFolder(string name)
        {
            Assert.True(File.Exists(_feed.Package), "dotnet pack failed:\n" + _feed.PackResult);
            string dir = Path.Combine(_feed.Root, name);
            Directory.CreateDirectory(dir);
            return dir;
        }

        private CliResult Dotnet(string workingDirectory, params string[] arguments)
        {
            var result = _feed.Cli.Run(workingDirectory, CommandTimeout, arguments);
            _output.WriteLine($"$ {result.Command}   (exit {result.ExitCode}, {result.Elapsed.TotalSeconds:0.0} s)");
            return result;
        }

        private CliResult Succeed(string workingDirectory, params string[] arguments)
        {
            var result = Dotnet(workingDirectory, arguments);
            Assert.True(result.ExitCode == 0, result.ToString());
            return result;
        }

        private static string Fixture(string file) => Path.Combine(AppContext.BaseDirectory, "fixtures", "digits", file);

        private static float[] ExpectedLogits() =>
            File.ReadAllLines(Fixture("digits_test_logits_pruned.csv")).Skip(1).Where(l => l.Length > 0)
                .SelectMany(l => l.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture))).ToArray();

        /// <summary>The logits an app printed, one line of comma-separated floats per test row.</summary>
        private static float[] PrintedLogits(string output) =>
            output.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && (char.IsDigit(l[0]) || l[0] == '-'))
                .SelectMany(l => l.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture))).ToArray();

        /// <summary>`dotnet new`, then `dotnet add package PrunedCodegen --source feed`, as the README tells a user.</summary>
        private string NewProjectWithPackage(string parent, string template, string name, params string[] newOptions)
        {
            Succeed(parent, new[] { "new", template, "-o", name }.Concat(newOptions).ToArray());
            string dir = Path.Combine(parent, name);
            Succeed(dir, "add", "package", "PrunedCodegen", "--version", _feed.Version, "--source", _feed.Folder);
            return dir;
        }

        [Fact]
        public void Package_holds_the_generator_its_core_and_the_build_files_and_nothing_else()
        {
            Assert.True(File.Exists(_feed.Package), "dotnet pack failed:\n" + _feed.PackResult);
            Assert.DoesNotContain("warning", _feed.PackResult.Output, StringComparison.OrdinalIgnoreCase);
            using var zip = ZipFile.OpenRead(_feed.Package);
            var files = zip.Entries.Select(e => e.FullName)
                .Where(f => !f.StartsWith("_rels/", StringComparison.Ordinal) && !f.StartsWith("package/", StringComparison.Ordinal) && f != "[Content_Types].xml")
                .OrderBy(f => f, StringComparer.Ordinal).ToArray();
            Assert.Equal(new[]
            {
                "PrunedCodegen.nuspec",
                "README.md",
                "analyzers/dotnet/cs/PrunedCodegen.Core.dll",
                "analyzers/dotnet/cs/PrunedCodegen.Generator.dll",
                "build/PrunedCodegen.props",
                "build/PrunedCodegen.targets",
                "buildTransitive/PrunedCodegen.props",
                "buildTransitive/PrunedCodegen.targets",
            }, files);

            using var nuspecStream = zip.GetEntry("PrunedCodegen.nuspec")!.Open();
            var metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string Meta(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
            Assert.Equal("PrunedCodegen", Meta("id"));
            Assert.Equal(_feed.Version, Meta("version"));
            Assert.Equal("MIT", Meta("license"));
            Assert.Equal("README.md", Meta("readme"));
            Assert.Equal("true", Meta("developmentDependency"));
            Assert.Contains("onnx", Meta("tags"));
            Assert.Contains(".NET 8", Meta("description"));
            Assert.Equal("git", metadata.Elements().Single(e => e.Name.LocalName == "repository").Attribute("type")?.Value);
            // The generated code needs no runtime package, and the compiler brings Roslyn: no dependencies at all.
            Assert.DoesNotContain(metadata.Elements(), e => e.Name.LocalName == "dependencies");
        }

        [Fact]
        public void Console_app_with_a_dropped_in_model_builds_without_warnings_and_predicts_like_PyTorch()
        {
            string root = NewFolder("console");
            string app = NewProjectWithPackage(root, "console", "App");
            // Dropped into the project folder: a PrunedModel by default, class DigitsPruned in the root namespace.
            File.Copy(Fixture("digits_pruned.onnx"), Path.Combine(app, "digits_pruned.onnx"));
            File.WriteAllText(Path.Combine(app, "Program.cs"), """
                using System.Globalization;
                using App;

                // The version the generated class and the kernels carry: the package's own.
                Console.WriteLine("generated by " + typeof(DigitsPruned).GetCustomAttributes(typeof(System.CodeDom.Compiler.GeneratedCodeAttribute), false)
                    .Cast<System.CodeDom.Compiler.GeneratedCodeAttribute>().Single().Version);
                Console.WriteLine("kernels by " + typeof(DigitsPruned).Assembly.GetType("PrunedCodegen.Generated.Kernels")!
                    .GetCustomAttributes(typeof(System.CodeDom.Compiler.GeneratedCodeAttribute), false)
                    .Cast<System.CodeDom.Compiler.GeneratedCodeAttribute>().Single().Version);
                // Each row of the test split (label, then 64 pixels) through the generated model: one line of logits per row.
                var output = new float[DigitsPruned.OutputLength];
                foreach (string line in File.ReadLines(args[0]).Skip(1).Where(l => l.Length > 0))
                {
                    float[] pixels = line.Split(',').Skip(1).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                    DigitsPruned.Predict(pixels, output);
                    Console.WriteLine(string.Join(",", output.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
                }
                """);

            Succeed(app, "build", "-c", "Release", "-warnaserror");
            var run = Succeed(app, Path.Combine("bin", "Release", "net10.0", "App.dll"), Fixture("digits_test.csv"));
            Tolerance.AssertClose(ExpectedLogits(), PrintedLogits(run.Output), Atol, Rtol, "console app vs PyTorch");
            // The package is packed from this run's build (--no-build), so its assemblies carry the build's version, which
            // is what generated code must say (not a constant that drifts from the package).
            string built = typeof(ModelCompiler).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
                .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion.Split('+')[0];
            Assert.Contains("generated by " + built + Environment.NewLine, run.Output);
            Assert.Contains("kernels by " + built + Environment.NewLine, run.Output);

            // The same project on a compiler too old for the generator (Roslyn 4.7, played by the property the targets
            // read the version into): PCG0012 says why, and the generator is not handed to the compiler at all.
            var old = Dotnet(app, "build", "-c", "Release", "--no-incremental", "-p:_PrunedCodegenCompilerVersion=4.7.0.0");
            Assert.True(old.ExitCode != 0
                && old.Output.Contains("warning PCG0012: PrunedCodegen needs C# compiler (Roslyn) 4.8 or newer", StringComparison.Ordinal)
                && old.Output.Contains("error CS0246: The type or namespace name 'App' could not be found", StringComparison.Ordinal) // nothing generated
                && !old.Output.Contains("CS9057", StringComparison.Ordinal)   // not "analyzer references a newer compiler"
                && !old.Output.Contains("CS8032", StringComparison.Ordinal),  // not "an instance of analyzer cannot be created"
                old.ToString());
        }

        [Fact]
        public void Class_library_with_a_listed_model_serves_a_console_app()
        {
            string root = NewFolder("library");
            string models = NewProjectWithPackage(root, "classlib", "Models");
            File.Copy(Fixture("digits_pruned.onnx"), Path.Combine(models, "digits_pruned.onnx"));
            // Listed with its own class name ("./" on purpose): the default *.onnx item must not add it a second time.
            string csproj = Path.Combine(models, "Models.csproj");
            File.WriteAllText(csproj, File.ReadAllText(csproj).Replace("</Project>",
                "  <ItemGroup>\n    <PrunedModel Include=\"./digits_pruned.onnx\" ClassName=\"Digits\" Namespace=\"Models.Vision\" />\n  </ItemGroup>\n</Project>"));

            Succeed(root, "new", "console", "-o", "App");
            string app = Path.Combine(root, "App");
            Succeed(app, "add", "reference", Path.Combine("..", "Models", "Models.csproj"));
            File.WriteAllText(Path.Combine(app, "Program.cs"), """
                using System.Globalization;
                using Models.Vision;

                // The whole test split in one PredictBatch call on the library's generated class.
                string[] rows = File.ReadLines(args[0]).Skip(1).Where(l => l.Length > 0).ToArray();
                float[] pixels = rows.SelectMany(l => l.Split(',').Skip(1).Select(v => float.Parse(v, CultureInfo.InvariantCulture))).ToArray();
                var logits = new float[rows.Length * Digits.OutputLength];
                Digits.PredictBatch(pixels, logits);
                Console.WriteLine("types: " + string.Join(" ", typeof(Digits).Assembly.GetExportedTypes().Select(t => t.FullName).Order()));
                for (int i = 0; i < rows.Length; i++)
                    Console.WriteLine(string.Join(",", logits.Skip(i * Digits.OutputLength).Take(Digits.OutputLength).Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
                """);

            Succeed(app, "build", "-c", "Release", "-warnaserror");
            var run = Succeed(app, Path.Combine("bin", "Release", "net10.0", "App.dll"), Fixture("digits_test.csv"));
            Assert.Contains("types: Models.Class1 Models.Vision.Digits" + Environment.NewLine, run.Output);
            Tolerance.AssertClose(ExpectedLogits(), PrintedLogits(run.Output), Atol, Rtol, "library via console app vs PyTorch");
        }

        [Fact]
        public void Pcg_installs_as_a_local_tool_from_the_folder_and_inspects_the_fixture()
        {
            // The tool package, packed into the same feed with the same unique version, as built: this test project
            // builds the tool first (a ProjectReference without its assembly). Packing with a build would restore into
            // the test's own packages folder and leave the repository's obj folders pointing at it.
            string root = NewFolder("tool");
            string project = Path.Combine(TestPaths.RepoRoot, "src", "PrunedCodegen.Cli", "PrunedCodegen.Cli.csproj");
            Succeed(TestPaths.RepoRoot, "pack", project, "-c", LocalFeed.Configuration, "--no-build", "-o", _feed.Folder, "-p:PackageVersion=" + _feed.Version,
                "-p:NuspecOutputPath=" + Path.Combine(_feed.Root, "nuspec-cli") + Path.DirectorySeparatorChar);
            string nupkg = Path.Combine(_feed.Folder, $"PrunedCodegen.Cli.{_feed.Version}.nupkg");
            Assert.True(File.Exists(nupkg));
            using (var zip = ZipFile.OpenRead(nupkg))
            {
                // A dotnet tool package with the metadata a user sees on nuget.org.
                var nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
                var metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
                string Meta(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;
                Assert.Equal("PrunedCodegen.Cli", Meta("id"));
                Assert.Equal("MIT", Meta("license"));
                Assert.Equal("README.md", Meta("readme"));
                Assert.Contains("pruning", Meta("tags"));
                Assert.Contains("DotnetTool", metadata.Elements().Single(e => e.Name.LocalName == "packageTypes").ToString());
                Assert.Contains(zip.Entries, e => e.FullName == "README.md");
                Assert.Contains(zip.Entries, e => e.FullName.EndsWith("/pcg", StringComparison.Ordinal) || e.FullName.EndsWith("DotnetToolSettings.xml", StringComparison.Ordinal));
                // 30 MB or less (issue 17; it was 84 MB with SkiaSharp's and HarfBuzzSharp's natives for 15 platforms): PNG's
                // native renderer for four platforms, no HarfBuzz, no Roslyn satellite languages. SVG needs no native code.
                Assert.True(new FileInfo(nupkg).Length <= 30_000_000, $"the tool package is {new FileInfo(nupkg).Length:N0} bytes");
                var natives = zip.Entries.Where(e => e.FullName.Contains("/runtimes/", StringComparison.Ordinal)).Select(e => e.FullName.Split("/runtimes/")[1]).OrderBy(n => n, StringComparer.Ordinal);
                Assert.Equal(new[] { "linux-arm64/native/libSkiaSharp.so", "linux-x64/native/libSkiaSharp.so", "osx/native/libSkiaSharp.dylib", "win-x64/native/libSkiaSharp.dll" }, natives);
                Assert.DoesNotContain(zip.Entries, e => e.FullName.EndsWith(".resources.dll", StringComparison.Ordinal));
            }

            Succeed(root, "new", "tool-manifest");
            Succeed(root, "tool", "install", "PrunedCodegen.Cli", "--version", _feed.Version, "--add-source", _feed.Folder);
            File.Copy(Fixture("digits_pruned.onnx"), Path.Combine(root, "digits_pruned.onnx"));
            var run = Succeed(root, "tool", "run", "pcg", "--", "inspect", "digits_pruned.onnx", "--json");

            // The zeros per layer are the ones PyTorch's pruning left (recorded by the fixture script).
            using var json = System.Text.Json.JsonDocument.Parse(run.Output.Substring(run.Output.IndexOf('{')));
            var zeros = json.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("zeros").GetInt32()).ToArray();
            using var metrics = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Fixture("digits_metrics.json")));
            var expected = metrics.RootElement.GetProperty("sparsity_per_layer").EnumerateArray().Select(l => l.GetProperty("zeros").GetInt32()).ToArray();
            Assert.Equal(expected, zeros);

            // Charts from the installed tool: SVG (managed) and, on a platform whose native renderer is packed, PNG.
            File.Copy(Fixture("digits_test.csv"), Path.Combine(root, "digits_test.csv"));
            Succeed(root, "tool", "run", "pcg", "--", "sweep", "digits_pruned.onnx", "--data", "digits_test.csv", "-o", "sweep", "--sparsity", "0.9", "--no-timing");
            Assert.Contains("<svg", File.ReadAllText(Path.Combine(root, "sweep.svg")));
            if (OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier is "linux-x64" or "linux-arm64")
                Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(Path.Combine(root, "sweep.png")).Take(4));

            // And the installed tool refuses bad input with its exit code, not a stack trace.
            File.WriteAllText(Path.Combine(root, "broken.onnx"), "not a model");
            var bad = Dotnet(root, "tool", "run", "pcg", "--", "inspect", "broken.onnx");
            Assert.Equal(3, bad.ExitCode);
            Assert.DoesNotContain("   at ", bad.Output, StringComparison.Ordinal);
        }

        [Fact]
        public void NetStandard_library_gets_PCG0011_naming_the_model_instead_of_code()
        {
            string root = NewFolder("netstandard");
            string lib = NewProjectWithPackage(root, "classlib", "Legacy", "--framework", "netstandard2.0");
            File.Copy(Fixture("digits_pruned.onnx"), Path.Combine(lib, "digits_pruned.onnx"));

            var build = Dotnet(lib, "build", "-c", "Release");
            Assert.NotEqual(0, build.ExitCode);
            Assert.Contains("digits_pruned.onnx(1,1): error PCG0011: digits_pruned.onnx: no code was generated: the generated code needs .NET 8 or newer", build.Output);
            // Only that: no compiler errors about code that was never added.
            Assert.DoesNotContain("error CS", build.Output);

            // The remedy the message names: with default model items off, the .onnx file is no model and the library builds.
            Succeed(lib, "build", "-c", "Release", "-warnaserror", "-p:EnableDefaultPrunedModelItems=false");
        }
    }
}
