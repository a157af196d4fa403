using System;
using System.IO;
using System.Security.Cryptography;
using PrunedCodegen.Diagnostics;

namespace PrunedCodegen.Generator
{
    /// <summary>
    /// The generator's only file access. A binary .onnx cannot go through AdditionalText.GetText() (it is
    /// decoded as text); the accepted contract is to read AdditionalText.Path directly.
    /// </summary>
    internal static class ModelFileReader
    {
        /// <summary>Files larger than this are refused before being read (the core's tensor limits are lower anyway).</summary>
        public const long MaxFileBytes = 1L << 30;

#pragma warning disable RS1035 // File IO is banned in analyzers; a binary AdditionalFile must be read by path.
        /// <summary>
        /// The item with the file's fingerprint (length + SHA-256), or the reason it cannot be read. The bytes are not
        /// kept: the pipeline caches this value for the whole IDE session, so it must stay small.
        /// </summary>
        public static ModelInput Read(string path, CompileOptions options)
        {
            var (bytes, error) = ReadBytes(path, options);
            return bytes == null ? new ModelInput(path, options, "", error) : new ModelInput(path, options, Fingerprint(bytes), null);
        }

        /// <summary>The file's bytes, or a PCG0001 (or PCG0008 for a file beyond <see cref="MaxFileBytes"/>) diagnostic.</summary>
        public static (byte[]? Bytes, PcgDiagnostic? Error) ReadBytes(string path, CompileOptions options)
        {
            string name = Text.Quote(options.ModelFileName);
            try
            {
                var info = new FileInfo(path);
                if (!info.Exists)
                    return (null, new PcgDiagnostic(DiagnosticIds.FileNotFound, PcgSeverity.Error, "Model file not found", $"{name}: the model file was not found"));
                if (info.Length > MaxFileBytes)
                    return (null, new PcgDiagnostic(DiagnosticIds.TensorTooLarge, PcgSeverity.Error, "Model file too large", $"{name}: the file is {info.Length} bytes; the limit is {MaxFileBytes}"));
                return (File.ReadAllBytes(path), null);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException || e is ArgumentException)
            {
                return (null, new PcgDiagnostic(DiagnosticIds.FileNotFound, PcgSeverity.Error, "Model file cannot be read", $"{name}: the model file cannot be read: {Text.Quote(e.Message)}"));
            }
        }
#pragma warning restore RS1035

        public static string Fingerprint(byte[] bytes)
        {
            using var sha = SHA256.Create();
            return bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + Convert.ToBase64String(sha.ComputeHash(bytes));
        }
    }
}
