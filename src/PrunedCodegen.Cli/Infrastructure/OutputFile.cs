using System;
using System.IO;

namespace PrunedCodegen.Cli.Infrastructure
{
    /// <summary>
    /// Writes outputs safely: never over an input, never over an existing file without --force, and atomically
    /// (a temporary file in the same folder, then a rename), so that a crash never leaves half a file.
    /// </summary>
    public static class OutputFile
    {
        public static void Check(string path, bool force, params string[] inputs)
        {
            string full = Path.GetFullPath(path);
            foreach (string input in inputs)
                if (string.Equals(full, Path.GetFullPath(input), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
                    throw new UserErrorException(ExitCodes.OutputRefused, $"{path}: the output would overwrite the input; choose another output path");
            if (Directory.Exists(full))
                throw new UserErrorException(ExitCodes.OutputRefused, $"{path}: is a folder; give a file name");
            if (File.Exists(full) && !force)
                throw new UserErrorException(ExitCodes.OutputRefused, $"{path}: already exists; use --force to replace it");
            string? dir = Path.GetDirectoryName(full);
            if (dir != null && !Directory.Exists(dir))
                throw new UserErrorException(ExitCodes.OutputRefused, $"{path}: the folder {dir} does not exist");
        }

        public static void WriteAllBytes(string path, byte[] bytes, bool force, params string[] inputs) =>
            Write(path, force, inputs, temp => File.WriteAllBytes(temp, bytes));

        public static void WriteAllText(string path, string text, bool force, params string[] inputs) =>
            Write(path, force, inputs, temp => File.WriteAllText(temp, text));

        /// <summary>Calls <paramref name="writeTo"/> with a temporary path (same folder and extension), then renames it to <paramref name="path"/>.</summary>
        public static void Write(string path, bool force, string[] inputs, Action<string> writeTo)
        {
            Check(path, force, inputs);
            string full = Path.GetFullPath(path);
            string temp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileNameWithoutExtension(full) + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp" + Path.GetExtension(full));
            try
            {
                writeTo(temp);
                File.Move(temp, full, overwrite: force);
            }
            catch (IOException e) when (File.Exists(full) && !force)
            {
                throw new UserErrorException(ExitCodes.OutputRefused, $"{path}: appeared while writing; use --force to replace it ({e.Message})");
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }
    }
}
