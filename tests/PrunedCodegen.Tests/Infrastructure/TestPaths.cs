using System;
using System.IO;

namespace PrunedCodegen.Tests.Infrastructure
{
    /// <summary>
    /// Locates the repository and the shared data folder (ONNX node tests, notes) from the test assembly.
    /// The shared folder sits beside the repository: <c>&lt;repo&gt;/../shared</c>, where the repository is the
    /// nearest ancestor of the test assembly's folder that contains <c>PrunedCodegen.sln</c>. The environment
    /// variable <c>PCG_SHARED_DIR</c>, when set, overrides that.
    /// </summary>
    public static class TestPaths
    {
        /// <summary>Environment variable that, when set, names the shared folder directly.</summary>
        public const string SharedDirVariable = "PCG_SHARED_DIR";

        private const string SolutionFile = "PrunedCodegen.sln";

        private static readonly Lazy<string> Root = new Lazy<string>(FindRepoRoot);
        private static readonly Lazy<string> Shared = new Lazy<string>(FindSharedDir);

        /// <summary>The folder that contains <c>PrunedCodegen.sln</c>.</summary>
        public static string RepoRoot => Root.Value;

        /// <summary>The shared data folder (<c>&lt;repo&gt;/../shared</c>, or <c>$PCG_SHARED_DIR</c>).</summary>
        public static string SharedDir => Shared.Value;

        /// <summary>The ONNX backend node tests: <c>shared/onnx-node-tests</c>.</summary>
        public static string OnnxNodeTestsDir => Path.Combine(SharedDir, "onnx-node-tests");

        private static string FindRepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
                    return dir.FullName;
            }
            throw new InvalidOperationException(
                $"No folder containing {SolutionFile} above the test assembly folder '{AppContext.BaseDirectory}'.");
        }

        private static string FindSharedDir()
        {
            string? fromEnvironment = Environment.GetEnvironmentVariable(SharedDirVariable);
            if (!string.IsNullOrEmpty(fromEnvironment))
            {
                if (!Directory.Exists(fromEnvironment))
                    throw new InvalidOperationException($"{SharedDirVariable} names '{fromEnvironment}', which is not a folder.");
                return Path.GetFullPath(fromEnvironment);
            }
            string shared = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
            if (!Directory.Exists(shared))
            {
                throw new InvalidOperationException(
                    $"The shared folder '{shared}' (beside the repository '{RepoRoot}') does not exist; set {SharedDirVariable} to its location.");
            }
            return shared;
        }
    }
}
