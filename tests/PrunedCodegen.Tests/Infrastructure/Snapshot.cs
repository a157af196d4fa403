using System;
using System.Globalization;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using Xunit;

namespace PrunedCodegen.Tests.Infrastructure
{
    /// <summary>
    /// Approved-file snapshots (the Verify workflow, in house). <c>Snapshots/{name}.verified.cs</c> next to the test
    /// file holds the approved text. On a mismatch <c>{name}.received.cs</c> is written beside it and the test fails
    /// with a short diff; set <c>PCG_APPROVE_SNAPSHOTS=1</c> to accept the received text instead. Line endings are
    /// normalised to LF on both sides. Received files are git-ignored.
    /// </summary>
    public static class Snapshot
    {
        public const string ApproveVariable = "PCG_APPROVE_SNAPSHOTS";

        /// <summary>Lines of unchanged text shown before a difference.</summary>
        private const int ContextLines = 3;

        /// <summary>At most this many removed and this many added lines are shown.</summary>
        private const int MaxShownLines = 12;

        public static bool ApproveFromEnvironment => Environment.GetEnvironmentVariable(ApproveVariable) == "1";

        /// <summary>Compares <paramref name="actual"/> with <c>Snapshots/{name}.verified.cs</c> beside the calling source file.</summary>
        public static void Match(string actual, string name, [CallerFilePath] string path = "")
        {
            MatchInDirectory(actual, name, SnapshotDirectory(path), ApproveFromEnvironment);
        }

        /// <summary>The Snapshots folder beside the calling source file (it need not exist yet).</summary>
        public static string SnapshotDirectory([CallerFilePath] string path = "") => Path.Combine(CallerDirectory(path), "Snapshots");

        /// <summary>The same workflow in an explicit folder, with approval given explicitly (for tests of this class).</summary>
        public static void MatchInDirectory(string actual, string name, string snapshotDirectory, bool approve)
        {
            if (actual is null) throw new ArgumentNullException(nameof(actual));
            if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains('/') || name.Contains('\\'))
            {
                throw new ArgumentException($"Snapshot name '{name}' is not a plain file name.", nameof(name));
            }

            string verifiedPath = Path.Combine(snapshotDirectory, name + ".verified.cs");
            string receivedPath = Path.Combine(snapshotDirectory, name + ".received.cs");
            string received = NormalizeNewLines(actual);

            if (approve)
            {
                Directory.CreateDirectory(snapshotDirectory);
                File.WriteAllText(verifiedPath, received, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                DeleteIfExists(receivedPath);
                return;
            }

            if (!File.Exists(verifiedPath))
            {
                WriteReceived(snapshotDirectory, receivedPath, received);
                Assert.Fail(
                    $"Snapshot '{name}' has no verified file {verifiedPath}.{Environment.NewLine}" +
                    $"The received text was written to {receivedPath}. Review it, then rename it to .verified.cs " +
                    $"or run the tests with {ApproveVariable}=1.");
            }

            string verified = NormalizeNewLines(File.ReadAllText(verifiedPath));
            if (string.Equals(verified, received, StringComparison.Ordinal))
            {
                DeleteIfExists(receivedPath);
                return;
            }

            WriteReceived(snapshotDirectory, receivedPath, received);
            Assert.Fail(
                $"Snapshot '{name}' differs from {verifiedPath}.{Environment.NewLine}" +
                $"Received text written to {receivedPath} (approve with {ApproveVariable}=1).{Environment.NewLine}" +
                Diff(verified, received));
        }

        public static string NormalizeNewLines(string text) => text.Replace("\r\n", "\n").Replace('\r', '\n');

        /// <summary>
        /// A one-hunk unified-style diff: the common prefix and suffix are trimmed and the differing middle is shown
        /// as removed (verified) and added (received) lines, with 1-based line numbers.
        /// </summary>
        public static string Diff(string verified, string received)
        {
            string[] a = verified.Split('\n');
            string[] b = received.Split('\n');
            int prefix = 0;
            while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix]) prefix++;
            int suffix = 0;
            while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[a.Length - 1 - suffix] == b[b.Length - 1 - suffix]) suffix++;

            int removedCount = a.Length - prefix - suffix;
            int addedCount = b.Length - prefix - suffix;
            int contextStart = Math.Max(0, prefix - ContextLines);
            var sb = new StringBuilder();
            sb.Append("--- verified (").Append(a.Length).Append(" lines)\n");
            sb.Append("+++ received (").Append(b.Length).Append(" lines)\n");
            sb.Append(CultureInfo.InvariantCulture, $"@@ -{prefix + 1},{removedCount} +{prefix + 1},{addedCount} @@ first difference at line {prefix + 1}\n");
            for (int i = contextStart; i < prefix; i++) AppendLine(sb, ' ', i, a[i]);
            for (int i = 0; i < Math.Min(removedCount, MaxShownLines); i++) AppendLine(sb, '-', prefix + i, a[prefix + i]);
            if (removedCount > MaxShownLines) sb.Append(CultureInfo.InvariantCulture, $"  ... {removedCount - MaxShownLines} more removed line(s)\n");
            for (int i = 0; i < Math.Min(addedCount, MaxShownLines); i++) AppendLine(sb, '+', prefix + i, b[prefix + i]);
            if (addedCount > MaxShownLines) sb.Append(CultureInfo.InvariantCulture, $"  ... {addedCount - MaxShownLines} more added line(s)\n");
            return sb.ToString();
        }

        private static void AppendLine(StringBuilder sb, char mark, int index, string line)
        {
            const int maxChars = 200;
            string shown = line.Length > maxChars ? line.Substring(0, maxChars) + "..." : line;
            sb.Append(mark).Append(' ').Append((index + 1).ToString(CultureInfo.InvariantCulture).PadLeft(5)).Append(" | ").Append(shown).Append('\n');
        }

        private static void WriteReceived(string directory, string receivedPath, string received)
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(receivedPath, received, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        }

        private static void DeleteIfExists(string path)
        {
            if (File.Exists(path)) File.Delete(path);
        }

        /// <summary>
        /// The folder of the calling test file. [CallerFilePath] is the path at build time; when the build maps
        /// source paths (ContinuousIntegrationBuild / PathMap turns them into "/_/..."), resolve it under the repository.
        /// </summary>
        private static string CallerDirectory(string callerFilePath)
        {
            if (string.IsNullOrEmpty(callerFilePath)) throw new ArgumentException("No caller file path.");
            if (File.Exists(callerFilePath)) return Path.GetDirectoryName(callerFilePath)!;
            string relative = callerFilePath.Replace('\\', '/');
            if (relative.StartsWith("/_/", StringComparison.Ordinal)) relative = relative.Substring(3);
            string candidate = Path.Combine(TestPaths.RepoRoot, relative);
            if (File.Exists(candidate)) return Path.GetDirectoryName(candidate)!;
            throw new InvalidOperationException($"The test source file '{callerFilePath}' does not exist on this machine; cannot locate its Snapshots folder.");
        }
    }
}
