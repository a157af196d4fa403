using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using PrunedCodegen.Tests.Infrastructure;

namespace PrunedCodegen.Tests.Conformance
{
    /// <summary>
    /// The committed list of node-test folders that passed: <c>Conformance/Baseline/&lt;ops&gt;.txt</c>, one folder name per
    /// line, sorted, one file per op (or per op set of a function-expanded test). A folder listed here must keep passing.
    /// One file per op means that branches adding different ops add different files, so their baselines merge cleanly.
    /// </summary>
    public static class ConformanceBaseline
    {
        private static readonly Lazy<IReadOnlyDictionary<string, string>> s_passed =
            new Lazy<IReadOnlyDictionary<string, string>>(Read);

        /// <summary>tests/PrunedCodegen.Tests/Conformance/Baseline in the source tree (not the build output).</summary>
        public static string Directory => Path.Combine(TestPaths.RepoRoot, "tests", "PrunedCodegen.Tests", "Conformance", "Baseline");

        /// <summary>Folder name to the baseline file that lists it.</summary>
        public static IReadOnlyDictionary<string, string> Passed => s_passed.Value;

        /// <summary>The file name for an ops key ("Add", "Less+Where"): anything but letters, digits and '+' becomes '_'.</summary>
        public static string FileName(string opsKey) =>
            new string(opsKey.Select(c => char.IsAsciiLetterOrDigit(c) || c == '+' ? c : '_').ToArray()) + ".txt";

        /// <summary>Rewrites the baseline from this run: every passed folder, grouped by its ops key.</summary>
        public static void Write(IEnumerable<NodeOutcome> outcomes)
        {
            System.IO.Directory.CreateDirectory(Directory);
            foreach (string stale in System.IO.Directory.GetFiles(Directory, "*.txt")) File.Delete(stale);
            foreach (var group in outcomes.Where(o => o.Kind == NodeOutcomeKind.Passed).GroupBy(o => FileName(o.OpsKey)))
            {
                var lines = group.Select(o => o.Folder).OrderBy(f => f, StringComparer.Ordinal).Select(f => f + "\n");
                File.WriteAllText(Path.Combine(Directory, group.Key), string.Concat(lines), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            }
        }

        private static IReadOnlyDictionary<string, string> Read()
        {
            var passed = new Dictionary<string, string>(StringComparer.Ordinal);
            if (!System.IO.Directory.Exists(Directory)) return passed;
            foreach (string file in System.IO.Directory.GetFiles(Directory, "*.txt").OrderBy(f => f, StringComparer.Ordinal))
            {
                foreach (string line in File.ReadAllLines(file))
                {
                    string folder = line.Trim();
                    if (folder.Length > 0) passed[folder] = Path.GetFileName(file);
                }
            }
            return passed;
        }
    }
}
